#include <defs.h>
#include <stdio.h>
#include <ulib.h>

/*
 * Many fork / write / exit / wait cycles must not leak a single page.
 * In each cycle the child checks the parent's heap, overwrites a few
 * pages and exits with a code naming the cycle; the parent writes one
 * page of its own meanwhile, reaps the child and checks that none of
 * the child's writes reached it. Free pages must be exactly the same
 * after NCYCLES cycles as before them.
 */
#define PGSIZE  4096
#define NPAGES  8
#define NWRITE  3       /* pages the child overwrites */
#define NCYCLES 300
#define WORDS_PER_PAGE (PGSIZE / sizeof(size_t))

static size_t *heap;

/* The word each word of page i holds in the parent during cycle c. */
static size_t parent_word(int i, int c) {
    return i == 0 ? 0xc1c1e000UL + (size_t)c : 0xfeed0000UL + (size_t)i;
}

static void fill_page(int i, size_t value) {
    for (size_t j = 0; j < WORDS_PER_PAGE; j++) {
        heap[i * WORDS_PER_PAGE + j] = value;
    }
}

/* Panic unless every word of page i is value. */
static void check_page(const char *who, int i, size_t value) {
    for (size_t j = 0; j < WORDS_PER_PAGE; j++) {
        if (heap[i * WORDS_PER_PAGE + j] != value) {
            panic("%s: page %d word %d is 0x%lx, want 0x%lx", who, i, (int)j,
                  heap[i * WORDS_PER_PAGE + j], value);
        }
    }
}

/* Child of cycle c: sees the parent's pages, writes its own, exits. */
static void __noreturn child(int c) {
    for (int i = 0; i < NPAGES; i++) {
        check_page("child", i, parent_word(i, c));
    }
    for (int i = 0; i < NWRITE; i++) {
        fill_page(NPAGES - 1 - i, (size_t)c);
        check_page("child", NPAGES - 1 - i, (size_t)c);
    }
    exit(c % 256);
}

/* One cycle: fork, write page 0 for the next cycle, reap, check. */
static void cycle(int c) {
    int pid = fork(), code = -1;

    if (pid == 0) {
        child(c);
    }
    if (pid < 0) {
        panic("cycle %d: fork failed: %e", c, pid);
    }
    fill_page(0, parent_word(0, c + 1));
    if (waitpid(pid, &code) != 0 || code != c % 256) {
        panic("cycle %d: the child failed (code %d)", c, code);
    }
    for (int i = 0; i < NPAGES; i++) {
        check_page("parent", i, parent_word(i, c + 1));
    }
}

static size_t free_pages(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.free_pages;
}

int main(void) {
    size_t before, after;

    heap = sbrk(NPAGES * PGSIZE);
    assert(heap != (void *)-1);
    for (int i = 0; i < NPAGES; i++) {
        fill_page(i, parent_word(i, 0));
    }
    cycle(0);   /* warm-up: the kernel and our stack reach their steady state */
    before = free_pages();
    for (int c = 1; c <= NCYCLES; c++) {
        cycle(c);
    }
    after = free_pages();
    cprintf("cowcycles: %d cycles, %d free pages before, %d after\n", NCYCLES, (int)before,
            (int)after);
    assert(after == before);
    cprintf("cowcycles pass.\n");
    return 0;
}
