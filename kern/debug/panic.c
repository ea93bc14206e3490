#include <assert.h>
#include <stdio.h>
#include <power.h>
#include <intr.h>

static bool is_panic = false;

/* Print "kernel panic at FILE:LINE:" and the message, then power off. */
void __panic(const char *file, int line, const char *fmt, ...) {
    intr_disable();
    if (!is_panic) {
        is_panic = true;
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
    cprintf("kernel warning at %s:%d:\n    ", file, line);
    vcprintf(fmt, ap);
    cprintf("\n");
    va_end(ap);
}
