#ifndef __LIBS_UNISTD_H__
#define __LIBS_UNISTD_H__

/*
 * System call numbers (ucore's, new ones from 40). User code traps with
 * `ecall`, a0 = number, a1..a6 = arguments; the result comes back in a0
 * (negative = -E_xxx from <error.h>).
 */
#define SYS_exit            1
#define SYS_fork            2
#define SYS_wait            3
#define SYS_exec            4
#define SYS_clone           5
#define SYS_yield           10
#define SYS_sleep           11
#define SYS_kill            12
#define SYS_gettime         17
#define SYS_getpid          18
#define SYS_getcpu          23
#define SYS_brk             19
#define SYS_mmap            20
#define SYS_munmap          21
#define SYS_shmem           22
#define SYS_putc            30
#define SYS_pgdir           31
#define SYS_memstat         40
#define SYS_madvise         41
#define SYS_memwrite        42
#define SYS_kbench          43
#define SYS_failalloc       44
#define SYS_open            100
#define SYS_close           101
#define SYS_read            102
#define SYS_write           103

/* Open file descriptors one process may have. */
#define NOFILE              16

#endif /* !__LIBS_UNISTD_H__ */
