#include <error.h>
#include <stdio.h>
#include <ulib.h>

/*
 * kill() must end a process that is asleep: the child sleeps
 * "forever", the parent kills it and reaps it with code -E_KILLED.
 */
#define PARENT_TICKS 50

int main(void) {
    int pid, ret, code = 0;

    pid = fork();
    if (pid == 0) {
        sleep(~0U);
        exit(0xdead);       /* woke up without being killed */
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }

    cprintf("sleepkill: child %d sleeps; killing it in %d ticks\n", pid, PARENT_TICKS);
    sleep(PARENT_TICKS);
    if ((ret = kill(pid)) != 0) {
        panic("kill(%d) returned %d", pid, ret);
    }
    if ((ret = waitpid(pid, &code)) != 0) {
        panic("waitpid(%d) returned %d", pid, ret);
    }
    if (code != -E_KILLED) {
        panic("child exited with %d, want %d", code, -E_KILLED);
    }
    cprintf("sleepkill pass.\n");
    return 0;
}
