/* The system-call fuzzer's shared constants, state and functions (overview in main.c). */
#ifndef __USER_FUZZ_FUZZ_H__
#define __USER_FUZZ_FUZZ_H__

#include <defs.h>

/*
 * The files, by job:
 *   main.c     the run: seed, NCALLS calls, statistics, then the checks
 *   memory.c   our own state, the areas fuzz calls may ruin, canaries
 *   args.c     the PRNG and the argument generators
 *   call.c     one call: its number, its arguments, what it left behind
 *   checks.c   a failed call changes nothing
 *   sweep.c    mappings of every protection
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

/* ---- our own state (memory.c) --------------------------------------------- */

extern int self;                        /* our pid */
extern uintptr_t brk0;                  /* our heap's end at the start */
extern char long_name[LONG_NAME_LEN + 1];
extern const char no_such_program[];

/* Memory of ours that no fuzz call may change (the text is summed). */
extern uint64_t data_canary[CANARY_WORDS];
extern uint64_t bss_canary[CANARY_WORDS];
extern uint64_t *stack_canary;          /* an array in main's frame */
extern uint64_t text_sum;

/* Mappings made by fuzz calls: nothing of ours lives there. */
struct fuzzmap {
    uintptr_t addr;
    size_t len;
};
extern struct fuzzmap fuzzmaps[MAX_FUZZMAPS];
extern int nfuzzmaps;

extern int fds[MAX_FDS];                /* descriptors fuzz calls opened */
extern int nfds;

void reset_scratch(void);               /* map the scratch area afresh, pages touched */
void fill_edge(void);                   /* a string in the edge page, no NUL before its end */
void setup_memory(void);                /* the scratch area, the edge page, the long name */
void fuzzmap_add(uintptr_t addr, size_t len);   /* remember a mapping a fuzz call made */
uint64_t sum_text(void);                /* our text's checksum, up to the read-only data */
void check_own_memory(void);            /* panic if a fuzz call changed memory of ours */
void clean_up(void);                    /* close, unmap, restore the heap: as at the start */

/* ---- results (main.c) ----------------------------------------------------- */

/* Results by number; the last slot counts the numbers above MAX_SYSNO. */
struct sysstat {
    int calls, failed;
};
extern struct sysstat stats[MAX_SYSNO + 2];
extern int ncalls, nfailed, nforks, nodd;

/* ---- the PRNG and the arguments (args.c) ---------------------------------- */

extern uint64_t rng_state;              /* the seed, then the generator's state */

uint64_t rnd(void);                     /* the next number of a xorshift64* generator */
uint64_t rnd_below(uint64_t n);         /* a number in [0, n); n > 0 */
bool one_in(uint64_t n);                /* true one time in n */

#define PICK(set) ((set)[rnd_below(ARRAY_SIZE(set))])

/* What the kernel may do through a pointer argument. */
enum access {
    READ,       /* only read it */
    WRITE,      /* write it, where the mapping allows */
    FORCE,      /* write it even into read-only private memory (memwrite) */
};

uint64_t bad_ptr(void);                 /* an address that is never user memory */
uint64_t edge_ptr(void);                /* the edge page's last bytes: more runs off its end */
uint64_t rnd_ptr(enum access access);   /* what the kernel may do through it harms nothing */
uint64_t rnd_len(void);                 /* a length: small, or a size kernels get wrong */
uint64_t rnd_int(void);                 /* an integer: random, or a value kernels get wrong */
uint64_t rnd_fd(void);                  /* one a fuzz call opened, or an odd number */
uint64_t bad_name(void);                /* a program name exec must refuse */
uint64_t rnd_path(void);                /* a path for open: real files, odd names, bad pointers */
uint64_t rnd_any(void);                 /* anything, as long as it points at nothing of ours */
void rnd_range(uint64_t *addr, uint64_t *len);  /* inside fuzz calls' memory, or refused */

/* ---- one call (call.c) ---------------------------------------------------- */

void fuzz_one(void);                    /* make one random call, account for its result */

/* ---- a failed call changes nothing (checks.c) ----------------------------- */

void check_failed_wait(void);           /* waitpid(bad status) fails; the child stays waitable */
void check_failed_read(void);           /* read(bad buffer) fails, writes nothing, keeps position */
void check_failed_memstat(void);        /* memstat(bad pointer) fails; a good pointer works */
void check_refused_mappings(void);      /* refused mmap/munmap/madvise leave the mapping be */
void check_refused_exec(void);          /* exec(bad name) fails and we are still ourselves */
void check_numbers(void);               /* numbers with high bits set are unknown, not exit */

/* ---- every protection (sweep.c) ------------------------------------------- */

void protection_sweep(void);            /* every protection mapped; nothing may break */

#endif /* !__USER_FUZZ_FUZZ_H__ */
