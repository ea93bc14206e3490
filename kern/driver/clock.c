#include <clock.h>
#include <riscv.h>
#include <sbi.h>
#include <stdio.h>

/* Timer ticks since clock_init, at TICKS_PER_SEC. */
volatile size_t ticks;

static uint64_t timebase;       /* rdtime ticks per second */
static uint64_t tick_interval;  /* rdtime ticks per timer interrupt */

/*
 * On this hart: start the periodic timer interrupt, take interrupts from
 * other harts, let user programs read the counters.
 */
void clock_start(void) {
    set_csr(sie, SIE_STIE | SIE_SSIE);
    write_csr(scounteren, SCOUNTEREN_CY | SCOUNTEREN_TM | SCOUNTEREN_IR);
    clock_set_next_event();
}

/* On the boot hart: learn the timer's rate and start it (100 Hz). */
void clock_init(uint64_t timebase_hz) {
    timebase = timebase_hz;
    tick_interval = timebase / TICKS_PER_SEC;
    ticks = 0;
    clock_start();
    cprintf("++ setup timer interrupts (%d Hz, timebase %d Hz)\n",
            TICKS_PER_SEC, (int)timebase);
}

void clock_set_next_event(void) {
    sbi_set_timer(rdtime() + tick_interval);
}

uint64_t clock_usec(uint64_t time_ticks) {
    return time_ticks / (timebase / 1000000);
}

/* Milliseconds since boot, from the time CSR. */
uint64_t clock_msec(void) {
    return rdtime() / (timebase / 1000);
}
