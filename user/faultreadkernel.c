#include <defs.h>
#include <stdio.h>
#include <ulib.h>

/* Reading kernel memory (mapped, but not for U-mode) must get us killed. */
#define KERNEL_ADDR 0xffffffffc0200000UL

int main(void) {
    volatile uintptr_t addr = KERNEL_ADDR;

    cprintf("faultreadkernel: reading 0x%lx, the kernel must kill me\n",
            (unsigned long)addr);
    cprintf("I read %08x from 0x%lx.\n", *(volatile uint32_t *)addr,
            (unsigned long)addr);
    panic("FAIL: T.T");
}
