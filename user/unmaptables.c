#include <stdio.h>
#include <ulib.h>

/*
 * munmap gives back the page tables it empties. 48 times, at 48
 * addresses spread over both gigabytes of user space, map 32 MiB, touch
 * every page (16 leaf tables, and perhaps a level-1 table for a
 * gigabyte not used before), and unmap it: free memory must be exactly
 * what it was before the mmap each time, tables included.
 */

#define PGSIZE  4096
#define LEN     (32UL << 20)
#define ROUNDS  48
#define FIRST   0x10000000UL
#define STEP    0x2400000UL     /* 36 MiB: each round's range lies elsewhere */

static size_t free_pages(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.free_pages;
}

int main(void) {
    int kept = 0;
    free_pages();                       /* our memstat buffer is in place */
    for (int i = 0; i < ROUNDS; i++) {
        uintptr_t addr = FIRST + i * STEP;
        size_t before = free_pages();
        char *p = mmap((void *)addr, LEN, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        assert(p == (char *)addr);
        for (size_t off = 0; off < LEN; off += PGSIZE) {
            p[off] = 1;
        }
        size_t mapped = before - free_pages();
        assert(munmap(p, LEN) == 0);
        size_t after = free_pages();
        if (after != before) {
            cprintf("unmaptables: FAIL: at 0x%lx, %d of the %d pages mapping 32 MiB stayed "
                    "after munmap (page tables not given back)\n", addr, (int)(before - after),
                    (int)mapped);
            kept++;
        }
    }
    cprintf("unmaptables: mapped, touched and unmapped 32 MiB at %d addresses; free memory came "
            "back whole %d times\n", ROUNDS, ROUNDS - kept);
    if (kept == 0) {
        cprintf("unmaptables pass.\n");
    }
    return kept;
}
