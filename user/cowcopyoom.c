#include <defs.h>
#include <error.h>
#include <stdio.h>
#include <ulib.h>

/*
 * The kernel's store into a shared page when no page is left to copy
 * it to. The parent's heap word slot is shared with child X, which
 * then takes every free page; thread B ends with B_CODE. waitpid(B,
 * slot) must fail with -E_NO_MEM and change nothing (slot keeps its
 * value, B stays waitable), and the parent must live on. Once X is
 * killed and its pages are back, the same waitpid must succeed.
 *
 * B is a thread, not a child process, because its end must not free a
 * page whenever it comes. A child's exit frees its page tables, and on
 * another hart that may come while X fills memory: X, which sized its
 * heap by the pages free when it began, then ran past the heap's end and
 * was killed (1 of 24 boots on four harts), or it may come after X is
 * done and hand the copy-out a page. A thread's exit frees nothing of
 * the address space, and B has touched all it touches before X is forked.
 */
#define PGSIZE     4096
#define PT_SPAN    (512 * PGSIZE)   /* the memory one page-table page maps */
#define OLD_VALUE  0x0defaced
#define B_CODE     0x42
#define SPARE_DEPTH 100             /* pages below our stack pointer */
#define HEAD_START 10               /* yields: let the parent run first */
#define WAIT_MSEC  10000            /* B must have run, X taken all memory, by then */

static size_t free_pages(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.free_pages;
}

/*
 * Touch new pages until no page is free. The last free page cannot
 * go to a heap page that also needs a new page table: touch a spare
 * stack page instead, whose page table is already there.
 */
static void take_all_memory(void) {
    char *heap = sbrk((intptr_t)(free_pages() * PGSIZE)), here;
    size_t n = 0;

    assert(heap != (void *)-1);
    while (free_pages() > 0) {
        char *page = heap + n * PGSIZE;
        if (free_pages() == 1 && (uintptr_t)page % PT_SPAN == 0) {
            page = (char *)ROUNDDOWN((uintptr_t)&here, PGSIZE) - SPARE_DEPTH * PGSIZE;
        }
        *(volatile char *)page = 1;
        n++;
    }
}

/*
 * Child X: hold all memory until the parent kills it. It starts late,
 * so that the parent's own stores after fork (to its stack) have been
 * given their copies while memory was still there.
 */
static void __noreturn child_x(void) {
    for (int i = 0; i < HEAD_START; i++) {
        yield();
    }
    take_all_memory();
    for (;;) {
        yield();
    }
}

/* Yield until done() holds; false if it still does not after WAIT_MSEC. */
static bool wait_until(bool (*done)(void)) {
    unsigned int start = gettime_msec();

    while (!done()) {
        if (gettime_msec() - start > WAIT_MSEC) {
            return false;
        }
        yield();
    }
    return true;
}

static volatile int b_started;

static bool b_has_run(void) {
    return b_started;
}

/* Thread B: say we run (before X is forked), then end with B_CODE. */
static int thread_b(void *arg) {
    (void)arg;
    b_started = 1;
    return B_CODE;
}

/* Start thread B and wait until it has run: it stores nothing after that. */
static int start_b(void) {
    int tid = thread_create(thread_b, NULL);

    if (tid < 0) {
        panic("thread_create failed: %e", tid);
    }
    if (!wait_until(b_has_run)) {
        panic("thread B did not run in %d ms", WAIT_MSEC);
    }
    return tid;
}

static bool cow_on(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.cow_enabled;
}

/* Kill child X and reap it: its pages come back. */
static void release_x(int pid_x) {
    int code = 0;

    assert(kill(pid_x) == 0);
    if (waitpid(pid_x, &code) != 0 || code != -E_KILLED) {
        panic("child X: waitpid failed or code %d", code);
    }
}

static bool memory_is_full(void) {
    return free_pages() == 0;
}

/* Wait until child X holds every free page; panic if it never does. */
static void wait_for_x(int pid_x) {
    if (!wait_until(memory_is_full)) {
        kill(pid_x);
        panic("child X did not take all memory in %d ms", WAIT_MSEC);
    }
    cprintf("cowcopyoom: child X holds every free page\n");
}

static int fork_or_die(void) {
    int pid = fork();
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    return pid;
}

int main(void) {
    volatile int *slot = sbrk(PGSIZE);
    int pid_x, pid_b, ret, seen;

    assert(slot != (void *)-1);
    *slot = OLD_VALUE;
    if (!cow_on()) {
        panic("this test needs copy-on-write fork (do not boot with cow=off)");
    }
    pid_b = start_b();
    if ((pid_x = fork_or_die()) == 0) {
        child_x();
    }
    wait_for_x(pid_x);

    ret = waitpid(pid_b, (int *)slot);
    seen = *slot;
    cprintf("cowcopyoom: waitpid into the shared page: %e\n", ret);
    release_x(pid_x);       /* before checking: X must not keep all memory */
    assert(ret == -E_NO_MEM && seen == OLD_VALUE);

    ret = waitpid(pid_b, (int *)slot);
    cprintf("cowcopyoom: after X died, waitpid stored 0x%x\n", *slot);
    assert(ret == 0 && *slot == B_CODE);
    cprintf("cowcopyoom pass.\n");
    return 0;
}
