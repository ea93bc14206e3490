#include <string.h>

/*
 * String and memory helpers shared by the kernel and user programs.
 * Plain byte loops: easy to read and to step through in gdb.
 *
 * GCC may turn a byte-copy or byte-fill loop into a call to memcpy or
 * memset, which inside memcpy/memset themselves would recurse forever;
 * NO_LIBCALL keeps the loops as loops.
 */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* Number of characters before the terminating NUL. */
size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

/* Like strlen, but looks at no more than len characters. */
size_t strnlen(const char *s, size_t len) {
    size_t n = 0;
    while (n < len && s[n] != '\0') {
        n++;
    }
    return n;
}

/* Copy src, NUL included, to dst; returns dst. */
char *strcpy(char *dst, const char *src) {
    char *d = dst;
    while ((*d++ = *src++) != '\0') {
    }
    return dst;
}

/*
 * Copy at most len characters of src to dst and fill the rest of the
 * len bytes with NULs. dst is not terminated if src has len or more
 * characters. Returns dst.
 */
NO_LIBCALL char *strncpy(char *dst, const char *src, size_t len) {
    size_t i = 0;
    for (; i < len && src[i] != '\0'; i++) {
        dst[i] = src[i];
    }
    for (; i < len; i++) {
        dst[i] = '\0';
    }
    return dst;
}

/* <0, 0 or >0 as s1 sorts before, equal to or after s2 (unsigned bytes). */
int strcmp(const char *s1, const char *s2) {
    while (*s1 != '\0' && *s1 == *s2) {
        s1++;
        s2++;
    }
    return (int)(unsigned char)*s1 - (int)(unsigned char)*s2;
}

/* strcmp on at most the first n characters. */
int strncmp(const char *s1, const char *s2, size_t n) {
    for (; n > 0; n--, s1++, s2++) {
        if (*s1 != *s2 || *s1 == '\0') {
            return (int)(unsigned char)*s1 - (int)(unsigned char)*s2;
        }
    }
    return 0;
}

/* First c in s, or NULL if s has none. */
char *strchr(const char *s, char c) {
    for (; *s != '\0'; s++) {
        if (*s == c) {
            return (char *)s;
        }
    }
    return NULL;
}

/* Value of digit character ch, or 36 (larger than any base) if none. */
static int digit_value(char ch) {
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'z') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'Z') {
        return ch - 'A' + 10;
    }
    return 36;
}

/*
 * Parse an integer: leading blanks, an optional sign, then digits in
 * base (2..36). Base 0 picks 16 for "0x", 8 for a leading "0", else 10;
 * base 16 also accepts "0x". If endptr is not NULL it gets the first
 * character not used. Overflow is not detected.
 */
long strtol(const char *s, char **endptr, int base) {
    unsigned long value = 0;
    bool negative = false;
    int d;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    if (*s == '+' || *s == '-') {
        negative = (*s == '-');
        s++;
    }
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
        && digit_value(s[2]) < 16) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = (s[0] == '0') ? 8 : 10;
    }
    while ((d = digit_value(*s)) < base) {
        value = value * base + d;
        s++;
    }
    if (endptr != NULL) {
        *endptr = (char *)s;
    }
    return negative ? -(long)value : (long)value;
}

/* Fill n bytes at s with c; returns s. */
NO_LIBCALL void *memset(void *s, char c, size_t n) {
    char *p = s;
    if ((uintptr_t)p % sizeof(uint64_t) == 0) {
        uint64_t word = (unsigned char)c * 0x0101010101010101ULL;
        for (; n >= 64; n -= 64, p += 64) {         /* eight words a loop, as memcpy */
            uint64_t *w = (uint64_t *)p;
            w[0] = word; w[1] = word; w[2] = word; w[3] = word;
            w[4] = word; w[5] = word; w[6] = word; w[7] = word;
        }
        for (; n >= sizeof(uint64_t); n -= sizeof(uint64_t), p += sizeof(uint64_t)) {
            *(uint64_t *)p = word;
        }
    }
    while (n-- > 0) {
        *p++ = c;
    }
    return s;
}

/* Copy n bytes from src to dst; the two may overlap. Returns dst. */
NO_LIBCALL void *memmove(void *dst, const void *src, size_t n) {
    const char *s = src;
    char *d = dst;

    if (s < d && d < s + n) {
        /* dst starts inside src: copy from the end backwards */
        while (n-- > 0) {
            d[n] = s[n];
        }
        return dst;
    }
    return memcpy(dst, src, n);     /* forwards is safe when dst <= src */
}

/*
 * Copy n bytes from src to dst, forwards; safe when they do not overlap
 * or dst is below src. Returns dst. When both are 8-byte aligned (pages
 * always are) it moves 64 bytes per loop, eight words at a time.
 */
NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n) {
    const char *s = src;
    char *d = dst;
    if ((((uintptr_t)d | (uintptr_t)s) % sizeof(uint64_t)) == 0) {
        for (; n >= 64; n -= 64, d += 64, s += 64) {
            const uint64_t *from = (const uint64_t *)s;
            uint64_t *to = (uint64_t *)d;
            uint64_t w0 = from[0], w1 = from[1], w2 = from[2], w3 = from[3];
            uint64_t w4 = from[4], w5 = from[5], w6 = from[6], w7 = from[7];
            to[0] = w0; to[1] = w1; to[2] = w2; to[3] = w3;
            to[4] = w4; to[5] = w5; to[6] = w6; to[7] = w7;
        }
        for (; n >= sizeof(uint64_t); n -= sizeof(uint64_t), d += 8, s += 8) {
            *(uint64_t *)d = *(const uint64_t *)s;
        }
    }
    while (n-- > 0) {
        *d++ = *s++;
    }
    return dst;
}

/* <0, 0 or >0 as the first differing byte of v1 is below, (none), above v2's. */
int memcmp(const void *v1, const void *v2, size_t n) {
    const unsigned char *a = v1, *b = v2;
    for (; n > 0; n--, a++, b++) {
        if (*a != *b) {
            return (int)*a - (int)*b;
        }
    }
    return 0;
}

/* The first occurrence of needle in haystack, or NULL. */
char *strstr(const char *haystack, const char *needle) {
    size_t n = strlen(needle);
    for (;; haystack++) {
        if (strncmp(haystack, needle, n) == 0) {
            return (char *)haystack;
        }
        if (*haystack == '\0') {
            return NULL;
        }
    }
}
