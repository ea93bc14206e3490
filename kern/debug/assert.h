#ifndef __KERN_DEBUG_ASSERT_H__
#define __KERN_DEBUG_ASSERT_H__

#include <defs.h>

/*
 * panic() is for broken kernel invariants only: a user mistake or an
 * allocation failure never panics. It prints where and why, then powers
 * the machine off.
 */
void __warn(const char *file, int line, const char *fmt, ...);
void __noreturn __panic(const char *file, int line, const char *fmt, ...);

#define warn(...) __warn(__FILE__, __LINE__, __VA_ARGS__)
#define panic(...) __panic(__FILE__, __LINE__, __VA_ARGS__)

#define assert(x)                                   \
    do {                                            \
        if (!(x)) {                                 \
            panic("assertion failed: %s", #x);      \
        }                                           \
    } while (0)

#define static_assert(x) _Static_assert(x, #x)

#endif /* !__KERN_DEBUG_ASSERT_H__ */
