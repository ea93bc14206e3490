#include <clock.h>
#include <riscv.h>
#include <sbi.h>
#include <stdio.h>

/* Timer ticks since clock_init, at TICKS_PER_SEC. */
volatile size_t ticks;

static uint64_t timebase;       /* rdtime ticks per second */
static uint64_t tick_interval;  /* rdtime ticks per timer interrupt */

/* Start the periodic timer interrupt (100 Hz); let user programs read the counters. */
void clock_init(uint64_t timebase_hz) {
    timebase = timebase_hz;
    tick_interval = timebase / TICKS_PER_SEC;
    set_csr(sie, SIE_STIE);
    write_csr(scounteren, SCOUNTEREN_CY | SCOUNTEREN_TM | SCOUNTEREN_IR);
    clock_set_next_event();
    ticks = 0;
    cprintf("++ setup timer interrupts (%d Hz, timebase %d Hz)\n",
            TICKS_PER_SEC, (int)timebase);
}

void clock_set_next_event(void) {
    sbi_set_timer(rdtime() + tick_interval);
}

/* Milliseconds since boot, from the time CSR. */
uint64_t clock_msec(void) {
    return rdtime() / (timebase / 1000);
}
