#include <pmm.h>
#include <spinlock.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>
#include <error.h>

/*
 * Fault injection for testing the out-of-memory paths (boot argument
 * failalloc=): failalloc=N fails the Nth allocation, failalloc=every:K
 * every Kth, failalloc=rand:SEED:PCT a seeded PCT percent of them.
 * Counting starts when a user program is started (failalloc_arm), so the
 * boot self-checks are not affected, and ends when it is over
 * (failalloc_disarm): each program of a prog= list counts from its own
 * start, and neither the boot's count nor a failalloc() call that a
 * program left armed can reach init's making of the next one.
 */
struct injection {
    enum { FAIL_NONE, FAIL_NTH, FAIL_EVERY, FAIL_RANDOM } mode;
    uint64_t n, seed, pct;
    uint64_t count;         /* allocations seen since armed */
    uint64_t failed;        /* allocations failed on purpose */
};
static struct injection inject;     /* now (the failalloc system call changes it) */
static struct injection asked;      /* as failalloc= asked, from each program's start */
static struct lock_class failalloc_class = LOCK_CLASS("failalloc");
static spinlock_t failalloc_lock = SPINLOCK_INIT(&failalloc_class);    /* guards inject */

/*
 * Counting: allocations go through failalloc_hit (atomic: read without
 * the lock, so that an idle failalloc costs one load).
 */
bool failalloc_armed;

/* Read failalloc= (see above); a malformed value is reported and ignored. */
void failalloc_init(void) {
    const char *v = bootarg("failalloc");
    char *end;
    if (v == NULL) {
        return;
    }
    if (strncmp(v, "every:", 6) == 0) {
        inject.mode = FAIL_EVERY;
        inject.n = strtol(v + 6, &end, 10);
    } else if (strncmp(v, "rand:", 5) == 0) {
        inject.mode = FAIL_RANDOM;
        inject.seed = strtol(v + 5, &end, 10);
        inject.pct = *end == ':' ? strtol(end + 1, &end, 10) : 0;
    } else {
        inject.mode = FAIL_NTH;
        inject.n = strtol(v, &end, 10);
    }
    if (*end != '\0' || (inject.mode != FAIL_RANDOM && inject.n == 0) || inject.pct > 100) {
        cprintf("failalloc: cannot parse \"%s\"; no faults injected\n", v);
        inject.mode = FAIL_NONE;
        return;
    }
    cprintf("failalloc: injecting allocation failures (%s)\n", v);
    asked = inject;
}

/* A program starts: count its allocations for failalloc=, from 0. */
void failalloc_arm(void) {
    spin_lock(&failalloc_lock);
    inject = asked;
    __atomic_store_n(&failalloc_armed, inject.mode != FAIL_NONE, __ATOMIC_RELAXED);
    spin_unlock(&failalloc_lock);
}

/* The program is over: nothing fails on purpose until the next failalloc_arm. */
void failalloc_disarm(void) {
    __atomic_store_n(&failalloc_armed, false, __ATOMIC_RELAXED);
}

/* Print what was counted and failed since failalloc_arm, if anything was. */
void failalloc_report(void) {
    if (inject.count > 0) {
        cprintf("failalloc: %d page allocations counted\n", (int)inject.count);
    }
    if (inject.failed > 0) {
        cprintf("failalloc: %d allocations failed on purpose\n", (int)inject.failed);
    }
}

/*
 * The failalloc system call: make the nth page allocation from now
 * fail, once (n = 0 disarms). A test arms it just before the call whose
 * failure path it checks, so the count does not depend on everything
 * the program and the kernel allocated before. 0, or -E_INVAL.
 */
int do_failalloc(long n) {
    if (n < 0) {
        return -E_INVAL;
    }
    spin_lock(&failalloc_lock);
    inject.mode = n > 0 ? FAIL_NTH : FAIL_NONE;
    inject.n = inject.count + n;
    __atomic_store_n(&failalloc_armed, n > 0, __ATOMIC_RELAXED);
    spin_unlock(&failalloc_lock);
    return 0;
}

/*
 * Count one allocation; should it fail on purpose? (With several harts
 * allocating at once, which of them gets the Nth is up to the race: a
 * failalloc=N boot is exact for a program that allocates from one
 * thread at a time, as the sweeps of make stress do on one hart.)
 */
bool failalloc_hit(void) {
    spin_lock(&failalloc_lock);
    inject.count++;
    bool fail;
    switch (inject.mode) {
    case FAIL_NTH:
        fail = inject.count == inject.n;
        break;
    case FAIL_EVERY:
        fail = inject.count % inject.n == 0;
        break;
    default:        /* a 64-bit linear congruential generator, seeded */
        inject.seed = inject.seed * 6364136223846793005ULL + 1442695040888963407ULL;
        fail = (inject.seed >> 33) % 100 < inject.pct;
        break;
    }
    inject.failed += fail;
    spin_unlock(&failalloc_lock);
    return fail;
}

