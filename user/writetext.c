#include <defs.h>
#include <stdio.h>
#include <ulib.h>

/* Program text is mapped read-only: writing to it must get us killed. */
int main(void) {
    volatile uintptr_t addr = (uintptr_t)main;

    cprintf("writetext: writing to my own code at 0x%lx, the kernel must kill me\n",
            (unsigned long)addr);
    *(volatile uint32_t *)addr = 0;
    panic("FAIL: T.T");
}
