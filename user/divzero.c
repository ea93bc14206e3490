#include <stdio.h>
#include <ulib.h>

/*
 * Integer division by zero does not trap on RISC-V: it yields -1
 * (all bits set). volatile keeps GCC from folding the division away.
 */
volatile int one = 1;
volatile int zero = 0;

int main(void) {
    int value = one / zero;

    cprintf("value is %d.\n", value);
    if (value != -1) {
        panic("1 / 0 gave %d, want -1", value);
    }
    cprintf("divzero pass.\n");
    return 0;
}
