#include <defs.h>
#include <stdio.h>
#include <ulib.h>

/* Reading address 0 (never mapped) must get the process killed. */
int main(void) {
    volatile uintptr_t addr = 0;   /* volatile: GCC may not treat it as NULL */

    cprintf("faultread: reading address 0, the kernel must kill me\n");
    cprintf("I read %08x from 0.\n", *(volatile uint32_t *)addr);
    panic("FAIL: T.T");
}
