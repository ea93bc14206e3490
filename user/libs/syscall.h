#ifndef __USER_LIBS_SYSCALL_H__
#define __USER_LIBS_SYSCALL_H__

#include <defs.h>
#include <memstat.h>

/*
 * Raw system calls. Each returns what the kernel left in a0:
 * a negative value is -E_xxx from <error.h>.
 */
long syscall(long num, ...);

int sys_exit(int error_code);
int sys_fork(void);
int sys_wait(int pid, int *store);
int sys_exec(const char *name);
int sys_yield(void);
int sys_sleep(unsigned int ticks);
int sys_kill(int pid);
unsigned int sys_gettime(void);
int sys_getpid(void);
int sys_getcpu(void);
long sys_brk(uintptr_t addr);
int sys_putc(int c);
int sys_pgdir(void);
int sys_memstat(struct memstat *st);
int sys_open(const char *path, uint32_t flags);
int sys_close(int fd);
int sys_read(int fd, void *buf, size_t n);
int sys_write(int fd, const void *buf, size_t n);
long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
int sys_munmap(void *addr, size_t len);
int sys_madvise(void *addr, size_t len, int advice);
int sys_memwrite(void *addr, const void *src, size_t n);
int sys_failalloc(long n);

#endif /* !__USER_LIBS_SYSCALL_H__ */
