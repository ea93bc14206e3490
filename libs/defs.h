#ifndef __LIBS_DEFS_H__
#define __LIBS_DEFS_H__

/* Basic types and helpers shared by the kernel and user programs. */

#ifndef NULL
#define NULL ((void *)0)
#endif

#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))
#define __noreturn __attribute__((noreturn))

typedef int bool;
#define true 1
#define false 0

typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;

/* Pointers and addresses are 64 bits on RV64. */
typedef int64_t intptr_t;
typedef uint64_t uintptr_t;
typedef uintptr_t size_t;
typedef intptr_t ssize_t;
typedef intptr_t off_t;

/* A physical page number. */
typedef size_t ppn_t;

/* Round down / up to a multiple of n (n need not be a power of two). */
#define ROUNDDOWN(a, n) ({                          \
            size_t __a = (size_t)(a);               \
            (typeof(a))(__a - __a % (n));           \
        })

#define ROUNDUP(a, n) ({                                        \
            size_t __n = (size_t)(n);                           \
            (typeof(a))(ROUNDDOWN((size_t)(a) + __n - 1, __n)); \
        })

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define offsetof(type, member) ((size_t)(&((type *)0)->member))

/* The structure that holds `member` at address `ptr`. */
#define to_struct(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

#endif /* !__LIBS_DEFS_H__ */
