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
long sys_brk(uintptr_t addr);
int sys_putc(int c);
int sys_pgdir(void);
int sys_memstat(struct memstat *st);

#endif /* !__USER_LIBS_SYSCALL_H__ */
