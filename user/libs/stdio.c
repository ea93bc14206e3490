#include <defs.h>
#include <stdarg.h>
#include <stdio.h>
#include <syscall.h>

/*
 * Console output for user programs. cprintf formats into a small
 * buffer and writes the buffer out when it fills and at the end;
 * console_write is the one place that talks to the kernel.
 */

#define PRINTBUF_SIZE 256

/*
 * Write n characters of s to the console in one system call, so that a
 * line is not split by another process's output.
 */
static void console_write(const char *s, int n) {
    if (n > 0) {
        sys_write(1, s, n);
    }
}

void cputchar(int c) {
    sys_putc(c);
}

/* Print str and a newline (like ucore's and C's puts); returns the count. */
int cputs(const char *str) {
    int n = 0;

    while (str[n] != '\0') {
        n++;
    }
    console_write(str, n);
    cputchar('\n');
    return n + 1;
}

/* Characters formatted by vcprintf but not yet written. */
struct printbuf {
    char buf[PRINTBUF_SIZE];
    int len;    /* characters waiting in buf */
    int count;  /* characters produced in all */
};

static void printbuf_putch(int c, void *putdat) {
    struct printbuf *pb = putdat;

    pb->buf[pb->len++] = (char)c;
    pb->count++;
    if (pb->len == PRINTBUF_SIZE) {
        console_write(pb->buf, pb->len);
        pb->len = 0;
    }
}

/* Format and print; returns the number of characters printed. */
int vcprintf(const char *fmt, va_list ap) {
    struct printbuf pb;

    pb.len = 0;
    pb.count = 0;
    vprintfmt(printbuf_putch, &pb, fmt, ap);
    console_write(pb.buf, pb.len);
    return pb.count;
}

int cprintf(const char *fmt, ...) {
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vcprintf(fmt, ap);
    va_end(ap);
    return n;
}
