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
 * parent yields instead, and there is no other hart to interrupt. (A
 * child whose parent died first, of an injected allocation failure,
 * gives up after GIVE_UP_MSEC: it reads the time only now and then.)
 */

#define HEAD_START_MSEC 20
#define GIVE_UP_MSEC    5000

int main(void) {
    struct memstat before, after;
    assert(memstat(&before) == 0);
    int code, pid = fork();
    if (pid == 0) {
        unsigned int born = gettime_msec();
        for (volatile unsigned long n = 1;; n++) {     /* no system call but now and then */
            if (n % (1UL << 24) == 0 && gettime_msec() - born > GIVE_UP_MSEC) {
                exit(1);
            }
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
