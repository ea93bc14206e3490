/* One fuzz call: a number, arguments that cannot harm us, and what it left behind. */
#include <defs.h>
#include <error.h>
#include <mman.h>
#include <stdio.h>
#include <syscall.h>
#include <ulib.h>
#include <unistd.h>

#include "fuzz.h"

/* ---- one call ------------------------------------------------------------- */

/* A system call: its number and its six arguments. */
struct call {
    uint64_t num;
    uint64_t a[6];
};

/* Arguments for mmap: a plausible request one time in four, else odd ones. */
static void mmap_args(struct call *c) {
    static const uint64_t flags[] = {
        MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, MAP_PRIVATE | MAP_FIXED,
        MAP_SHARED | MAP_FIXED, 0, MAP_PRIVATE | MAP_SHARED, MAP_ANONYMOUS,
    };
    static const uint64_t offsets[] = { 0, 0, PGSIZE, 2 * PGSIZE, 1, -4096ULL, 1ULL << 40 };

    if (one_in(4)) {        /* a plausible request, so that some succeed */
        c->a[0] = one_in(2) ? 0 : HOLE_BASE + rnd_below(HOLE_SIZE / PGSIZE) * PGSIZE;
        c->a[1] = (1 + rnd_below(4)) * PGSIZE;
        c->a[2] = rnd_below(8);             /* every protection, PROT_NONE too */
        c->a[3] = one_in(2) ? MAP_PRIVATE | MAP_ANONYMOUS : one_in(2) ? MAP_PRIVATE : MAP_SHARED;
        c->a[4] = rnd_fd();
        c->a[5] = 0;
        return;
    }
    c->a[3] = one_in(8) ? rnd_int() : PICK(flags);
    if ((int)c->a[3] & MAP_FIXED) {
        rnd_range(&c->a[0], &c->a[1]);
    } else {
        c->a[0] = one_in(3) ? 0 : rnd_ptr(READ);     /* a hint */
        c->a[1] = rnd_len();
    }
    c->a[2] = one_in(8) ? rnd_int() : rnd_below(8);
    c->a[4] = rnd_fd();
    c->a[5] = one_in(4) ? rnd_len() : PICK(offsets);
}

/* make_call's second half: memory and file calls; others keep rnd_any's arguments. */
static bool memory_file_args(struct call *c) {
    switch (c->num) {
    case SYS_mmap:
        mmap_args(c);
        return true;
    case SYS_munmap:
        rnd_range(&c->a[0], &c->a[1]);
        return true;
    case SYS_madvise:
        rnd_range(&c->a[0], &c->a[1]);
        c->a[2] = one_in(2) ? rnd_below(6) : rnd_int();
        return true;
    case SYS_memstat:
        c->a[0] = rnd_ptr(WRITE);
        return true;
    case SYS_memwrite:
        c->a[0] = rnd_ptr(FORCE);
        c->a[1] = rnd_ptr(READ);
        c->a[2] = rnd_len();
        return true;
    case SYS_open:
        c->a[0] = rnd_path();
        c->a[1] = one_in(2) ? O_RDONLY : one_in(2) ? rnd_below(4) : rnd_int();
        return true;
    case SYS_close:
        c->a[0] = rnd_fd();
        return true;
    case SYS_read:
        c->a[0] = rnd_fd();
        c->a[1] = rnd_ptr(WRITE);
        c->a[2] = rnd_len();
        return true;
    case SYS_write:         /* the console prints what it gets: give it nothing */
        c->a[0] = rnd_fd();
        c->a[1] = (int)c->a[0] == 1 ? bad_ptr() : rnd_ptr(READ);
        c->a[2] = rnd_len();
        return true;
    default:                /* yield, gettime, getpid, unknown numbers: anything */
        return true;
    }
}

/*
 * Fill in the arguments for c->num. Returns false if that number is
 * never called (or its budget is spent): the caller draws another.
 * The process calls are shaped here, the others by memory_file_args.
 */
static bool make_call(struct call *c) {
    for (int i = 0; i < 6; i++) {
        c->a[i] = rnd_any();
    }
    switch (c->num) {
    case SYS_exit:
    case SYS_putc:
    case SYS_pgdir:
    case SYS_failalloc:     /* a test hook: the failures it arms would fail our own checks */
        return false;
    case SYS_fork:
        return nforks < MAX_FORKS;
    case SYS_clone:         /* a thread needs a stack: without one, only a fork */
        c->a[0] = rnd_int();
        c->a[1] = 0;
        return ((int)c->a[0] & CLONE_VM) || nforks < MAX_FORKS;
    case SYS_wait:
        c->a[0] = rnd_int();
        c->a[1] = one_in(4) ? 0 : rnd_ptr(WRITE);
        return true;
    case SYS_exec:
        c->a[0] = bad_name();
        return true;
    case SYS_sleep:         /* the tick count is 32 bits: the high half is noise */
        c->a[0] = (rnd() << 32) | (one_in(64) ? 1 : 0);
        return true;
    case SYS_kill:
        c->a[0] = rnd_int();
        if ((int)c->a[0] == self) {
            c->a[0]++;
        }
        return true;
    case SYS_brk:           /* we never use the heap: any break is fine */
        c->a[0] = one_in(2) ? brk0 + rnd_below(16 * PGSIZE) - 4 * PGSIZE : rnd_int();
        return true;
    default:
        return memory_file_args(c);
    }
}

/* A system call number: a real one half the time, else any up to MAX_SYSNO. */
static uint64_t rnd_sysno(void) {
    static const uint64_t real[] = {
        SYS_fork, SYS_wait, SYS_exec, SYS_clone, SYS_yield, SYS_sleep, SYS_kill,
        SYS_gettime, SYS_getpid, SYS_brk, SYS_mmap, SYS_munmap, SYS_shmem, SYS_memstat,
        SYS_madvise, SYS_memwrite, SYS_open, SYS_close, SYS_read, SYS_write,
    };
    static const uint64_t high[] = {    /* a kernel that truncates would run these */
        (1ULL << 32) | SYS_exit, (1ULL << 32) | SYS_fork, (1ULL << 63) | SYS_exit,
        -1ULL, -(uint64_t)SYS_exit,
    };
    if (one_in(50)) {
        return PICK(high);
    }
    return one_in(2) ? PICK(real) : rnd_below(MAX_SYSNO + 1);
}

/* After a call: reap a fork's child, remember what was opened or mapped. */
static void after_call(const struct call *c, long ret) {
    bool forked = c->num == SYS_fork || (c->num == SYS_clone && !((int)c->a[0] & CLONE_VM));
    int code = -1;

    if (forked && ret >= 0) {
        if (ret == 0) {
            exit(0);                        /* the child */
        }
        nforks++;
        if (waitpid(ret, &code) != 0 || code != 0) {
            panic("the child %ld of fuzz call %d was lost (code %d)", ret, ncalls, code);
        }
    } else if (c->num == SYS_open && ret >= 0) {
        if (nfds < MAX_FDS) {
            fds[nfds++] = ret;
        }
    } else if (c->num == SYS_close && ret == 0) {
        for (int i = 0; i < nfds; i++) {
            if (fds[i] == (int)c->a[0]) {
                fds[i] = fds[--nfds];
                break;
            }
        }
    } else if (c->num == SYS_mmap && ret >= 0 && !((int)c->a[3] & MAP_FIXED)) {
        fuzzmap_add(ret, ROUNDUP(c->a[1], PGSIZE));
    }
}

/* Make one random call and account for its result. */
void fuzz_one(void) {
    struct call c;

    do {
        c.num = rnd_sysno();
    } while (!make_call(&c));
    long ret = syscall(c.num, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5]);
    int slot = c.num <= MAX_SYSNO ? (int)c.num : MAX_SYSNO + 1;

    stats[slot].calls++;
    ncalls++;
    if (ret < 0) {
        stats[slot].failed++;
        nfailed++;
        if (ret < -MAXERROR && nodd++ < 5) {
            cprintf("fuzz: call %d: syscall(%ld, 0x%lx, 0x%lx, 0x%lx) returned %ld\n", ncalls,
                    (long)c.num, (long)c.a[0], (long)c.a[1], (long)c.a[2], ret);
        }
    }
    after_call(&c, ret);
}
