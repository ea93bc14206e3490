#include <assert.h>
#include <stdio.h>
#include <console.h>
#include <power.h>
#include <intr.h>

static bool is_panic = false;

/* Print "kernel panic at FILE:LINE:" and the message (the first hart to panic), then power off. */
void __panic(const char *file, int line, const char *fmt, ...) {
    intr_disable();
    if (!__atomic_exchange_n(&is_panic, true, __ATOMIC_SEQ_CST)) {
        console_panic();
        va_list ap;
        va_start(ap, fmt);
        cprintf("kernel panic at %s:%d:\n    ", file, line);
        vcprintf(fmt, ap);
        cprintf("\n");
        va_end(ap);
    }
    power_off(EXIT_PANIC);
}

/* Print "kernel warning at FILE:LINE:" and the message; carry on. */
void __warn(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    console_lock();
    cprintf("kernel warning at %s:%d:\n    ", file, line);
    vcprintf(fmt, ap);
    cprintf("\n");
    console_unlock();
    va_end(ap);
}
