#include <defs.h>
#include <error.h>
#include <memstat.h>
#include <mman.h>
#include <stdio.h>
#include <string.h>
#include <syscall.h>
#include <ulib.h>
#include <unistd.h>

/*
 * A system-call fuzzer. NCALLS raw system calls with random numbers
 * (0..MAX_SYSNO, the real ones more often, a few with high bits set)
 * and arguments drawn from the values kernels get wrong: NULL, kernel
 * addresses, unmapped and read-only memory, pointers running off the end
 * of a page, huge lengths, negative and huge integers, small good values.
 * Every call must come back with a result or -E_xxx; the kernel stays up.
 *
 * The fuzzer must survive its own calls, so what a call may do to our
 * memory is chosen with care: the kernel may write only where nothing of
 * ours lives (the scratch area, mappings fuzz calls made, the edge page,
 * bad addresses), and a range that gets unmapped lies inside those areas
 * or wholly outside user space. Calls that would end or replace us are
 * left out (exit, a good exec, a kill of ourselves) or made harmless
 * (fork: the child exits at once; sleep: 0 or 1 tick). putc and pgdir
 * only print, so they are left out too.
 *
 * Then targeted checks that a failed call changed nothing, and one pass
 * line. The seed is FUZZ_SEED unless the boot argument fuzzseed=N says.
 */
#define PGSIZE          4096
#define NCALLS          20000
#define FUZZ_SEED       0x5eedf00dUL
#define MAX_SYSNO       110         /* numbers 0..MAX_SYSNO are tried */
#define MAX_FORKS       40          /* fork-like calls allowed (each is reaped) */
#define CHECK_EVERY     1000        /* calls between checks of our own memory */
#define SCRATCH_RESET   500         /* calls between rebuilds of the scratch area */

#define KERNEL_ADDR     0xffffffffc0200000UL    /* kernel text */
#define NONCANONICAL    0x4000000000000000UL    /* not an Sv39 address */
#define USER_BASE       0x00200000UL            /* lowest user address */
#define USER_TOP        0x80000000UL            /* first address above user space */
#define TEXT_BASE       0x00800000UL            /* our program text */
#define HOLE_BASE       0x20000000UL            /* nothing of ours here */
#define HOLE_SIZE       0x01000000UL
#define SCRATCH_BASE    0x40000000UL            /* pages fuzz calls may ruin */
#define SCRATCH_PAGES   8
#define SCRATCH_SIZE    (SCRATCH_PAGES * PGSIZE)
#define EDGE_BASE       0x50000000UL            /* a page with an unmapped one above */
#define EDGE_END        (EDGE_BASE + PGSIZE)
#define MAX_FUZZMAPS    8                       /* mappings fuzz calls made */
#define MAX_FDS         16                      /* descriptors fuzz calls opened */
#define LONG_NAME_LEN   200                     /* longer than any name or path */
#define CANARY          0x5afec0de5afec0deULL
#define CANARY_WORDS    64
#define CHILD_CODE      0x77
#define BAD_PROT        0x80                    /* no PROT_ bit */
#define BAD_ADVICE      99                      /* no MADV_ value */

/* ---- a small deterministic PRNG (xorshift64*) ----------------------------- */

static uint64_t rng_state = FUZZ_SEED;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n); n > 0. */
static uint64_t rnd_below(uint64_t n) {
    return rnd() % n;
}

/* True one time in n. */
static bool one_in(uint64_t n) {
    return rnd_below(n) == 0;
}

#define PICK(set) ((set)[rnd_below(ARRAY_SIZE(set))])

/* ---- our own state -------------------------------------------------------- */

static int self;                        /* our pid */
static uintptr_t brk0;                  /* our heap's end at the start */
static char long_name[LONG_NAME_LEN + 1];
static const char no_such_program[] = "no-such-program";

/* Memory of ours that no fuzz call may change (the text is summed). */
static uint64_t data_canary[CANARY_WORDS] = { [0 ... CANARY_WORDS - 1] = CANARY };
static uint64_t bss_canary[CANARY_WORDS];
static uint64_t *stack_canary;          /* an array in main's frame */
static uint64_t text_sum;

/* Mappings made by fuzz calls: nothing of ours lives there. */
static struct {
    uintptr_t addr;
    size_t len;
} fuzzmaps[MAX_FUZZMAPS];
static int nfuzzmaps;

static int fds[MAX_FDS];                /* descriptors fuzz calls opened */
static int nfds;

/* Results by number; the last slot counts the numbers above MAX_SYSNO. */
static struct {
    int calls, failed;
} stats[MAX_SYSNO + 2];
static int ncalls, nfailed, nforks, nodd;

/* ---- the address space ---------------------------------------------------- */

static void *map_fixed(uintptr_t addr, size_t len) {
    return mmap((void *)addr, len, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* Throw the scratch area away and map it afresh, its pages touched. */
static void reset_scratch(void) {
    munmap((void *)SCRATCH_BASE, SCRATCH_SIZE);
    if (map_fixed(SCRATCH_BASE, SCRATCH_SIZE) != (void *)SCRATCH_BASE) {
        panic("cannot map the scratch area");
    }
    memset((void *)SCRATCH_BASE, 0x5c, SCRATCH_SIZE);
}

/* Fill the edge page with a string that runs into the unmapped page. */
static void fill_edge(void) {
    memset((void *)EDGE_BASE, 'x', PGSIZE);
}

static void setup_memory(void) {
    reset_scratch();
    if (map_fixed(EDGE_BASE, PGSIZE) != (void *)EDGE_BASE) {
        panic("cannot map the edge page");
    }
    fill_edge();
    memset(long_name, 'a', LONG_NAME_LEN);
}

/* Remember a mapping a fuzz call made; the oldest goes when the table is full. */
static void fuzzmap_add(uintptr_t addr, size_t len) {
    if (nfuzzmaps == MAX_FUZZMAPS) {
        munmap((void *)fuzzmaps[0].addr, fuzzmaps[0].len);
        memmove(&fuzzmaps[0], &fuzzmaps[1], (MAX_FUZZMAPS - 1) * sizeof(fuzzmaps[0]));
        nfuzzmaps--;
    }
    fuzzmaps[nfuzzmaps].addr = addr;
    fuzzmaps[nfuzzmaps].len = len;
    nfuzzmaps++;
}

static void fuzzmaps_clear(void) {
    while (nfuzzmaps > 0) {
        nfuzzmaps--;
        munmap((void *)fuzzmaps[nfuzzmaps].addr, fuzzmaps[nfuzzmaps].len);
    }
}

/* Sum the bytes of our text, up to the read-only data. */
static uint64_t sum_text(void) {
    uint64_t sum = 0;
    for (const uint8_t *p = (const uint8_t *)TEXT_BASE; p < (const uint8_t *)no_such_program; p++) {
        sum = sum * 31 + *p;
    }
    return sum;
}

/* Panic if a fuzz call changed memory of ours. */
static void check_own_memory(void) {
    for (int i = 0; i < CANARY_WORDS; i++) {
        if (data_canary[i] != CANARY || bss_canary[i] != CANARY || stack_canary[i] != CANARY) {
            panic("a fuzz call changed our data, bss or stack (word %d)", i);
        }
    }
    if (sum_text() != text_sum) {
        panic("a fuzz call changed our program text");
    }
    if (getpid() != self) {
        panic("getpid changed");
    }
}

/* ---- arguments ------------------------------------------------------------ */

/* What the kernel may do through a pointer argument. */
enum access {
    READ,       /* only read it */
    WRITE,      /* write it, where the mapping allows */
    FORCE,      /* write it even into read-only private memory (memwrite) */
};

/* An address that is never user memory. */
static uint64_t bad_ptr(void) {
    switch (rnd_below(7)) {
    case 0:
        return 0;
    case 1:
        return rnd_below(USER_BASE);                      /* below user space */
    case 2:
        return KERNEL_ADDR + rnd_below(64) * PGSIZE + rnd_below(16);
    case 3:
        return NONCANONICAL | rnd_below(1UL << 20);
    case 4:
        return USER_TOP + rnd_below(4) * PGSIZE + rnd_below(8);
    case 5:
        return -(1 + rnd_below(PGSIZE));                   /* the very top */
    default:
        return rnd() | (1ULL << 63);
    }
}

/* Inside a mapping a fuzz call made, or the scratch area. */
static uint64_t fuzz_owned_ptr(void) {
    if (nfuzzmaps > 0 && one_in(2)) {
        int i = rnd_below(nfuzzmaps);
        return fuzzmaps[i].addr + rnd_below(fuzzmaps[i].len);
    }
    return SCRATCH_BASE + rnd_below(SCRATCH_SIZE);
}

/* The last bytes of the edge page: an access of more runs off its end. */
static uint64_t edge_ptr(void) {
    return EDGE_END - 1 - rnd_below(16);
}

/* Our data, bss or stack: for the kernel to read only. */
static uint64_t own_ptr(void) {
    switch (rnd_below(3)) {
    case 0:
        return (uintptr_t)&data_canary[rnd_below(CANARY_WORDS)];
    case 1:
        return (uintptr_t)&bss_canary[rnd_below(CANARY_WORDS)];
    default:
        return (uintptr_t)&stack_canary[rnd_below(CANARY_WORDS)];
    }
}

static uint64_t rnd_ptr(enum access access) {
    switch (rnd_below(8)) {
    case 0:
    case 1:
        return bad_ptr();
    case 2:
        return HOLE_BASE + rnd_below(HOLE_SIZE);
    case 3:
        return edge_ptr();
    case 4:
    case 5:
        return fuzz_owned_ptr();
    case 6:     /* our read-only text */
        return access == FORCE ? bad_ptr() : TEXT_BASE + rnd_below(PGSIZE);
    default:
        return access == READ ? own_ptr() : fuzz_owned_ptr();
    }
}

static uint64_t rnd_len(void) {
    static const uint64_t lens[] = {
        0, 1, 2, 3, 4, 7, 8, 16, 63, 64, 255, 256, 4095, 4096, 4097, 8192, 16384, 16385,
        65536, 1UL << 20, 0x7fffffff, 0x80000000, 0xffffffff, 1ULL << 32, 1ULL << 40,
        1ULL << 63, -1ULL, -2ULL, -4096ULL,
    };
    return one_in(4) ? rnd_below(3 * PGSIZE) : PICK(lens);
}

static uint64_t rnd_int(void) {
    static const uint64_t ints[] = {
        0, 1, 2, 3, 4, 5, 8, 15, 16, 17, 31, 32, 64, 100, 255, 4096, 0x7fffffff, 0x80000000,
        0xffffffff, 1ULL << 32, (1ULL << 32) | 1, (1ULL << 32) | 2, 1ULL << 63,
        (1ULL << 63) - 1, -1ULL, -2ULL, -4096ULL,
    };
    return one_in(4) ? rnd() : PICK(ints);
}

/* A descriptor: one a fuzz call opened, or an odd number. */
static uint64_t rnd_fd(void) {
    static const uint64_t odd_fds[] = {
        -1ULL, 0, 1, 2, 3, 15, 16, 17, 1000, 0x80000000, (1ULL << 32) | 3, -16ULL,
    };
    return nfds > 0 && one_in(2) ? (uint64_t)fds[rnd_below(nfds)] : PICK(odd_fds);
}

/* A program name exec must refuse: a bad pointer, unknown, or too long. */
static uint64_t bad_name(void) {
    switch (rnd_below(5)) {
    case 0:
        return bad_ptr();
    case 1:
        fill_edge();
        return edge_ptr();                  /* no NUL before the unmapped page */
    case 2:
        return (uintptr_t)long_name;
    case 3:
        return HOLE_BASE + rnd_below(HOLE_SIZE);
    default:
        return (uintptr_t)no_such_program;
    }
}

/* A path for open: real files, odd names, bad pointers. */
static uint64_t rnd_path(void) {
    static const char *const paths[] = {
        "etc/passwd", "/etc/passwd", "etc/motd", "/etc/motd", "proc/cmdline", "etc",
        "/", "", "etc/passwd/", "nosuch", "etc//passwd",
    };
    switch (rnd_below(4)) {
    case 0:
        return bad_ptr();
    case 1:
        return one_in(2) ? (uintptr_t)long_name : edge_ptr();
    default:
        return (uintptr_t)PICK(paths);
    }
}

/* Any argument at all, as long as it points at nothing of ours. */
static uint64_t rnd_any(void) {
    switch (rnd_below(4)) {
    case 0:
        return rnd_int();
    case 1:
        return rnd_len();
    case 2:
        return bad_ptr();
    default:
        return one_in(2) ? fuzz_owned_ptr() : edge_ptr();
    }
}

/*
 * An (addr, len) to unmap or zap: if the kernel accepts it, the range
 * lies inside memory fuzz calls own; otherwise it is outside user space
 * or runs past its top, and must be refused.
 */
static void rnd_range(uint64_t *addr, uint64_t *len) {
    static const uint64_t past_top[] = {
        USER_TOP, 1ULL << 40, 1ULL << 63, -1ULL, -4096ULL, -SCRATCH_BASE,
    };
    uintptr_t base = SCRATCH_BASE, size = SCRATCH_SIZE;
    int i;

    switch (rnd_below(4)) {
    case 0:
        *addr = bad_ptr();
        *len = rnd_len();
        return;
    case 1:
        *addr = SCRATCH_BASE + rnd_below(SCRATCH_PAGES) * PGSIZE;
        *len = PICK(past_top);
        return;
    case 2:
        if (nfuzzmaps > 0) {
            i = rnd_below(nfuzzmaps);
            base = fuzzmaps[i].addr;
            size = fuzzmaps[i].len;
        }
        break;
    default:
        break;
    }
    uintptr_t off = rnd_below(size / PGSIZE) * PGSIZE + (one_in(8) ? rnd_below(PGSIZE) : 0);
    *addr = base + off;
    *len = rnd_below(size - off + 1);
}

/* ---- one call ------------------------------------------------------------- */

struct call {
    uint64_t num;
    uint64_t a[6];
};

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

/*
 * Fill in the arguments for c->num. Returns false if that number is
 * never called (or its budget is spent): the caller draws another.
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
static void fuzz_one(void) {
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

/* ---- every protection --------------------------------------------------- */

#define NKINDS 3
#define NPROTS 8                /* every combination of PROT_READ, PROT_WRITE, PROT_EXEC */
#define SWEEP_PAGES 2

static void *sweep_maps[NKINDS * NPROTS];
static int nsweep, sweep_landed, sweep_refused;

/* Forced writes at the start, across the page boundary and in the second page. */
static void force_writes(char *p) {
    static const size_t offsets[] = { 0, PGSIZE - 4, PGSIZE + 100 };
    uint64_t word = 0x10001;            /* would point at 0x10000 if read as a PTE */
    for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
        if (memwrite(p + offsets[i], &word, sizeof(word)) == (int)sizeof(word)) {
            sweep_landed++;
        } else {
            sweep_refused++;
        }
    }
}

/* A thread that force-writes every sweep mapping. */
static int sweep_thread(void *arg) {
    (void)arg;
    for (int i = 0; i < nsweep; i++) {
        force_writes(sweep_maps[i]);
    }
    return 0;
}

/* Fork a child that runs fn (which exits) and wait for it; its exit code. */
static int sweep_child(void (*fn)(void)) {
    int code, pid = fork();
    if (pid == 0) {
        fn();
    }
    if (pid < 0 || waitpid(pid, &code) != 0) {
        panic("protection sweep: fork or wait failed");
    }
    return code;
}

static void child_writes(void) {
    sweep_thread(NULL);
    exit(0);
}

static void child_execs(void) {
    exit(exec("true"));
}

/*
 * Map two pages with every protection, anonymous, private file and
 * shared file (a shared writable one is refused: the files are
 * read-only). On each: forced writes, the kernel reading it (memwrite's
 * source) and writing it (read), madvise; then, with all of them
 * mapped, a thread and a fork that force-write them, a fork that
 * execs, and print_pgdir. Whatever the rights, nothing may panic, no
 * page may leak and no PTE without rights may appear (the audit at
 * every exit checks the tables).
 */
static void protection_sweep(void) {
    static const int kinds[NKINDS] = { MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED };
    int fd = open("/etc/passwd", O_RDONLY), code;
    for (int k = 0; k < NKINDS; k++) {
        for (int prot = 0; prot < NPROTS; prot++) {
            char *p = mmap(NULL, SWEEP_PAGES * PGSIZE, prot, kinds[k], fd, 0);
            if (p == MAP_FAILED) {
                continue;
            }
            sweep_maps[nsweep++] = p;
            force_writes(p);
            memwrite((void *)SCRATCH_BASE, p + PGSIZE - 4, 8);
            read(fd, p + PGSIZE - 4, 8);
            madvise(p, SWEEP_PAGES * PGSIZE, MADV_DONTNEED);
            force_writes(p);
        }
    }
    int tid = thread_create(sweep_thread, NULL);
    if (tid < 0 || waitpid(tid, &code) != 0 || code != 0) {
        panic("protection sweep: the thread failed");
    }
    if (sweep_child(child_writes) != 0 || sweep_child(child_execs) != 0) {
        panic("protection sweep: a child failed");
    }
    print_pgdir();
    for (int i = 0; i < nsweep; i++) {
        munmap(sweep_maps[i], SWEEP_PAGES * PGSIZE);
    }
    close(fd);
    cprintf("fuzz: %d mappings of every protection: %d forced writes landed, %d refused;"
            " a thread, a fork and an exec with them mapped\n", nsweep, sweep_landed, sweep_refused);
}

/* Close what fuzz calls opened, unmap what they mapped, restore the heap. */
static void clean_up(void) {
    for (int fd = 0; fd < NOFILE; fd++) {
        close(fd);
    }
    nfds = 0;
    fuzzmaps_clear();
    sys_brk(brk0);
    reset_scratch();
    fill_edge();
}

/* ---- a failed call changes nothing ---------------------------------------- */

/*
 * Addresses the kernel must not write an int or more through: read-only
 * text, the kernel, an unmapped page, two bytes before one, not Sv39.
 */
static const uint64_t unwritable[] = {
    TEXT_BASE, KERNEL_ADDR, EDGE_END + 16, EDGE_END - 2, NONCANONICAL,
};

/* Panic unless the call described by what failed. */
static void expect_error(const char *what, long ret) {
    if (ret >= 0) {
        panic("%s returned %ld, want an error", what, ret);
    }
}

/* Panic if a failed call wrote into the edge page or our text. */
static void check_unchanged(const char *what) {
    for (const char *p = (const char *)EDGE_BASE; p < (const char *)EDGE_END; p++) {
        if (*p != 'x') {
            panic("a failed %s changed the edge page at %p", what, p);
        }
    }
    if (sum_text() != text_sum) {
        panic("a failed %s changed our text", what);
    }
}

/* waitpid with a bad status pointer fails and leaves the child waitable. */
static void check_failed_wait(void) {
    int pid = fork(), code = 0;

    if (pid == 0) {
        exit(CHILD_CODE);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    sleep(2);       /* let the child become a zombie */
    for (size_t i = 0; i < ARRAY_SIZE(unwritable); i++) {
        expect_error("waitpid(child, bad status)", waitpid(pid, (int *)unwritable[i]));
        expect_error("waitpid(any, bad status)", waitpid(0, (int *)unwritable[i]));
    }
    check_unchanged("waitpid");
    if (waitpid(pid, &code) != 0 || code != CHILD_CODE) {
        panic("the child was lost after the failed waitpid calls (code 0x%x)", code);
    }
    cprintf("fuzz: waitpid refused %d bad status pointers; the child stayed waitable "
            "(exit code 0x%x)\n", (int)(2 * ARRAY_SIZE(unwritable)), code);
}

/* read into memory it may not write fails, writes nothing, keeps the position. */
static void check_failed_read(void) {
    char want[32], got[32];
    int fd = open("etc/passwd", O_RDONLY), fd2 = open("etc/passwd", O_RDONLY);

    if (fd < 0 || fd2 < 0 || read(fd2, want, sizeof(want)) != sizeof(want)) {
        panic("cannot read etc/passwd");
    }
    for (size_t i = 0; i < ARRAY_SIZE(unwritable); i++) {
        expect_error("read(bad buffer)", read(fd, (void *)unwritable[i], sizeof(got)));
    }
    expect_error("read(buffer off the edge)", read(fd, (void *)(EDGE_END - 8), sizeof(got)));
    check_unchanged("read");
    if (read(fd, got, sizeof(got)) != sizeof(got) || memcmp(got, want, sizeof(got)) != 0) {
        panic("a failed read moved the file position");
    }
    close(fd);
    close(fd2);
    cprintf("fuzz: read refused %d bad buffers, wrote nothing, kept the file position\n",
            (int)ARRAY_SIZE(unwritable) + 1);
}

static void check_failed_memstat(void) {
    struct memstat ms;

    expect_error("memstat(NULL)", memstat(NULL));
    for (size_t i = 0; i < ARRAY_SIZE(unwritable); i++) {
        expect_error("memstat(bad pointer)", memstat((struct memstat *)unwritable[i]));
    }
    check_unchanged("memstat");
    if (memstat(&ms) != 0 || ms.free_pages > ms.total_pages) {
        panic("memstat with a good pointer failed");
    }
    cprintf("fuzz: memstat refused %d bad pointers\n", (int)ARRAY_SIZE(unwritable) + 1);
}

/* Refused mmap(MAP_FIXED), munmap and madvise calls leave the mapping as it was. */
static void check_refused_mappings(void) {
    const int rw = PROT_READ | PROT_WRITE, fixed = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    void *s = (void *)SCRATCH_BASE;

    expect_error("mmap(bad prot)", sys_mmap(s, PGSIZE, BAD_PROT, fixed, -1, 0));
    expect_error("mmap(bad file)", sys_mmap(s, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, -1, 0));
    expect_error("mmap(unaligned)", sys_mmap(s + 1, PGSIZE, rw, fixed, -1, 0));
    expect_error("mmap(bad offset)", sys_mmap(s, PGSIZE, rw, fixed, -1, 1));
    expect_error("mmap(shared anonymous)",
                 sys_mmap(s, PGSIZE, rw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    expect_error("munmap(unaligned)", munmap(s + 1, PGSIZE));
    expect_error("munmap(wrapping)", munmap(s, -PGSIZE));
    expect_error("munmap(past user space)", munmap(s, USER_TOP));
    expect_error("madvise(unaligned)", madvise(s + 1, PGSIZE, MADV_DONTNEED));
    expect_error("madvise(past user space)", madvise(s, USER_TOP, MADV_DONTNEED));
    expect_error("madvise(bad advice)", madvise(s, PGSIZE, BAD_ADVICE));
    for (const uint8_t *p = s; p < (const uint8_t *)s + SCRATCH_SIZE; p++) {
        if (*p != 0x5c) {
            panic("a refused mapping call changed the scratch area at %p", p);
        }
    }
    cprintf("fuzz: 11 refused mmap/munmap/madvise calls left the mapping as it was\n");
}

/* exec of a bad name fails and we are still ourselves. */
static void check_refused_exec(void) {
    fill_edge();
    expect_error("exec(NULL)", exec(NULL));
    expect_error("exec(kernel address)", exec((const char *)KERNEL_ADDR));
    expect_error("exec(name off the edge)", exec((const char *)edge_ptr()));
    expect_error("exec(unknown)", exec(no_such_program));
    expect_error("exec(long name)", exec(long_name));
    check_unchanged("exec");
    if (getpid() != self) {
        panic("exec failed but we are someone else");
    }
    cprintf("fuzz: exec refused 5 bad names and we are still pid %d\n", self);
}

/* System call numbers are 64 bits: high bits make them unknown, not exit. */
static void check_numbers(void) {
    expect_error("syscall(2^32 + SYS_exit)", syscall((1ULL << 32) | SYS_exit, 0, 0, 0, 0, 0, 0));
    expect_error("syscall(-1)", syscall(-1, 0, 0, 0, 0, 0, 0));
    if (syscall((1ULL << 32) | SYS_getpid, 0, 0, 0, 0, 0, 0) == self) {
        panic("syscall(2^32 + SYS_getpid) ran getpid");
    }
    cprintf("fuzz: numbers with high bits set are unknown calls\n");
}

/* ---- the run --------------------------------------------------------------- */

static const char *sysname(int num) {
    switch (num) {
    case SYS_fork: return "fork";
    case SYS_wait: return "wait";
    case SYS_exec: return "exec";
    case SYS_clone: return "clone";
    case SYS_yield: return "yield";
    case SYS_sleep: return "sleep";
    case SYS_kill: return "kill";
    case SYS_gettime: return "gettime";
    case SYS_getpid: return "getpid";
    case SYS_brk: return "brk";
    case SYS_mmap: return "mmap";
    case SYS_munmap: return "munmap";
    case SYS_shmem: return "shmem";
    case SYS_memstat: return "memstat";
    case SYS_madvise: return "madvise";
    case SYS_memwrite: return "memwrite";
    case SYS_open: return "open";
    case SYS_close: return "close";
    case SYS_read: return "read";
    case SYS_write: return "write";
    default: return NULL;
    }
}

static void print_stats(void) {
    int calls = 0, failed = 0;

    for (int num = 0; num <= MAX_SYSNO + 1; num++) {
        const char *name = num <= MAX_SYSNO ? sysname(num) : NULL;
        if (name != NULL) {
            cprintf("fuzz:   %-8s %5d calls, %5d failed\n", name, stats[num].calls,
                    stats[num].failed);
        } else {
            calls += stats[num].calls;
            failed += stats[num].failed;
        }
    }
    cprintf("fuzz:   %-8s %5d calls, %5d failed\n", "others", calls, failed);
}

/* The seed: boot argument fuzzseed=N, else FUZZ_SEED. */
static uint64_t read_seed(void) {
    long seed = bootarg_long("fuzzseed", 0);
    return seed != 0 ? (uint64_t)seed : FUZZ_SEED;
}

int main(void) {
    uint64_t canary[CANARY_WORDS];

    for (int i = 0; i < CANARY_WORDS; i++) {
        canary[i] = bss_canary[i] = CANARY;
    }
    stack_canary = canary;
    self = getpid();
    brk0 = sys_brk(0);
    rng_state = read_seed();
    cprintf("fuzz: %d system calls, seed 0x%lx\n", NCALLS, (long)rng_state);
    text_sum = sum_text();
    setup_memory();

    for (int i = 1; i <= NCALLS; i++) {
        fuzz_one();
        if (i % SCRATCH_RESET == 0) {
            reset_scratch();
        }
        if (i % CHECK_EVERY == 0) {
            check_own_memory();
        }
    }
    clean_up();
    check_own_memory();
    print_stats();
    if (nodd > 0) {
        panic("%d calls returned a negative value that is no error code", nodd);
    }
    cprintf("fuzz: %d calls, %d failed as expected, %d forks reaped; our memory is intact\n",
            ncalls, nfailed, nforks);

    check_failed_wait();
    check_failed_read();
    check_failed_memstat();
    check_refused_mappings();
    check_refused_exec();
    check_numbers();
    protection_sweep();
    check_own_memory();
    cprintf("fuzz pass.\n");
    return 0;
}
