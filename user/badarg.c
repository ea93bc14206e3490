#include <stdio.h>
#include <ulib.h>

/*
 * waitpid with bad arguments must fail without side effects: a pid
 * that is no child of ours, and an exit-code pointer outside our
 * memory, which must also leave the child waitable.
 */
#define CHILD_CODE  0xbeaf
#define BAD_STORE   ((int *)0xC0000000)    /* not mapped in user space */

int main(void) {
    int pid, code = 0, ret;

    pid = fork();
    if (pid == 0) {
        cprintf("fork ok.\n");
        for (int i = 0; i < 10; i++) {
            yield();
        }
        exit(CHILD_CODE);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }

    cprintf("badarg: waitpid(-1, NULL) must fail\n");
    if ((ret = waitpid(-1, NULL)) == 0) {
        panic("waitpid(-1, NULL) returned 0");
    }
    cprintf("badarg: waitpid(%d, %p) must fail\n", pid, BAD_STORE);
    if ((ret = waitpid(pid, BAD_STORE)) == 0) {
        panic("waitpid with a bad pointer returned 0");
    }
    cprintf("badarg: the child must still be waitable\n");
    if ((ret = waitpid(pid, &code)) != 0) {
        panic("waitpid(%d) returned %d after the bad call", pid, ret);
    }
    if (code != CHILD_CODE) {
        panic("child exited with 0x%x, want 0x%x", code, CHILD_CODE);
    }
    cprintf("badarg pass.\n");
    return 0;
}
