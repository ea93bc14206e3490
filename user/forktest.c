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
 */
#define NCHILD 32
#define DATA_PAGES 128
#define PGSIZE 4096

static unsigned int *data;

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

/* A child's check: every page still holds the parent's value. */
static void check_data(int n) {
    for (int i = 0; i < DATA_PAGES; i++) {
        if (data[i * (PGSIZE / sizeof(unsigned int))] != stamp(i)) {
            panic("child %d sees page %d changed", n, i);
        }
    }
}

int main(void) {
    int n, pid, ret;
    struct memstat before, after;

    fill_data();
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
    }

    for (n = 0; n < NCHILD; n++) {
        if ((ret = wait()) != 0) {
            panic("wait for child %d of %d returned %d", n, NCHILD, ret);
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
    cprintf("pages allocated by forktest: %d\n",
            (int)(after.pages_allocated - before.pages_allocated));
    if (after.free_pages != before.free_pages) {
        panic("free pages %d before forking, %d after", (int)before.free_pages,
              (int)after.free_pages);
    }
    cprintf("forktest pass.\n");
    return 0;
}
