#include <stdio.h>
#include <ulib.h>

/* The first program: print, ask the kernel for our pid, exit 0. */
int main(void) {
    int pid;

    cprintf("Hello world!!.\n");
    pid = getpid();
    cprintf("I am process %d.\n", pid);
    if (pid <= 0) {
        panic("getpid returned %d, want a positive pid", pid);
    }
    cprintf("hello pass.\n");
    return 0;
}
