#include <stdio.h>
#include <console.h>

/* Kernel console output: formatted text straight to the console (console.c). */

void cputchar(int c) {
    cons_putc(c);
}

static void cputch(int c, void *cnt) {
    cons_putc(c);
    (*(int *)cnt)++;
}

int vcprintf(const char *fmt, va_list ap) {
    int cnt = 0;
    vprintfmt(cputch, &cnt, fmt, ap);
    return cnt;
}

int cprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int cnt = vcprintf(fmt, ap);
    va_end(ap);
    return cnt;
}

/* Print a string and a newline; returns the characters printed. */
int cputs(const char *str) {
    int cnt = 0;
    for (; *str != '\0'; str++) {
        cputch(*str, &cnt);
    }
    cputch('\n', &cnt);
    return cnt;
}
