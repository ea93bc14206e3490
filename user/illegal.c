#include <stdio.h>
#include <ulib.h>

/* An illegal instruction must get the process killed. */
int main(void) {
    cprintf("illegal: executing an illegal instruction, the kernel must kill me\n");
    asm volatile("unimp");
    panic("FAIL: T.T");
}
