#include <syscall.h>
#include <unistd.h>
#include <proc.h>
#include <trap.h>
#include <pgtable.h>
#include <vmm.h>
#include <cow.h>
#include <clock.h>
#include <error.h>
#include <stdio.h>
#include <memstat.h>
#include <fs.h>
#include <gup.h>
#include <console.h>
#include <kbench.h>

/*
 * System calls: a0 holds the number, a1..a6 the arguments, and the
 * result goes back in a0. Each sys_xxx unpacks its arguments and calls
 * the kernel function that does the work. User pointers are only ever
 * touched through copy_from_user / copy_to_user.
 */

#define MAX_NAME 64

static intptr_t sys_exit(uint64_t arg[]) {
    do_exit((int)arg[0]);
}

static intptr_t sys_fork(uint64_t arg[]) {
    (void)arg;
    return do_fork(0, 0, current->tf);
}

static intptr_t sys_wait(uint64_t arg[]) {
    return do_wait((int)arg[0], (int *)arg[1]);
}

static intptr_t sys_exec(uint64_t arg[]) {
    char name[MAX_NAME];
    int ret = copy_string_from_user(current->mm, name, (const char *)arg[0], sizeof(name));
    return ret != 0 ? ret : do_execve(name);
}

static intptr_t sys_yield(uint64_t arg[]) {
    (void)arg;
    return do_yield();
}

static intptr_t sys_sleep(uint64_t arg[]) {
    return do_sleep((unsigned int)arg[0]);
}

static intptr_t sys_kill(uint64_t arg[]) {
    return do_kill((int)arg[0]);
}

static intptr_t sys_gettime(uint64_t arg[]) {
    (void)arg;
    return (int)clock_msec();
}

static intptr_t sys_getpid(uint64_t arg[]) {
    (void)arg;
    return current->pid;
}

/* getcpu(): the hart the caller runs on (it may run elsewhere by the time it looks). */
static intptr_t sys_getcpu(uint64_t arg[]) {
    (void)arg;
    return cpu_id();
}

/* brk(addr): returns the break after the call, or a negative error. */
static intptr_t sys_brk(uint64_t arg[]) {
    uintptr_t brk;
    int ret = do_brk(arg[0], &brk);
    return ret != 0 ? ret : (intptr_t)brk;
}

/*
 * clone(flags, stack): a process sharing the address space (CLONE_VM)
 * needs its own stack; a thread (CLONE_THREAD) must share the space.
 */
static intptr_t sys_clone(uint64_t arg[]) {
    uint32_t flags = arg[0] & (CLONE_VM | CLONE_THREAD);
    if (((flags & CLONE_VM) && arg[1] == 0) || flags == CLONE_THREAD) {
        return -E_INVAL;
    }
    return do_fork(flags, arg[1], current->tf);
}

static intptr_t sys_mmap(uint64_t arg[]) {
    return do_mmap(arg[0], arg[1], (int)arg[2], (int)arg[3], (int)arg[4], (off_t)arg[5]);
}

static intptr_t sys_madvise(uint64_t arg[]) {
    return do_madvise(arg[0], arg[1], (int)arg[2]);
}

static intptr_t sys_memwrite(uint64_t arg[]) {
    return do_memwrite(arg[0], (const void *)arg[1], arg[2]);
}

static intptr_t sys_open(uint64_t arg[]) {
    char path[MAX_NAME];
    int ret = copy_string_from_user(current->mm, path, (const char *)arg[0], sizeof(path));
    return ret != 0 ? ret : do_open(path, (uint32_t)arg[1]);
}

static intptr_t sys_close(uint64_t arg[]) {
    return do_close((int)arg[0]);
}

static intptr_t sys_read(uint64_t arg[]) {
    return do_read((int)arg[0], (void *)arg[1], arg[2]);
}

/*
 * write(fd, buf, n): descriptor 1 is the console, written a buffer at a
 * time under the console lock (so a line of up to 256 bytes is never
 * mixed with another hart's); files are read-only.
 */
static intptr_t sys_write(uint64_t arg[]) {
    char buf[256];
    size_t n = arg[2], done = 0;
    if ((int)arg[0] != 1) {
        return fd2file((int)arg[0]) != NULL ? -E_ACCES : -E_BADF;
    }
    while (done < n) {
        size_t chunk = MIN(n - done, sizeof(buf));
        int ret = copy_from_user(current->mm, buf, (const char *)arg[1] + done, chunk);
        if (ret != 0) {
            return done > 0 ? (intptr_t)done : ret;
        }
        console_lock();
        for (size_t i = 0; i < chunk; i++) {
            cons_putc(buf[i]);
        }
        console_unlock();
        done += chunk;
    }
    return done;
}

static intptr_t sys_munmap(uint64_t arg[]) {
    return do_munmap(arg[0], arg[1]);
}

static intptr_t sys_putc(uint64_t arg[]) {
    cputchar((int)arg[0]);
    return 0;
}

static intptr_t sys_pgdir(uint64_t arg[]) {
    (void)arg;
    mmap_read_lock(current->mm);
    pt_lock(current->mm);
    console_lock();                 /* the whole picture, not mixed with another hart's lines */
    print_pgdir(current->mm->pgdir);
    console_unlock();
    pt_unlock(current->mm);
    mmap_read_unlock(current->mm);
    return 0;
}

static intptr_t sys_memstat(uint64_t arg[]) {
    struct memstat st;
    st.free_pages = nr_free_pages();
    st.total_pages = nr_total_pages();
    st.pages_allocated = nr_pages_allocated();
    st.tlb_shootdowns = tlb_shootdowns();
    st.kill_ipis = kill_ipis_sent();
    st.harts = ncpu;
    cow_fill_memstat(&st);
    return copy_to_user(current->mm, (void *)arg[0], &st, sizeof(st));
}

/* kbench(op, n): a kernel micro-benchmark for user/bench.c (kern/debug/kbench.c). */
static intptr_t sys_kbench(uint64_t arg[]) {
    return do_kbench(arg[0], arg[1]);
}

/* failalloc(n): the nth page allocation from now fails (a test hook; 0 disarms). */
static intptr_t sys_failalloc(uint64_t arg[]) {
    return do_failalloc((long)arg[0]);
}

static intptr_t (*const syscalls[])(uint64_t arg[]) = {
    [SYS_exit] = sys_exit,
    [SYS_fork] = sys_fork,
    [SYS_wait] = sys_wait,
    [SYS_exec] = sys_exec,
    [SYS_clone] = sys_clone,
    [SYS_yield] = sys_yield,
    [SYS_sleep] = sys_sleep,
    [SYS_kill] = sys_kill,
    [SYS_gettime] = sys_gettime,
    [SYS_getpid] = sys_getpid,
    [SYS_getcpu] = sys_getcpu,
    [SYS_brk] = sys_brk,
    [SYS_mmap] = sys_mmap,
    [SYS_munmap] = sys_munmap,
    [SYS_putc] = sys_putc,
    [SYS_pgdir] = sys_pgdir,
    [SYS_memstat] = sys_memstat,
    [SYS_madvise] = sys_madvise,
    [SYS_memwrite] = sys_memwrite,
    [SYS_kbench] = sys_kbench,
    [SYS_failalloc] = sys_failalloc,
    [SYS_open] = sys_open,
    [SYS_close] = sys_close,
    [SYS_read] = sys_read,
    [SYS_write] = sys_write,
};

void syscall(void) {
    struct trapframe *tf = current->tf;
    uint64_t num = tf->gpr.a0;
    uint64_t arg[6] = { tf->gpr.a1, tf->gpr.a2, tf->gpr.a3, tf->gpr.a4, tf->gpr.a5, tf->gpr.a6 };
    if (num < ARRAY_SIZE(syscalls) && syscalls[num] != NULL) {
        tf->gpr.a0 = syscalls[num](arg);
    } else {
        tf->gpr.a0 = -E_INVAL;
    }
}
