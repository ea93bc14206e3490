#include <defs.h>
#include <error.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * The formatting core behind cprintf (kernel and user) and snprintf.
 * It knows nothing about consoles: every character goes to a putch
 * callback, with putdat passed through untouched.
 *
 *   %d %i      signed decimal          %u %o %x %X  unsigned
 *   %c         character               %s           string ("(null)" for NULL)
 *   %p         0x + 16 hex digits      %e           error code as text
 *   %%         a '%'
 *
 * Between '%' and the letter: flags '-' (left-justify) and '0' (pad
 * with zeros), a width (digits or '*'), a precision ('.' then digits
 * or '*'; most characters of a %s, least digits of a number), and a
 * length: l (long), ll (long long), z (size_t).
 */

typedef void (*putch_t)(int, void *);

/* One conversion's options, as parsed from e.g. "%-08.3ld". */
struct fmtspec {
    bool left;      /* '-': pad on the right */
    char padc;      /* ' ' or '0': what pads on the left */
    int width;      /* least characters printed, 0 = no minimum */
    int prec;       /* precision, -1 = none given */
    int lflag;      /* 0 int, 1 long, 2 long long */
};

/* What %e prints for each error code of <error.h>. */
static const char *const error_string[MAXERROR + 1] = {
    [E_BAD_PROC]     = "no such process",
    [E_INVAL]        = "invalid argument",
    [E_NO_MEM]       = "out of memory",
    [E_NO_FREE_PROC] = "too many processes",
    [E_FAULT]        = "bad address",
    [E_INVAL_ELF]    = "not a valid ELF file",
    [E_KILLED]       = "process was killed",
    [E_PANIC]        = "process panicked",
    [E_TOO_BIG]      = "argument too big",
    [E_NOENT]        = "no such file or directory",
    [E_MAX_OPEN]     = "too many open files",
    [E_ACCES]        = "permission denied",
    [E_BADF]         = "bad file descriptor",
};

static void put_repeat(putch_t putch, void *putdat, int c, int n) {
    for (; n > 0; n--) {
        putch(c, putdat);
    }
}

/* Print the first len characters of s, padded with blanks to the width. */
static void print_str(putch_t putch, void *putdat, const char *s, size_t len,
                      const struct fmtspec *sp) {
    int blanks = sp->width - (int)len;

    if (!sp->left) {
        put_repeat(putch, putdat, ' ', blanks);
    }
    for (size_t i = 0; i < len; i++) {
        putch(s[i], putdat);
    }
    if (sp->left) {
        put_repeat(putch, putdat, ' ', blanks);
    }
}

/*
 * Print num in base (8, 10 or 16) after prefix ("", "-" or "0x"),
 * honouring width, precision, '-' and '0'. As in C, a precision turns
 * off '0' padding, and precision 0 prints nothing for the value 0.
 */
static void print_num(putch_t putch, void *putdat, unsigned long long num,
                      unsigned base, bool upper, const char *prefix,
                      const struct fmtspec *sp) {
    const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];   /* 2^64 has 22 octal digits */
    int ndigits = 0, zeros = 0, blanks, plen = strlen(prefix);

    while (num != 0 || (ndigits == 0 && sp->prec != 0)) {
        buf[ndigits++] = digit[num % base];
        num /= base;
    }
    if (sp->prec > ndigits) {
        zeros = sp->prec - ndigits;
    }
    blanks = sp->width - plen - zeros - ndigits;
    if (!sp->left && sp->padc == '0' && sp->prec < 0 && blanks > 0) {
        zeros += blanks;
        blanks = 0;
    }

    if (!sp->left) {
        put_repeat(putch, putdat, ' ', blanks);
    }
    for (int i = 0; i < plen; i++) {
        putch(prefix[i], putdat);
    }
    put_repeat(putch, putdat, '0', zeros);
    while (ndigits > 0) {
        putch(buf[--ndigits], putdat);
    }
    if (sp->left) {
        put_repeat(putch, putdat, ' ', blanks);
    }
}

/* The next variadic argument as a signed integer of the given length. */
static long long get_signed(va_list *ap, int lflag) {
    if (lflag >= 2) {
        return va_arg(*ap, long long);
    } else if (lflag == 1) {
        return va_arg(*ap, long);
    }
    return va_arg(*ap, int);
}

/* The next variadic argument as an unsigned integer of the given length. */
static unsigned long long get_unsigned(va_list *ap, int lflag) {
    if (lflag >= 2) {
        return va_arg(*ap, unsigned long long);
    } else if (lflag == 1) {
        return va_arg(*ap, unsigned long);
    }
    return va_arg(*ap, unsigned int);
}

/* A number written in the format (width or precision), or '*' from ap. */
static int get_count(const char **fmt, va_list *ap) {
    int n = 0;

    if (**fmt == '*') {
        (*fmt)++;
        return va_arg(*ap, int);
    }
    while (**fmt >= '0' && **fmt <= '9') {
        n = n * 10 + (**fmt - '0');
        (*fmt)++;
    }
    return n;
}

/*
 * Parse flags, width, precision and length that follow a '%'.
 * *fmt is left at the conversion letter.
 */
static void parse_spec(const char **fmt, va_list *ap, struct fmtspec *sp) {
    sp->left = false;
    sp->padc = ' ';
    sp->prec = -1;
    sp->lflag = 0;

    for (;; (*fmt)++) {
        if (**fmt == '-') {
            sp->left = true;
        } else if (**fmt == '0') {
            sp->padc = '0';
        } else {
            break;
        }
    }
    sp->width = get_count(fmt, ap);
    if (sp->width < 0) {            /* "%*d" with a negative width */
        sp->left = true;
        sp->width = -sp->width;
    }
    if (**fmt == '.') {
        (*fmt)++;
        sp->prec = get_count(fmt, ap);
        if (sp->prec < 0) {         /* negative '*' precision: none */
            sp->prec = -1;
        }
    }
    for (; **fmt == 'l' || **fmt == 'z'; (*fmt)++) {
        sp->lflag++;            /* z: size_t is 64 bits, like long */
    }
}

/* %e: the text for error code err (either sign), or "error N". */
static void print_error(putch_t putch, void *putdat, int err,
                        const struct fmtspec *sp) {
    const char *s = NULL;

    if (err < 0) {
        err = -err;
    }
    if (err <= MAXERROR) {
        s = error_string[err];
    }
    if (s != NULL) {
        print_str(putch, putdat, s, strlen(s), sp);
    } else {
        printfmt(putch, putdat, "error %d", err);
    }
}

/* Print the string argument of %s, at most prec characters of it. */
static void print_string_arg(putch_t putch, void *putdat, const char *s,
                             const struct fmtspec *sp) {
    size_t len;

    if (s == NULL) {
        s = "(null)";
    }
    len = (sp->prec >= 0) ? strnlen(s, sp->prec) : strlen(s);
    print_str(putch, putdat, s, len, sp);
}

/* Print one conversion (letter c); returns false if c is not one we know. */
static bool print_conversion(putch_t putch, void *putdat, char c,
                             va_list *ap, struct fmtspec *sp) {
    long long sval;
    char ch;

    switch (c) {
    case 'd':
    case 'i':
        sval = get_signed(ap, sp->lflag);
        if (sval < 0) {
            print_num(putch, putdat, 0ULL - (unsigned long long)sval, 10, false, "-", sp);
        } else {
            print_num(putch, putdat, sval, 10, false, "", sp);
        }
        return true;
    case 'u':
        print_num(putch, putdat, get_unsigned(ap, sp->lflag), 10, false, "", sp);
        return true;
    case 'o':
        print_num(putch, putdat, get_unsigned(ap, sp->lflag), 8, false, "", sp);
        return true;
    case 'x':
    case 'X':
        print_num(putch, putdat, get_unsigned(ap, sp->lflag), 16, c == 'X', "", sp);
        return true;
    case 'p':
        sp->prec = 2 * sizeof(void *);
        print_num(putch, putdat, (uintptr_t)va_arg(*ap, void *), 16, false, "0x", sp);
        return true;
    case 'c':
        ch = (char)va_arg(*ap, int);
        print_str(putch, putdat, &ch, 1, sp);
        return true;
    case 's':
        print_string_arg(putch, putdat, va_arg(*ap, const char *), sp);
        return true;
    case 'e':
        print_error(putch, putdat, va_arg(*ap, int), sp);
        return true;
    case '%':
        putch('%', putdat);
        return true;
    }
    return false;
}

/*
 * Format fmt with the arguments in ap, handing each character to
 * putch(c, putdat). An unknown conversion is printed as written.
 */
void vprintfmt(putch_t putch, void *putdat, const char *fmt, va_list ap) {
    struct fmtspec spec;
    const char *start;
    va_list args;

    va_copy(args, ap);
    while (*fmt != '\0') {
        if (*fmt != '%') {
            putch(*fmt++, putdat);
            continue;
        }
        start = fmt++;
        parse_spec(&fmt, &args, &spec);
        if (*fmt != '\0' && print_conversion(putch, putdat, *fmt, &args, &spec)) {
            fmt++;
            continue;
        }
        /* not a conversion we know: show it as it was written */
        for (; start < fmt; start++) {
            putch(*start, putdat);
        }
    }
    va_end(args);
}

/* vprintfmt with the arguments given directly. */
void printfmt(putch_t putch, void *putdat, const char *fmt, ...) {
    va_list ap;

    va_start(ap, fmt);
    vprintfmt(putch, putdat, fmt, ap);
    va_end(ap);
}

/* Where snprintf writes: the next free byte and the last usable one. */
struct sprintbuf {
    char *next;
    char *last;     /* kept for the terminating NUL */
    int count;      /* characters produced, stored or not */
};

static void sprint_putch(int c, void *putdat) {
    struct sprintbuf *b = putdat;

    b->count++;
    if (b->next < b->last) {
        *b->next++ = (char)c;
    }
}

/*
 * Format into str, storing at most size bytes including the NUL
 * (nothing at all if size is 0). Returns the length the whole result
 * has, so a return value >= size means the output was cut short.
 */
int vsnprintf(char *str, size_t size, const char *fmt, va_list ap) {
    struct sprintbuf b = { str, str, 0 };

    if (size > 0) {
        b.last = str + size - 1;
    }
    vprintfmt(sprint_putch, &b, fmt, ap);
    if (size > 0) {
        *b.next = '\0';
    }
    return b.count;
}

/* vsnprintf with the arguments given directly. */
int snprintf(char *str, size_t size, const char *fmt, ...) {
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(str, size, fmt, ap);
    va_end(ap);
    return n;
}
