#include <defs.h>
#include <error.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * The heap: sbrk grows it by NPAGES pages that must hold what we
 * write (also in a forked child), shrinks it back so the pages are
 * really gone, grows it again into zeroed pages, and refuses requests
 * that are too big or that would cut into the program's own data.
 */
#define PGSIZE  4096
#define NPAGES  64
#define HEAP_BYTES (NPAGES * PGSIZE)
#define HUGE    ((intptr_t)1 << 40)     /* more than all of Sv39 user space */

/* The byte page i of the heap is filled with (never 0). */
static char pattern(int i) {
    return (char)(i + 1);
}

/* Panic unless sbrk(0) is want. */
static void check_break(const char *when, char *want) {
    char *now = sbrk(0);

    if (now != want) {
        panic("%s: the break is %p, want %p", when, now, want);
    }
}

/* Panic unless every byte of page i at base has its pattern. */
static void check_page(char *base, int i) {
    char *page = base + i * PGSIZE;

    for (int j = 0; j < PGSIZE; j++) {
        if (page[j] != pattern(i)) {
            panic("heap page %d byte %d is 0x%x, want 0x%x",
                  i, j, page[j] & 0xff, pattern(i) & 0xff);
        }
    }
}

/* A forked child must see the parent's heap; its own writes stay its own. */
static void check_heap_after_fork(char *base) {
    int pid, code = -1;

    pid = fork();
    if (pid == 0) {
        for (int i = 0; i < NPAGES; i++) {
            check_page(base, i);
            base[i * PGSIZE] = 0;
        }
        exit(0);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    if (waitpid(pid, &code) != 0 || code != 0) {
        panic("the child could not read the heap (code %d)", code);
    }
    for (int i = 0; i < NPAGES; i++) {
        check_page(base, i);
    }
    cprintf("sbrk: a forked child read the heap; its writes did not leak back\n");
}

/* A child that stores to addr must be killed; panic if it survives. */
static void check_unmapped(char *addr) {
    int pid, code = 0;

    pid = fork();
    if (pid == 0) {
        *(volatile char *)addr = 1;
        exit(0);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    if (waitpid(pid, &code) != 0 || code != -E_KILLED) {
        panic("a store to freed heap at %p was not stopped (code %d)", addr, code);
    }
    cprintf("sbrk: a store to the freed heap at %p was killed\n", addr);
}

int main(void) {
    char *base = sbrk(0), *old, *first_page;

    cprintf("sbrk: the heap starts at %p\n", base);
    if (base == (char *)-1) {
        panic("sbrk(0) failed");
    }

    old = sbrk(HEAP_BYTES);
    if (old != base) {
        panic("sbrk(%d) returned %p, want %p", HEAP_BYTES, old, base);
    }
    check_break("after growing", base + HEAP_BYTES);
    for (int i = 0; i < NPAGES; i++) {
        memset(base + i * PGSIZE, pattern(i), PGSIZE);
    }
    for (int i = 0; i < NPAGES; i++) {
        check_page(base, i);
    }
    cprintf("sbrk: grew the heap by %d pages, wrote and read back each\n", NPAGES);

    check_heap_after_fork(base);

    old = sbrk(-HEAP_BYTES);
    if (old != base + HEAP_BYTES) {
        panic("sbrk(-%d) returned %p, want %p", HEAP_BYTES, old, base + HEAP_BYTES);
    }
    check_break("after shrinking", base);
    first_page = ROUNDUP(base, PGSIZE);     /* first page wholly above the break */
    check_unmapped(first_page);

    if (sbrk(PGSIZE) != base) {
        panic("growing the heap again failed");
    }
    for (int j = 0; j < (int)(base + PGSIZE - first_page); j++) {
        if (first_page[j] != 0) {
            panic("a regrown heap page holds old data at %p", first_page + j);
        }
    }
    sbrk(-PGSIZE);
    check_break("after regrowing and shrinking", base);
    cprintf("sbrk: regrown heap memory reads as zeros\n");

    if (sbrk(HUGE) != (void *)-1) {
        panic("sbrk(0x%lx) succeeded", (unsigned long)HUGE);
    }
    check_break("after a huge request", base);
    if (sbrk(-PGSIZE) != (void *)-1) {
        panic("sbrk let the heap shrink below its start");
    }
    check_break("after shrinking below the start", base);
    cprintf("sbrk: huge and below-start requests were refused\n");

    cprintf("sbrk pass.\n");
    return 0;
}
