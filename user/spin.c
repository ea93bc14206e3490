#include <error.h>
#include <stdio.h>
#include <ulib.h>

/*
 * A child that spins forever must still lose the CPU (timer
 * preemption), and kill() must end it: waitpid then reaps it with
 * exit code -E_KILLED. The parent sleeps rather than yields while the
 * child starts: on more than one hart a yield may find nobody else
 * queued (the child already runs elsewhere) and kill it before it says
 * it runs.
 */
int main(void) {
    int pid, ret, code = 0;

    cprintf("I am the parent. Forking the child...\n");
    pid = fork();
    if (pid == 0) {
        cprintf("I am the child. spinning ...\n");
        for (;;) {
        }
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }

    cprintf("I am the parent. Running the child...\n");
    sleep(5);

    cprintf("I am the parent.  Killing the child...\n");
    if ((ret = kill(pid)) != 0) {
        panic("kill(%d) returned %d", pid, ret);
    }
    cprintf("kill returns %d\n", ret);

    if ((ret = waitpid(pid, &code)) != 0) {
        panic("waitpid(%d) returned %d", pid, ret);
    }
    cprintf("wait returns %d\n", ret);
    if (code != -E_KILLED) {
        panic("killed child exited with %d, want %d", code, -E_KILLED);
    }
    cprintf("spin may pass.\n");
    return 0;
}
