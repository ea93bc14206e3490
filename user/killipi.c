#include <stdio.h>
#include <ulib.h>
#include <error.h>

/*
 * kill() of a process that runs in user mode on another hart, making no
 * system call: the kernel interrupts that hart at once (memstat counts
 * these interrupts) instead of leaving the process to run until its
 * next timer tick, and the process exits from there. The parent gives
 * the child a while to start on another hart, then kills it. How many
 * interrupts that took is printed, not judged: whether the child was
 * running at that moment is up to the scheduler. With one hart the
 * parent yields instead, and there is no other hart to interrupt.
 */

#define HEAD_START_MSEC 20

int main(void) {
    struct memstat before, after;
    assert(memstat(&before) == 0);
    int code, pid = fork();
    if (pid == 0) {
        for (volatile unsigned long n = 0;; n++) {
        }
    }
    assert(pid > 0);
    unsigned int start = gettime_msec();
    while (gettime_msec() - start < HEAD_START_MSEC) {
        if (before.harts == 1) {
            yield();
        }
    }
    assert(kill(pid) == 0 && waitpid(pid, &code) == 0);
    assert(memstat(&after) == 0);
    cprintf("killipi: the spinning child ended with %d; %d kill interrupt(s) on %d hart(s)\n",
            code, (int)(after.kill_ipis - before.kill_ipis), (int)after.harts);
    if (code == -E_KILLED) {
        cprintf("killipi pass.\n");
    }
    return 0;
}
