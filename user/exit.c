#include <stdio.h>
#include <ulib.h>

/*
 * A child exits with a magic code after yielding a few times; the
 * parent must get exactly that code from waitpid, and a second
 * waitpid or wait must find nothing left.
 */
#define MAGIC (-0x10384)

int main(void) {
    int pid, code = 0;

    cprintf("I am the parent. Forking the child...\n");
    pid = fork();
    if (pid == 0) {
        cprintf("I am the child.\n");
        for (int i = 0; i < 7; i++) {
            yield();
        }
        exit(MAGIC);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    cprintf("I am parent, fork a child pid %d\n", pid);

    cprintf("I am the parent, waiting now..\n");
    if (waitpid(pid, &code) != 0) {
        panic("waitpid(%d) failed", pid);
    }
    if (code != MAGIC) {
        panic("child exited with %d, want %d", code, MAGIC);
    }
    if (waitpid(pid, &code) == 0 || wait() == 0) {
        panic("a reaped child was found again");
    }
    cprintf("waitpid %d ok.\n", pid);

    cprintf("exit pass.\n");
    return 0;
}
