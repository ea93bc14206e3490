#include <stdio.h>
#include <ulib.h>

/* A user-mode ebreak (breakpoint trap) must get the process killed. */
int main(void) {
    cprintf("softint: executing ebreak, the kernel must kill me\n");
    asm volatile("ebreak");
    panic("FAIL: T.T");
}
