/* The fuzzer's run: the seed, NCALLS random calls, their statistics, then the checks. */
#include <defs.h>
#include <stdio.h>
#include <syscall.h>
#include <ulib.h>
#include <unistd.h>

#include "fuzz.h"

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

/* ---- the run --------------------------------------------------------------- */

/* Results by number; the last slot counts the numbers above MAX_SYSNO. */
struct sysstat stats[MAX_SYSNO + 2];
int ncalls, nfailed, nforks, nodd;

/* The name of system call num, or NULL if the statistics lump it with the others. */
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

/* One line per named system call, then one for all the others: calls and failures. */
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

/* Fuzz, check our memory, then the targeted checks and the sweep; panic on any failure. */
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
