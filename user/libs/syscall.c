#include <defs.h>
#include <stdarg.h>
#include <unistd.h>
#include <syscall.h>

/* A system call takes at most this many arguments (a1..a6). */
#define SYSCALL_MAX_ARGS 6

/*
 * Trap into the kernel with `ecall`: a0 = num, a1..a6 = the arguments
 * (each passed as a 64-bit value; missing ones are don't-cares).
 * Returns the kernel's a0: >= 0 on success, -E_xxx on failure.
 */
long syscall(long num, ...) {
    uint64_t arg[SYSCALL_MAX_ARGS];
    va_list ap;

    va_start(ap, num);
    for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
        arg[i] = va_arg(ap, uint64_t);
    }
    va_end(ap);

    register long a0 asm("a0") = num;
    register uint64_t a1 asm("a1") = arg[0];
    register uint64_t a2 asm("a2") = arg[1];
    register uint64_t a3 asm("a3") = arg[2];
    register uint64_t a4 asm("a4") = arg[3];
    register uint64_t a5 asm("a5") = arg[4];
    register uint64_t a6 asm("a6") = arg[5];
    asm volatile("ecall"
                 : "+r"(a0)
                 : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a6)
                 : "memory");
    return a0;
}

/*
 * The wrappers widen every argument to 64 bits themselves, so the
 * kernel sees pids sign-extended and tick counts zero-extended.
 */
#define ARG(x) ((uint64_t)(x))

int sys_exit(int error_code) {
    return syscall(SYS_exit, ARG((long)error_code));
}

int sys_fork(void) {
    return syscall(SYS_fork);
}

int sys_wait(int pid, int *store) {
    return syscall(SYS_wait, ARG((long)pid), ARG(store));
}

int sys_exec(const char *name) {
    return syscall(SYS_exec, ARG(name));
}

int sys_yield(void) {
    return syscall(SYS_yield);
}

int sys_sleep(unsigned int ticks) {
    return syscall(SYS_sleep, ARG(ticks));
}

int sys_kill(int pid) {
    return syscall(SYS_kill, ARG((long)pid));
}

unsigned int sys_gettime(void) {
    return syscall(SYS_gettime);
}

int sys_getpid(void) {
    return syscall(SYS_getpid);
}

int sys_getcpu(void) {
    return syscall(SYS_getcpu);
}

long sys_brk(uintptr_t addr) {
    return syscall(SYS_brk, ARG(addr));
}

int sys_putc(int c) {
    return syscall(SYS_putc, ARG((long)c));
}

int sys_pgdir(void) {
    return syscall(SYS_pgdir);
}

int sys_memstat(struct memstat *st) {
    return syscall(SYS_memstat, ARG(st));
}

int sys_open(const char *path, uint32_t flags) {
    return syscall(SYS_open, ARG(path), ARG(flags));
}

int sys_close(int fd) {
    return syscall(SYS_close, ARG((long)fd));
}

int sys_read(int fd, void *buf, size_t n) {
    return syscall(SYS_read, ARG((long)fd), ARG(buf), ARG(n));
}

int sys_write(int fd, const void *buf, size_t n) {
    return syscall(SYS_write, ARG((long)fd), ARG(buf), ARG(n));
}

long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off) {
    return syscall(SYS_mmap, ARG(addr), ARG(len), ARG((long)prot), ARG((long)flags),
                   ARG((long)fd), ARG(off));
}

int sys_munmap(void *addr, size_t len) {
    return syscall(SYS_munmap, ARG(addr), ARG(len));
}

int sys_madvise(void *addr, size_t len, int advice) {
    return syscall(SYS_madvise, ARG(addr), ARG(len), ARG((long)advice));
}

int sys_memwrite(void *addr, const void *src, size_t n) {
    return syscall(SYS_memwrite, ARG(addr), ARG(src), ARG(n));
}

int sys_failalloc(long n) {
    return syscall(SYS_failalloc, ARG(n));
}
