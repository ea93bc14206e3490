#ifndef __LIBS_ASSERT_H__
#define __LIBS_ASSERT_H__

#include <defs.h>

/*
 * warn, panic and assert, for the kernel and for user programs alike;
 * each side supplies its own __warn and __panic. In the kernel, panic()
 * is for broken kernel invariants only (a user mistake or an allocation
 * failure never panics): it prints where and why, then powers the
 * machine off. In a user program it prints "user panic at FILE:LINE:"
 * and exits with -E_PANIC.
 */
void __warn(const char *file, int line, const char *fmt, ...);
void __noreturn __panic(const char *file, int line, const char *fmt, ...);

#define warn(...) __warn(__FILE__, __LINE__, __VA_ARGS__)
#define panic(...) __panic(__FILE__, __LINE__, __VA_ARGS__)

/* Panic, naming the condition, if x is false. */
#define assert(x)                                   \
    do {                                            \
        if (!(x)) {                                 \
            panic("assertion failed: %s", #x);      \
        }                                           \
    } while (0)

/* Refuse to compile if the constant x is false. */
#define static_assert(x) _Static_assert(x, #x)

#endif /* !__LIBS_ASSERT_H__ */
