#include <defs.h>
#include <stdio.h>
#include <ulib.h>

/*
 * A 4 MiB array in bss must start zeroed and hold what we write.
 * Then a store far past its end, where nothing is mapped, must get
 * the process killed.
 */
#define ARRAYSIZE (1024 * 1024)
#define WILD_DISTANCE (1024 * 1024)   /* elements past the end: 4 MiB */

uint32_t bigarray[ARRAYSIZE];

int main(void) {
    volatile uintptr_t wild;
    int i;

    cprintf("Making sure bss works right...\n");
    for (i = 0; i < ARRAYSIZE; i++) {
        if (bigarray[i] != 0) {
            panic("bigarray[%d] is 0x%x, not 0", i, bigarray[i]);
        }
    }
    for (i = 0; i < ARRAYSIZE; i++) {
        bigarray[i] = i;
    }
    for (i = 0; i < ARRAYSIZE; i++) {
        if (bigarray[i] != (uint32_t)i) {
            panic("bigarray[%d] is 0x%x, not 0x%x", i, bigarray[i], i);
        }
    }

    cprintf("Yes, good.  Now doing a wild write off the end...\n");
    cprintf("testbss may pass.\n");
    wild = (uintptr_t)&bigarray[ARRAYSIZE - 1] + 4 * (uintptr_t)WILD_DISTANCE;
    *(volatile uint32_t *)wild = 0;
    panic("FAIL: T.T");
}
