#include <defs.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * When the other sharer of a COW page is gone, a store must reuse the
 * page in place, not copy it. The parent writes a heap page and forks;
 * the child exits without writing it; after reaping the child, the
 * parent is the page's only holder, so its next store to it must count
 * one reuse and no copy. The child saw the parent's bytes, and the
 * parent's page keeps them apart from the byte it now changes.
 * Under cow=pt the page's leaf table is shared instead, the child's read
 * copies the table, and the parent, its last holder, takes the table
 * back with the page still writable: the store faults not at all.
 */
#define PGSIZE 4096
#define BEFORE_FORK 0x7e
#define AFTER_WAIT  0x42

/* Panic unless page[0] is first and every other byte is BEFORE_FORK. */
static void check_page(const char *who, const char *page, char first) {
    if (page[0] != first) {
        panic("%s: byte 0 is 0x%x, want 0x%x", who, page[0] & 0xff, first & 0xff);
    }
    for (int j = 1; j < PGSIZE; j++) {
        if (page[j] != BEFORE_FORK) {
            panic("%s: byte %d is 0x%x, want 0x%x", who, j, page[j] & 0xff, BEFORE_FORK);
        }
    }
}

/* Fork a child that only reads the page, and reap it. */
static void fork_reader(const char *page) {
    int pid, code = -1;

    pid = fork();
    if (pid == 0) {
        check_page("child", page, BEFORE_FORK);
        exit(0);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    if (waitpid(pid, &code) != 0 || code != 0) {
        panic("the child failed (code %d)", code);
    }
    cprintf("cowreuse: the child read the page and exited\n");
}

int main(void) {
    struct memstat before, after;
    char *page = sbrk(PGSIZE);

    assert(page != (void *)-1);
    memset(page, BEFORE_FORK, PGSIZE);
    fork_reader(page);

    /* our stack is private again before we measure (stores to it may fault) */
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    assert(memstat(&before) == 0);
    page[0] = AFTER_WAIT;
    assert(memstat(&after) == 0);
    check_page("parent", page, AFTER_WAIT);

    cprintf("cowreuse: copy-on-write %s; the store after the wait made %d copies, %d reuses\n",
            after.cow_enabled ? "on" : "off", (int)(after.cow_copies - before.cow_copies),
            (int)(after.cow_reuses - before.cow_reuses));
    if (after.cow_enabled) {
        assert(after.cow_reuses == before.cow_reuses + (after.cow_mode == 2 ? 0 : 1));
        assert(after.cow_copies == before.cow_copies);
    }
    cprintf("cowreuse pass.\n");
    return 0;
}
