#ifndef __USER_LIBS_ULIB_H__
#define __USER_LIBS_ULIB_H__

#include <defs.h>
#include <memstat.h>

/*
 * The user library: ucore's process calls plus panic/assert.
 * Calls that can fail return 0 (or a pid) on success and -E_xxx
 * (<error.h>) on failure.
 */

/* warn: print a message and go on; panic: print it and exit(-E_PANIC). */
void __warn(const char *file, int line, const char *fmt, ...);
void __panic(const char *file, int line, const char *fmt, ...) __noreturn;

#define warn(...)   __warn(__FILE__, __LINE__, __VA_ARGS__)
#define panic(...)  __panic(__FILE__, __LINE__, __VA_ARGS__)

/* Panic, naming the condition, if x is false. */
#define assert(x)                                       \
    do {                                                \
        if (!(x)) {                                     \
            panic("assertion failed: %s", #x);          \
        }                                               \
    } while (0)

/* Refuse to compile if the constant x is false. */
#define static_assert(x) _Static_assert(x, #x)

void exit(int error_code) __noreturn;
int fork(void);
int wait(void);
int waitpid(int pid, int *store);
void yield(void);
int kill(int pid);
int getpid(void);
void print_pgdir(void);
int sleep(unsigned int time);
unsigned int gettime_msec(void);
int exec(const char *name);
void *sbrk(intptr_t increment);
int memstat(struct memstat *st);

#endif /* !__USER_LIBS_ULIB_H__ */
