#ifndef __USER_LIBS_ULIB_H__
#define __USER_LIBS_ULIB_H__

#include <defs.h>
#include <assert.h>
#include <memstat.h>
#include <mman.h>

/*
 * The user library: ucore's process calls plus panic/assert.
 * Calls that can fail return 0 (or a pid) on success and -E_xxx
 * (<error.h>) on failure.
 */

void exit(int error_code) __noreturn;
int fork(void);
int wait(void);
int waitpid(int pid, int *store);
void yield(void);
int kill(int pid);
int getpid(void);
int getcpu(void);       /* the hart running the caller */
void print_pgdir(void);
int sleep(unsigned int time);
unsigned int gettime_msec(void);
int exec(const char *name);
void *sbrk(intptr_t increment);
int memstat(struct memstat *st);

/* files (a read-only file system built into the kernel) */
int open(const char *path, uint32_t flags);
int read(int fd, void *buf, size_t n);
int write(int fd, const void *buf, size_t n);
int close(int fd);

/* memory mappings; constants in <mman.h> */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int madvise(void *addr, size_t len, int advice);
int memwrite(void *addr, const void *src, size_t n);

/* testing: make the nth page allocation from now fail, once (0 disarms); 0 or -E_xxx */
int failalloc(long n);

/* boot arguments (/proc/cmdline): is word `name` there (bare or name=...)? its number? */
bool bootarg_has(const char *name);
long bootarg_long(const char *name, long def);

/* threads: fn(arg) runs in this address space; waitpid(tid, &code) gets its result */
int thread_create(int (*fn)(void *), void *arg);

#endif /* !__USER_LIBS_ULIB_H__ */
