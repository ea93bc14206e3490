#include <syscall.h>
#include <unistd.h>
#include <proc.h>
#include <pmm.h>
#include <vmm.h>
#include <cow.h>
#include <clock.h>
#include <error.h>
#include <stdio.h>
#include <memstat.h>

/*
 * System calls: a0 holds the number, a1..a5 the arguments, and the
 * result goes back in a0. Each sys_xxx unpacks its arguments and calls
 * the kernel function that does the work. User pointers are only ever
 * touched through copy_from_user / copy_to_user.
 */

#define MAX_NAME 64

static int sys_exit(uint64_t arg[]) {
    do_exit((int)arg[0]);
}

static int sys_fork(uint64_t arg[]) {
    (void)arg;
    return do_fork(0, 0, current->tf);
}

static int sys_wait(uint64_t arg[]) {
    return do_wait((int)arg[0], (int *)arg[1]);
}

static int sys_exec(uint64_t arg[]) {
    char name[MAX_NAME];
    int ret = copy_string_from_user(current->mm, name, (const char *)arg[0], sizeof(name));
    return ret != 0 ? ret : do_execve(name);
}

static int sys_yield(uint64_t arg[]) {
    (void)arg;
    return do_yield();
}

static int sys_sleep(uint64_t arg[]) {
    return do_sleep((unsigned int)arg[0]);
}

static int sys_kill(uint64_t arg[]) {
    return do_kill((int)arg[0]);
}

static int sys_gettime(uint64_t arg[]) {
    (void)arg;
    return (int)clock_msec();
}

static int sys_getpid(uint64_t arg[]) {
    (void)arg;
    return current->pid;
}

/* brk(addr): returns the break after the call, or a negative error. */
static int sys_brk(uint64_t arg[]) {
    uintptr_t brk;
    int ret = do_brk(arg[0], &brk);
    return ret != 0 ? ret : (int)brk;
}

/* munmap(addr, len): addr must be page aligned; pages lose a reference. */
static int sys_munmap(uint64_t arg[]) {
    if (arg[0] % PGSIZE != 0) {
        return -E_INVAL;
    }
    return mm_unmap(current->mm, arg[0], arg[1]);
}

static int sys_putc(uint64_t arg[]) {
    cputchar((int)arg[0]);
    return 0;
}

static int sys_pgdir(uint64_t arg[]) {
    (void)arg;
    print_pgdir(current->mm->pgdir);
    return 0;
}

static int sys_memstat(uint64_t arg[]) {
    struct memstat st;
    st.free_pages = nr_free_pages();
    st.total_pages = nr_total_pages();
    st.pages_allocated = nr_pages_allocated();
    cow_fill_memstat(&st);
    return copy_to_user(current->mm, (void *)arg[0], &st, sizeof(st));
}

static int (*const syscalls[])(uint64_t arg[]) = {
    [SYS_exit] = sys_exit,
    [SYS_fork] = sys_fork,
    [SYS_wait] = sys_wait,
    [SYS_exec] = sys_exec,
    [SYS_yield] = sys_yield,
    [SYS_sleep] = sys_sleep,
    [SYS_kill] = sys_kill,
    [SYS_gettime] = sys_gettime,
    [SYS_getpid] = sys_getpid,
    [SYS_brk] = sys_brk,
    [SYS_munmap] = sys_munmap,
    [SYS_putc] = sys_putc,
    [SYS_pgdir] = sys_pgdir,
    [SYS_memstat] = sys_memstat,
};

void syscall(void) {
    struct trapframe *tf = current->tf;
    uint64_t num = tf->gpr.a0;
    uint64_t arg[5] = { tf->gpr.a1, tf->gpr.a2, tf->gpr.a3, tf->gpr.a4, tf->gpr.a5 };
    if (num < ARRAY_SIZE(syscalls) && syscalls[num] != NULL) {
        tf->gpr.a0 = syscalls[num](arg);
    } else {
        tf->gpr.a0 = -E_INVAL;
    }
}
