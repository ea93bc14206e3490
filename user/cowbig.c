#include <defs.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * A fork that only copy-on-write makes possible: the heap holds two
 * thirds of free memory, so copying it would need more pages than
 * are left. The fork must succeed all the same; then parent and child
 * each overwrite the same few pages and must see only their own bytes,
 * while every other page still holds what the parent put there.
 */
#define PGSIZE 4096
#define NWRITE 4            /* pages each side overwrites */
#define PARENT_BYTE 0x3c
#define CHILD_BYTE  0xc3

static char *heap;
static size_t npages;

/* The word the parent stores at the start of page i before forking. */
static size_t stamp(size_t i) {
    return 0xb16b00b5UL + i;
}

static size_t *page_word(size_t i) {
    return (size_t *)(heap + i * PGSIZE);
}

/* The pages both sides overwrite: spread from the first to the last. */
static size_t written_page(int k) {
    return (npages - 1) * (size_t)k / (NWRITE - 1);
}

static bool is_written(size_t i) {
    for (int k = 0; k < NWRITE; k++) {
        if (written_page(k) == i) {
            return true;
        }
    }
    return false;
}

/* Grow the heap to two thirds of free memory and touch every page. */
static void fill_heap(void) {
    struct memstat st;

    assert(memstat(&st) == 0);
    npages = st.free_pages * 2 / 3;
    heap = sbrk((intptr_t)(npages * PGSIZE));
    if (heap == (void *)-1) {
        panic("sbrk of %d pages failed", (int)npages);
    }
    for (size_t i = 0; i < npages; i++) {
        *page_word(i) = stamp(i);
    }
    cprintf("cowbig: heap of %d pages (2/3 of %d free) filled\n", (int)npages,
            (int)st.free_pages);
}

/* Overwrite the chosen pages with byte b, yielding between pages. */
static void write_pages(char b) {
    for (int k = 0; k < NWRITE; k++) {
        memset(heap + written_page(k) * PGSIZE, b, PGSIZE);
        yield();
    }
}

/* Each overwritten page holds only b; every other page its stamp. */
static void check_pages(const char *who, char b) {
    for (size_t i = 0; i < npages; i++) {
        if (!is_written(i)) {
            if (*page_word(i) != stamp(i)) {
                panic("%s: untouched page %d changed", who, (int)i);
            }
            continue;
        }
        for (int j = 0; j < PGSIZE; j++) {
            if (heap[i * PGSIZE + j] != b) {
                panic("%s: page %d byte %d is 0x%x, want 0x%x", who, (int)i, j,
                      heap[i * PGSIZE + j] & 0xff, b & 0xff);
            }
        }
    }
    cprintf("cowbig: %s sees only its own writes\n", who);
}

int main(void) {
    struct memstat before, after;
    int pid, code = -1;

    fill_heap();
    assert(memstat(&before) == 0);
    assert(before.cow_enabled);
    pid = fork();
    if (pid == 0) {
        write_pages((char)CHILD_BYTE);
        check_pages("child", (char)CHILD_BYTE);
        exit(0);
    }
    if (pid < 0) {
        panic("fork of a %d-page heap failed: %e", (int)npages, pid);
    }
    assert(memstat(&after) == 0);
    if (after.cow_mode == 2) {      /* cow=pt: fork shares whole leaf tables, 512 pages each */
        int tables = (int)(after.fork_tables - before.fork_tables);
        cprintf("cowbig: fork ok, %d leaf tables shared\n", tables);
        assert(tables * 512 >= (int)npages);
    } else {
        cprintf("cowbig: fork ok, %d pages shared\n", (int)(after.fork_shared - before.fork_shared));
        assert(after.fork_shared - before.fork_shared >= npages);
    }

    write_pages((char)PARENT_BYTE);
    check_pages("parent", (char)PARENT_BYTE);
    if (waitpid(pid, &code) != 0 || code != 0) {
        panic("the child failed (code %d)", code);
    }
    check_pages("parent", (char)PARENT_BYTE);
    cprintf("cowbig pass.\n");
    return 0;
}
