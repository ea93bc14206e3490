#include <stdio.h>
#include <ulib.h>

/*
 * Reading memory that was never written allocates no page: every such
 * page reads as the shared zero page, mapped read-only. The first write
 * to a page gives it a page of its own, and only it; a child forked in
 * between shares the zero page too and gets its own page on its write.
 * memstat's free pages show it. Page tables are still needed: one leaf
 * table per 2 MiB read.
 */

#define PGSIZE 4096
#define NPAGES 10000        /* boot argument pages=N changes it */
#define TABLE_SPAN (512 * PGSIZE)

static size_t free_pages(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.free_pages;
}

int main(void) {
    int npages = bootarg_long("pages", NPAGES);
    char *heap = sbrk(npages * PGSIZE);
    assert(heap != (void *)-1);
    uintptr_t lo = (uintptr_t)heap, hi = lo + npages * PGSIZE;
    int tables = (int)((hi - 1) / TABLE_SPAN - lo / TABLE_SPAN + 1);

    size_t before = free_pages();
    unsigned sum = 0;
    for (int i = 0; i < npages; i++) {
        sum += (unsigned char)heap[i * PGSIZE + (i % PGSIZE)];
    }
    int used = (int)(before - free_pages());
    cprintf("zeroread: read %d untouched heap pages (sum %d): %d pages allocated, "
            "all page tables (the heap spans %d leaf tables)\n", npages, sum, used, tables);
    assert(sum == 0 && used <= tables + 1);

    before = free_pages();
    heap[5 * PGSIZE] = 1;
    cprintf("zeroread: one write allocated %d page\n", (int)(before - free_pages()));
    assert(before - free_pages() == 1 && heap[6 * PGSIZE] == 0 && heap[5 * PGSIZE] == 1);

    int code, pid = fork();
    if (pid == 0) {
        size_t at = free_pages();
        heap[7 * PGSIZE] = 2;
        exit(heap[7 * PGSIZE] == 2 && heap[5 * PGSIZE] == 1 && at - free_pages() == 1 ? 0 : 1);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == 0);
    assert(heap[7 * PGSIZE] == 0);
    cprintf("zeroread: a child's write to a zero page stayed its own\n");
    pid = fork();                   /* a child that touches nothing of the heap */
    if (pid == 0) {
        exit(0);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == 0);
    cprintf("zeroread pass.\n");
    return 0;
}
