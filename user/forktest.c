#include <stdio.h>
#include <ulib.h>

/*
 * fork NCHILD children that each print a line and exit; the parent
 * must reap exactly NCHILD of them with wait(), then wait() must fail.
 *
 * Before forking, the parent fills DATA_PAGES pages of heap, as a real
 * program would hold data. Each child reads a word of every page (and
 * must see the parent's values) but writes none, so with copy-on-write
 * the children share all of it; the memstat summary at the end shows
 * how many pages the forks really cost.
 *
 * Right after each fork the parent stores the number of forks done; a
 * child that sees that store saw its parent's memory change after fork.
 */
#define NCHILD 32
#define DATA_PAGES 128
#define PGSIZE 4096

static unsigned int *data;
static volatile int forks_done;     /* the parent's store right after each fork */
static volatile int parent;         /* our pid: a child that finds itself in our loop says so */

/* The value the parent stored in the first word of page i. */
static unsigned int stamp(int i) {
    return 0x5eed0000u + (unsigned int)i;
}

static void fill_data(void) {
    data = sbrk(DATA_PAGES * PGSIZE);
    if (data == (void *)-1) {
        panic("sbrk of %d pages failed", DATA_PAGES);
    }
    for (int i = 0; i < DATA_PAGES; i++) {
        data[i * (PGSIZE / sizeof(unsigned int))] = stamp(i);
    }
}

/* A child's check: every page still holds the parent's value, and after
 * 2 ms the parent's store made after the fork has not reached us. */
static void check_data(int n) {
    for (int i = 0; i < DATA_PAGES; i++) {
        if (data[i * (PGSIZE / sizeof(unsigned int))] != stamp(i)) {
            panic("child %d sees page %d changed", n, i);
        }
    }
    for (unsigned int start = gettime_msec(); gettime_msec() - start < 2;) {
    }
    if (forks_done != n) {
        panic("child %d saw its parent's store made after fork (%d, want %d): its memory changed "
              "after fork (a shared page left writable, or no TLB flush at fork)", n, forks_done, n);
    }
}

int main(void) {
    int n, pid, ret;
    struct memstat before, after;

    fill_data();
    forks_done = 0;                     /* a page of our own, before the first fork */
    parent = getpid();
    if (memstat(&before) != 0) {
        panic("memstat failed");
    }
    for (n = 0; n < NCHILD; n++) {
        pid = fork();
        if (pid == 0) {
            check_data(n);
            cprintf("I am child %d\n", n);
            exit(0);
        }
        if (pid < 0) {
            panic("fork of child %d failed: %e", n, pid);
        }
        forks_done = n + 1;
    }

    if (getpid() != parent) {
        panic("pid %d took its parent's path after fork (the parent is pid %d): its memory changed "
              "after fork (a shared page left writable, or no TLB flush at fork)", getpid(), parent);
    }
    for (n = 0; n < NCHILD; n++) {
        if ((ret = wait()) != 0) {
            panic("wait returned %e with %d of %d children still to reap: a child left this "
                  "process's list of children, or our memory changed after fork", ret, NCHILD - n,
                  NCHILD);
        }
    }
    if ((ret = wait()) == 0) {
        panic("wait returned 0 with no children left");
    }

    if (memstat(&after) != 0) {
        panic("memstat failed");
    }
    cprintf("fork summary (copy-on-write %s): %d pages shared and %d copied at fork,\n",
            after.cow_enabled ? "on" : "off", (int)(after.fork_shared - before.fork_shared),
            (int)(after.fork_copied - before.fork_copied));
    cprintf("  %d COW faults: %d copies, %d reuses\n", (int)(after.cow_faults - before.cow_faults),
            (int)(after.cow_copies - before.cow_copies), (int)(after.cow_reuses - before.cow_reuses));
    if (bootarg_has("cow=off") && after.cow_enabled) {
        panic("booted with cow=off, yet copy-on-write is on: cow_init must keep cow=off eager");
    }
    cprintf("pages allocated by forktest: %d\n",
            (int)(after.pages_allocated - before.pages_allocated));
    if (after.free_pages != before.free_pages) {
        panic("free pages %d before forking, %d after", (int)before.free_pages,
              (int)after.free_pages);
    }
    cprintf("forktest pass.\n");
    return 0;
}
