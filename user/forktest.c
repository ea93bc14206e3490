#include <stdio.h>
#include <ulib.h>

/*
 * fork NCHILD children that each print a line and exit; the parent
 * must reap exactly NCHILD of them with wait(), then wait() must fail.
 */
#define NCHILD 32

int main(void) {
    int n, pid, ret;

    for (n = 0; n < NCHILD; n++) {
        pid = fork();
        if (pid == 0) {
            cprintf("I am child %d\n", n);
            exit(0);
        }
        if (pid < 0) {
            panic("fork of child %d failed: %e", n, pid);
        }
    }

    for (n = 0; n < NCHILD; n++) {
        if ((ret = wait()) != 0) {
            panic("wait for child %d of %d returned %d", n, NCHILD, ret);
        }
    }
    if ((ret = wait()) == 0) {
        panic("wait returned 0 with no children left");
    }

    /* (COW memstat summary goes here) */

    cprintf("forktest pass.\n");
    return 0;
}
