#include <defs.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * Three processes share the same heap pages: the parent and two
 * children it forks. Each writes its own bytes into every page, one
 * slice a round, yielding after each page so the three interleave.
 * After every round each process checks every byte of every page: its
 * own slices so far, the parent's original bytes everywhere else.
 * With copy-on-write the first two writers of a page copy it and the
 * last one reuses it.
 */
#define PGSIZE  4096
#define NPAGES  4
#define NROUNDS 8
#define SLICE   (PGSIZE / NROUNDS)
#define ORIGINAL 0x11

static char *heap;

/* The byte process who (0 parent, 1 and 2 the children) writes in round r. */
static char tag(int who, int r) {
    return (char)(0x40 * (who + 1) + r);
}

/* The byte that page p offset off must hold after rounds 0..done-1. */
static char expected(int who, int done, int off) {
    int r = off / SLICE;
    return r < done ? tag(who, r) : (char)ORIGINAL;
}

/* Panic unless every byte of every page is what expected() says. */
static void check_pages(int who, int done) {
    for (int p = 0; p < NPAGES; p++) {
        for (int off = 0; off < PGSIZE; off++) {
            char got = heap[p * PGSIZE + off], want = expected(who, done, off);
            if (got != want) {
                panic("process %d after %d rounds: page %d byte %d is 0x%x, want 0x%x", who,
                      done, p, off, got & 0xff, want & 0xff);
            }
        }
    }
}

/* Write round r's slice of every page, yielding after each, then check all. */
static void write_rounds(int who) {
    for (int r = 0; r < NROUNDS; r++) {
        for (int p = 0; p < NPAGES; p++) {
            memset(heap + p * PGSIZE + r * SLICE, tag(who, r), SLICE);
            yield();
        }
        check_pages(who, r + 1);
    }
    cprintf("cowthree: process %d saw only its own writes\n", who);
}

/* Fork child who, which writes its rounds and exits; returns its pid. */
static int fork_writer(int who) {
    int pid = fork();
    if (pid == 0) {
        check_pages(who, 0);
        write_rounds(who);
        exit(0);
    }
    if (pid < 0) {
        panic("fork of child %d failed: %e", who, pid);
    }
    return pid;
}

int main(void) {
    struct memstat before, after;
    int pids[2], code;

    heap = sbrk(NPAGES * PGSIZE);
    assert(heap != (void *)-1);
    memset(heap, ORIGINAL, NPAGES * PGSIZE);
    assert(memstat(&before) == 0);

    pids[0] = fork_writer(1);
    pids[1] = fork_writer(2);
    write_rounds(0);
    for (int i = 0; i < 2; i++) {
        code = -1;
        if (waitpid(pids[i], &code) != 0 || code != 0) {
            panic("child %d failed (code %d)", i + 1, code);
        }
    }
    check_pages(0, NROUNDS);

    assert(memstat(&after) == 0);
    cprintf("cowthree: copy-on-write %s: %d copies, %d reuses\n",
            after.cow_enabled ? "on" : "off", (int)(after.cow_copies - before.cow_copies),
            (int)(after.cow_reuses - before.cow_reuses));
    if (after.cow_enabled) {
        /*
         * The heap alone: per page, two copies, and the last writer keeps
         * the page. With cow=on it faults to reuse it. With cow=pt it may
         * not fault at all: when it takes back a leaf table that nobody
         * else shares any more, a page only it holds stays writable (the
         * order that gives this shows on more than one hart).
         */
        assert(after.cow_copies - before.cow_copies >= 2 * NPAGES);
        assert(after.cow_mode == 2 || after.cow_reuses - before.cow_reuses >= NPAGES);
    }
    cprintf("cowthree pass.\n");
    return 0;
}
