#include <defs.h>
#include <error.h>
#include <stdarg.h>
#include <stdio.h>
#include <ulib.h>

/* Print "user warning at FILE:LINE:" and the message; carry on. */
void __warn(const char *file, int line, const char *fmt, ...) {
    va_list ap;

    va_start(ap, fmt);
    cprintf("user warning at %s:%d:\n    ", file, line);
    vcprintf(fmt, ap);
    cprintf("\n");
    va_end(ap);
}

/*
 * Print "user panic at FILE:LINE:" and the message, in one write so that
 * another process's output cannot come between them; then exit(-E_PANIC).
 */
void __panic(const char *file, int line, const char *fmt, ...) {
    char msg[200];     /* with the first line, under one cprintf buffer */
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cprintf("user panic at %s:%d:\n    %s\n", file, line, msg);
    exit(-E_PANIC);
}
