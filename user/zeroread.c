#include <error.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * Reading memory that was never written allocates nothing. A page reads
 * as the shared zero page, mapped read-only; a 2 MiB region that one
 * writable anonymous area covers whole reads through the zero table (one
 * leaf table, shared by everyone, all of whose entries map the zero
 * page), so it needs no leaf table of its own either. The first write
 * into such a region gives it a table of its own and gives the page a
 * page of its own, and only that. The same holds for the kernel's writes
 * (read() into the region), for forced writes (memwrite), for a child
 * forked in between, and an unmapped page of the region is gone for real.
 * memstat's free pages show each step.
 */

#define PGSIZE 4096
#define NPAGES 10000        /* boot argument pages=N changes it */
#define TABLE_SPAN (512 * PGSIZE)
#define PATH "/etc/motd"

static size_t free_pages(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.free_pages;
}

/* Does [p, p + n) read as zeros? */
static bool zeros(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return false;
        }
    }
    return true;
}

/* The first 2 MiB region inside [lo, hi) whole, at or after `from`, or 0. */
static uintptr_t whole_region(uintptr_t lo, uintptr_t hi, uintptr_t from) {
    uintptr_t r = ROUNDUP(MAX(lo, from), TABLE_SPAN);
    return r + TABLE_SPAN <= hi ? r : 0;
}

/* Read npages untouched heap pages: fewer than 10 pages may be allocated. */
static char *read_heap(int npages) {
    char *heap = sbrk(npages * PGSIZE);
    assert(heap != (void *)-1);
    uintptr_t lo = (uintptr_t)heap, hi = lo + npages * PGSIZE;
    int tables = (int)((hi - 1) / TABLE_SPAN - lo / TABLE_SPAN + 1);
    int whole = (int)(ROUNDDOWN(hi, TABLE_SPAN) > ROUNDUP(lo, TABLE_SPAN)
                      ? (ROUNDDOWN(hi, TABLE_SPAN) - ROUNDUP(lo, TABLE_SPAN)) / TABLE_SPAN : 0);
    size_t before = free_pages();
    unsigned sum = 0;
    for (int i = 0; i < npages; i++) {
        sum += (unsigned char)heap[i * PGSIZE + (i % PGSIZE)];
    }
    int used = (int)(before - free_pages());
    cprintf("zeroread: read %d untouched heap pages (sum %d): %d pages allocated; the heap "
            "spans %d leaf tables, %d read through the zero table\n",
            npages, sum, used, tables, whole);
    assert(sum == 0 && used <= tables - whole + 1 && used < 10);
    return heap;
}

/* The first write into a region read through the zero table: its table and its page. */
static void write_region(char *r) {
    size_t before = free_pages();
    r[3 * PGSIZE] = 1;
    int used = (int)(before - free_pages());
    cprintf("zeroread: a write into a zero-table region allocated %d pages\n", used);
    assert(used == 2 && r[3 * PGSIZE] == 1 && zeros(r + 2 * PGSIZE, PGSIZE) &&
           zeros(r + 4 * PGSIZE, PGSIZE));
}

/* The kernel's write (read() from a file) and a forced write, each into a zero-table region. */
static void kernel_writes(char *r1, char *r2) {
    char want[64];
    int fd = open(PATH, O_RDONLY);
    assert(fd >= 0 && read(fd, want, sizeof(want)) == (int)sizeof(want));
    close(fd);
    fd = open(PATH, O_RDONLY);
    assert(fd >= 0 && read(fd, r1 + 5 * PGSIZE + 100, sizeof(want)) == (int)sizeof(want));
    close(fd);
    assert(memcmp(r1 + 5 * PGSIZE + 100, want, sizeof(want)) == 0 && zeros(r1, 5 * PGSIZE));
    assert(memwrite(r2 + 7 * PGSIZE, "forced", 7) == 7 && strcmp(r2 + 7 * PGSIZE, "forced") == 0);
    assert(zeros(r2, 7 * PGSIZE));
    cprintf("zeroread: read() and memwrite into zero-table regions wrote there and only there\n");
}

/* A child's reads and write in a region the parent reads through the zero table. */
static void child_region(char *r) {
    int code, pid = fork();
    if (pid == 0) {
        size_t at = free_pages();
        bool ok = zeros(r, TABLE_SPAN);
        r[9 * PGSIZE] = 2;
        exit(ok && r[9 * PGSIZE] == 2 && at - free_pages() == 2 ? 0 : 1);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == 0);
    assert(zeros(r, TABLE_SPAN));
    cprintf("zeroread: a child's write into a zero-table region stayed its own\n");
}

/* munmap one page of a region read through the zero table: that page is gone, no other. */
static void unmap_in_region(void) {
    size_t len = 3 * TABLE_SPAN;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(m != MAP_FAILED);
    char *r = (char *)whole_region((uintptr_t)m, (uintptr_t)m + len, 0);
    assert(r != NULL && zeros(m, len));
    assert(munmap(r + 8 * PGSIZE, PGSIZE) == 0);
    int code, pid = fork();
    if (pid == 0) {
        volatile char c = r[8 * PGSIZE];   /* must kill us */
        exit(c + 100);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == -E_KILLED);
    assert(zeros(r + 7 * PGSIZE, PGSIZE) && zeros(r + 9 * PGSIZE, PGSIZE));
    assert(munmap(m, len) == 0);
    cprintf("zeroread: a page unmapped inside a zero-table region faults; its neighbours "
            "read zeros\n");
}

int main(void) {
    int npages = bootarg_long("pages", NPAGES);
    char *heap = read_heap(npages);
    uintptr_t lo = (uintptr_t)heap, hi = lo + (uintptr_t)npages * PGSIZE;

    /* the heap's last 2 MiB, which it covers only in part: a leaf table of its own */
    char *part = (char *)ROUNDDOWN(hi - 1, TABLE_SPAN);
    assert(hi % TABLE_SPAN != 0 && (uintptr_t)part + 8 * PGSIZE <= hi);  /* pages=N: not 512k */
    size_t before = free_pages();
    part[5 * PGSIZE] = 1;
    cprintf("zeroread: one write allocated %d page\n", (int)(before - free_pages()));
    assert(before - free_pages() == 1 && part[6 * PGSIZE] == 0 && part[5 * PGSIZE] == 1);

    int code, pid = fork();
    if (pid == 0) {
        (void)*(volatile char *)&part[6 * PGSIZE];  /* (cow=pt: a table of its own first) */
        size_t at = free_pages();
        part[7 * PGSIZE] = 2;
        exit(part[7 * PGSIZE] == 2 && part[5 * PGSIZE] == 1 && at - free_pages() == 1 ? 0 : 1);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == 0);
    assert(part[7 * PGSIZE] == 0);
    cprintf("zeroread: a child's write to a zero page stayed its own\n");

    uintptr_t r1 = whole_region(lo, hi, lo), r2 = whole_region(lo, hi, r1 + TABLE_SPAN);
    uintptr_t r3 = whole_region(lo, hi, r2 + TABLE_SPAN), r4 = whole_region(lo, hi, r3 + TABLE_SPAN);
    if (r1 != 0 && r2 != 0 && r3 != 0 && r4 != 0) {    /* pages=N below ~2560 has fewer */
        write_region((char *)r1);
        kernel_writes((char *)r2, (char *)r3);
        child_region((char *)r4);
        unmap_in_region();
    }
    pid = fork();                   /* a child that touches nothing of the heap */
    if (pid == 0) {
        exit(0);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == 0);
    cprintf("zeroread pass.\n");
    return 0;
}
