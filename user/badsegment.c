#include <defs.h>
#include <stdio.h>
#include <ulib.h>

/*
 * RISC-V has no segments; the nearest mistake is an address that is
 * not an Sv39 address at all (bits 63..39 are not copies of bit 38).
 * Loading from one must get the process killed.
 */
#define NON_CANONICAL 0x4000000000000000UL

int main(void) {
    volatile uintptr_t addr = NON_CANONICAL;

    cprintf("badsegment: loading from 0x%lx, the kernel must kill me\n",
            (unsigned long)addr);
    cprintf("read 0x%x\n", *(volatile uint32_t *)addr);
    panic("FAIL: T.T");
}
