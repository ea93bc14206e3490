#include <stdio.h>
#include <ulib.h>

/*
 * Copy-on-write from every hart at once. Worker threads each, round
 * after round: map anonymous memory and fill it, fork a child that
 * rewrites half of it and checks all of it, rewrite the other half
 * meanwhile, throw half away with madvise, unmap it all. Every worker
 * also keeps its own slot of one page that all of them store into, so
 * that after each fork several harts fault on the same COW page at
 * once. Whatever the kernel lets fail (out of memory, with failalloc=),
 * nobody may ever see a wrong byte, and the kernel's audit at exit
 * checks every reference count.
 */

#define PGSIZE 4096
#define WORKERS 4
#define ROUNDS 25
#define PAGES 16

static volatile int slots[WORKERS];     /* one page, stored into by every worker */
static volatile unsigned long harts;    /* every hart a worker ran on (bit i: hart i) */
static volatile int forks, failures, wrong;

static void note_hart(void) {
    __atomic_fetch_or(&harts, 1UL << getcpu(), __ATOMIC_RELAXED);
}

/* Byte `i` of round `r` of worker `id`, after `gen` rewrites. */
static char pattern(int id, int r, int i, int gen) {
    return (char)(id * 31 + r * 7 + i + gen);
}

static bool check(const char *p, int from, int to, int id, int r, int gen) {
    for (int i = from; i < to; i++) {
        if (p[i * PGSIZE] != pattern(id, r, i, gen)) {
            return false;
        }
    }
    return true;
}

static void rewrite(char *p, int from, int to, int id, int r, int gen) {
    for (int i = from; i < to; i++) {
        p[i * PGSIZE] = pattern(id, r, i, gen);
    }
}

/* The child of round r: its half changes, the parent's stays as it was at fork. */
static void __noreturn child(char *p, int id, int r) {
    rewrite(p, 0, PAGES / 2, id, r, 1);
    bool ok = check(p, 0, PAGES / 2, id, r, 1) && check(p, PAGES / 2, PAGES, id, r, 0);
    exit(ok ? 0 : 1);
}

static void round(int id, int r) {
    char *p = mmap(NULL, PAGES * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED) {
        __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
        return;
    }
    rewrite(p, 0, PAGES, id, r, 0);
    int pid = fork(), code;
    if (pid == 0) {
        child(p, id, r);
    }
    rewrite(p, PAGES / 2, PAGES, id, r, 2);
    slots[id]++;
    if (pid > 0) {
        __atomic_fetch_add(&forks, 1, __ATOMIC_RELAXED);
        if (waitpid(pid, &code) != 0 || code != 0) {
            __atomic_fetch_add(code == 1 ? &wrong : &failures, 1, __ATOMIC_RELAXED);
        }
    } else {
        __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
    }
    if (!check(p, 0, PAGES / 2, id, r, 0) || !check(p, PAGES / 2, PAGES, id, r, 2)) {
        __atomic_fetch_add(&wrong, 1, __ATOMIC_RELAXED);
    }
    if (madvise(p, PAGES / 2 * PGSIZE, MADV_DONTNEED) == 0 && p[0] != 0) {
        __atomic_fetch_add(&wrong, 1, __ATOMIC_RELAXED);
    }
    munmap(p, PAGES * PGSIZE);
}

static int worker(void *arg) {
    int id = (int)(long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        note_hart();
        round(id, r);
        if (slots[id] != r + 1) {
            __atomic_fetch_add(&wrong, 1, __ATOMIC_RELAXED);
        }
    }
    return 0;
}

int main(void) {
    int tids[WORKERS], code;
    struct memstat before, after;
    assert(memstat(&before) == 0);
    for (int i = 0; i < WORKERS; i++) {
        tids[i] = thread_create(worker, (void *)(long)i);
        if (tids[i] < 0) {
            cprintf("smpstress: thread_create failed: %e\n", tids[i]);
            return 1;
        }
    }
    for (int i = 0; i < WORKERS; i++) {
        assert(waitpid(tids[i], &code) == 0 && code == 0);
    }
    int nharts = 0;
    for (unsigned long m = harts; m != 0; m &= m - 1) {
        nharts++;
    }
    assert(memstat(&after) == 0);
    cprintf("smpstress: %d workers on %d hart%s, %d rounds each: %d forks, %d calls failed, "
            "%d wrong bytes seen, %d remote TLB flushes\n", WORKERS, nharts,
            nharts == 1 ? "" : "s", ROUNDS, forks, failures, wrong,
            (int)(after.tlb_shootdowns - before.tlb_shootdowns));
    if (wrong != 0) {
        cprintf("smpstress: FAIL\n");
        return 1;
    }
    cprintf("smpstress pass.\n");
    return 0;
}
