#include <defs.h>
#include <stdio.h>
#include <syscall.h>
#include <ulib.h>
#include <error.h>

/* End this process with error_code; the parent's waitpid sees it. */
void exit(int error_code) {
    sys_exit(error_code);
    cprintf("BUG: exit returned.\n");
    for (;;) {
    }
}

/* 0 in the child, the child's pid in the parent, -E_xxx on failure. */
int fork(void) {
    return sys_fork();
}

/* Wait for any child to exit; 0 on success, -E_xxx if there is none. */
int wait(void) {
    return sys_wait(0, NULL);
}

/*
 * Wait for child pid (0 = any) to exit and store its exit code in
 * *store unless store is NULL. Returns 0 or -E_xxx.
 */
int waitpid(int pid, int *store) {
    return sys_wait(pid, store);
}

void yield(void) {
    sys_yield();
}

/* Ask the kernel to kill process pid; 0 or -E_xxx. */
int kill(int pid) {
    return sys_kill(pid);
}

int getpid(void) {
    return sys_getpid();
}

int getcpu(void) {
    return sys_getcpu();
}

/* The kernel prints this process's page table on the console. */
void print_pgdir(void) {
    sys_pgdir();
}

/* Sleep for time timer ticks (100 a second); 0 or -E_xxx. */
int sleep(unsigned int time) {
    return sys_sleep(time);
}

/* Milliseconds since boot. */
unsigned int gettime_msec(void) {
    return sys_gettime();
}

/* Replace this program with the built-in program name; returns only on error. */
int exec(const char *name) {
    return sys_exec(name);
}

/*
 * Move the end of the heap by increment bytes (either sign). Returns
 * the old end, or (void *)-1 if the kernel refused.
 */
void *sbrk(intptr_t increment) {
    long old = sys_brk(0);
    uintptr_t want = (uintptr_t)old + (uintptr_t)increment;

    if (old < 0) {
        return (void *)-1;
    }
    if (increment == 0) {
        return (void *)old;
    }
    /* the new end must not wrap around either end of the address space */
    if ((increment > 0 && want < (uintptr_t)old) ||
        (increment < 0 && want > (uintptr_t)old)) {
        return (void *)-1;
    }
    if (sys_brk(want) != (long)want) {
        return (void *)-1;
    }
    return (void *)old;
}

/* Copy the kernel's memory counters into *st; 0 or -E_xxx. */
int memstat(struct memstat *st) {
    return sys_memstat(st);
}

/* Open path (O_RDONLY: files are read-only); a descriptor or -E_xxx. */
int open(const char *path, uint32_t flags) {
    return sys_open(path, flags);
}

/* Read up to n bytes; the number read (0 at the end) or -E_xxx. */
int read(int fd, void *buf, size_t n) {
    return sys_read(fd, buf, n);
}

/* Write n bytes; only descriptor 1 (the console) is writable. */
int write(int fd, const void *buf, size_t n) {
    return sys_write(fd, buf, n);
}

int close(int fd) {
    return sys_close(fd);
}

/* Map memory (anonymous, or file fd from off); MAP_FAILED on failure. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    long ret = sys_mmap(addr, len, prot, flags, fd, off);
    return ret < 0 ? MAP_FAILED : (void *)ret;
}

int munmap(void *addr, size_t len) {
    return sys_munmap(addr, len);
}

/* Advice about [addr, addr + len); MADV_DONTNEED drops the pages. */
int madvise(void *addr, size_t len, int advice) {
    return sys_madvise(addr, len, advice);
}

/*
 * Force-write n bytes from src at addr in this process, even into a
 * private read-only mapping (like writing /proc/self/mem). Returns the
 * bytes written or -E_xxx.
 */
int memwrite(void *addr, const void *src, size_t n) {
    return sys_memwrite(addr, src, n);
}

int failalloc(long n) {
    return sys_failalloc(n);
}

#define THREAD_STACK_SIZE (16 * 4096)

int __clone(uint32_t flags, void *stack, int (*fn)(void *), void *arg);

/*
 * Start fn(arg) as a thread of this process on a stack of its own.
 * Returns its id (for waitpid, which yields fn's return value) or -E_xxx.
 * The stack stays mapped until the process exits.
 */
int thread_create(int (*fn)(void *), void *arg) {
    char *stack = mmap(NULL, THREAD_STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED) {
        return -E_NO_MEM;
    }
    return __clone(CLONE_VM | CLONE_THREAD, stack + THREAD_STACK_SIZE, fn, arg);
}
