#include <pgtable.h>
#include <cow.h>
#include <cow_audit.h>
#include <string.h>
#include <stdio.h>
#include <error.h>
#include <riscv.h>

/*
 * Page tables: finding and creating the PTE of an address (get_pte),
 * mapping and unmapping single pages with their reference counts, fork's
 * copy_range, and walk_pgdir, the one walk over a whole table that the
 * audit, print_pgdir and free_pgtables share. Tearing ranges down is
 * unmap.c's.
 */

/* A zeroed page-table page (ref 1), or NULL. */
__noinline pte_t *alloc_table(void) {
    struct Page *page = alloc_page();
    if (page == NULL) {
        return NULL;
    }
    set_page_ref(page, 1);
    memset(page2kva(page), 0, PGSIZE);
    return page2kva(page);
}

/*
 * The level-1 entry for va in pgdir: the one that names va's leaf
 * table. With create, a missing level-1 table is allocated. NULL when it
 * is missing and !create, or when memory runs out.
 */
pde_t *get_pde(pde_t *pgdir, uintptr_t va, bool create) {
    pde_t *rootp = &pgdir[PX(2, va)];
    if (!pte_present(*rootp)) {
        pte_t *next;
        if (!create || (next = alloc_table()) == NULL) {
            return NULL;
        }
        *rootp = pte_mktable(PPN(PADDR(next)));
    }
    assert(pte_is_table(*rootp));
    return &pde2table(*rootp)[PX(1, va)];
}

/*
 * The level-0 PTE for va in pgdir. With create, missing tables are
 * allocated and a leaf table shared after fork (cow=pt) is made this
 * address space's own first. NULL when a table is missing or shared and
 * !create, or when memory runs out. A region read through the zero table
 * (fault.c) has no table of its own yet: NULL, or with create an empty
 * table replaces the zero table (and the TLB entries it left are flushed).
 */
pte_t *get_pte(pde_t *pgdir, uintptr_t va, bool create) {
    pde_t *pdep = get_pde(pgdir, va, create);
    if (pdep == NULL) {
        return NULL;
    }
    if (pde_is_shared(*pdep) && (!create || cow_pt_unshare(pdep, va) != 0)) {
        return NULL;
    }
    bool zero = pde_is_zero(*pdep);
    if (!pte_present(*pdep) || zero) {
        pte_t *table;
        if (!create || (table = alloc_table()) == NULL) {
            return NULL;
        }
        set_pde(pdep, pte_mktable(PPN(PADDR(table))));
        if (zero) {
            tlb_flush_all(pgdir);
        }
    }
    assert(pte_is_table(*pdep));
    return &pde2table(*pdep)[PX(0, va)];
}

/* The page mapped at va (and its PTE through ptep_store), or NULL. */
struct Page *get_page(pde_t *pgdir, uintptr_t va, pte_t **ptep_store) {
    pte_t *ptep = get_pte(pgdir, va, false);
    if (ptep_store != NULL) {
        *ptep_store = ptep;
    }
    if (ptep != NULL && pte_present(*ptep)) {
        return pte2page(*ptep);
    }
    return NULL;
}

/*
 * Unmap the page at va: clear its PTE and flush it from every hart's
 * TLB, and only then drop the reference (freeing the page at zero).
 * True if it was freed.
 */
bool page_remove_pte(pde_t *pgdir, uintptr_t va, pte_t *ptep) {
    if (!pte_present(*ptep)) {
        return false;
    }
    struct Page *page = pte2page(*ptep);
    set_pte(ptep, 0);
    tlb_invalidate(pgdir, va);
    if (page_ref_unmap(page) == 0) {
        free_page(page);
        return true;
    }
    return false;
}

void page_remove(pde_t *pgdir, uintptr_t va) {
    pte_t *ptep = get_pte(pgdir, va, false);
    if (ptep != NULL) {
        page_remove_pte(pgdir, va, ptep);
    }
}

/*
 * Map page at va with perm (plus V), replacing whatever was there; the
 * page gains a reference (unless it was already the one mapped there).
 * Returns 0, or -E_NO_MEM if a page table could not be allocated (then
 * nothing changed).
 *
 * A mapping that replaces another is flushed (page_remove_pte); one over
 * an invalid entry is not. The RISC-V spec lets a hart cache the invalid
 * entry, so a user access may fault once more: handle_mm_fault then finds
 * the PTE present, flushes and retries. The kernel itself must flush
 * (tlb_invalidate) before it uses a fresh mapping at once.
 */
int page_insert(pde_t *pgdir, struct Page *page, uintptr_t va, uint32_t perm) {
    pte_t *ptep = get_pte(pgdir, va, true);
    if (ptep == NULL) {
        return -E_NO_MEM;
    }
    if (!pte_present(*ptep) || pte2page(*ptep) != page) {
        page_remove_pte(pgdir, va, ptep);
        page_ref_map(page);
    }
    set_pte(ptep, pte_create(page2ppn(page), perm));
    return 0;
}

/* A new zeroed page mapped at va with perm, or NULL if memory ran out. */
struct Page *pgdir_alloc_page(pde_t *pgdir, uintptr_t va, uint32_t perm) {
    struct Page *page = alloc_page();
    if (page == NULL) {
        return NULL;
    }
    memset(page2kva(page), 0, PGSIZE);
    if (page_insert(pgdir, page, va, perm) != 0) {
        free_page(page);
        return NULL;
    }
    return page;
}

/* The first address after va that a new level-0 table maps (the next 2 MiB). */
static uintptr_t next_leaf_table(uintptr_t va) {
    return ROUNDDOWN(va, PT_SPAN(1)) + PT_SPAN(1);
}

/* The address entry i of a table at `level` maps, the table's first entry mapping base. */
static uintptr_t entry_va(int level, uintptr_t base, size_t i) {
    uintptr_t va = base + i * PT_SPAN(level);
    if (level == PT_LEVELS - 1 && i >= NPTEENTRY / 2) {
        va |= SV39_UPPER_HALF;                  /* sign-extend bit 38 */
    }
    return va;
}

/*
 * Walk the table at `level` whose first entry maps base (see walk_pgdir),
 * visiting only the entries that map part of [first, last]. A level-0
 * table is entered only if someone wants its leaves (or bad entries).
 */
static void walk_table(pde_t *table, int level, uintptr_t base, uintptr_t first, uintptr_t last,
                       const struct pt_walk *walk) {
    uintptr_t table_last = level == PT_LEVELS - 1 ? ~0UL : base + (PT_SPAN(level + 1) - 1);
    size_t lo = first <= base ? 0 : PX(level, first);
    size_t hi = last >= table_last ? NPTEENTRY - 1 : PX(level, last);
    bool want_leaves = walk->leaf != NULL || walk->bad != NULL;
    for (size_t i = lo; i <= hi; i++) {
        pte_t *ptep = &table[i];
        if (*ptep == 0) {
            continue;                   /* (most entries: the quick way past) */
        }
        bool shared = level == 1 && pde_is_shared(*ptep);
        if (!pte_present(*ptep) && !shared) {
            continue;
        }
        uintptr_t va = entry_va(level, base, i);
        if (level == 1 && pde_is_zero(*ptep)) {
            if (walk->zero != NULL) {
                walk->zero(ptep, va, level, walk->arg);
            }
        } else if (shared) {
            if (walk->shared != NULL) {
                walk->shared(ptep, va, level, walk->arg);
            }
        } else if (level > 0 && pte_is_table(*ptep)) {
            if (level > 1 || want_leaves) {
                walk_table(pde2table(*ptep), level - 1, va, first, last, walk);
            }
            if (walk->table != NULL) {
                walk->table(ptep, va, level, walk->arg);
            }
        } else if (pte_is_leaf(*ptep)) {
            if (walk->leaf != NULL) {
                walk->leaf(ptep, va, level, walk->arg);
            }
        } else if (walk->bad != NULL) {
            walk->bad(ptep, va, level, walk->arg);
        }
    }
}

/*
 * Visit every present entry of pgdir that maps part of [first, last]
 * (inclusive, so that the whole space can be named). Pointers to lower
 * tables are followed and then given to walk->table (the table below is
 * done by then, so the callback may free it); leaves go to walk->leaf;
 * an entry that is neither is never followed and goes to walk->bad. A
 * level-1 entry naming a shared leaf table (cow=pt) goes to walk->shared,
 * which may walk the table itself (walk_leaf_table); one naming the zero
 * table goes to walk->zero (its entries are nobody's own).
 */
void walk_pgdir(pde_t *pgdir, uintptr_t first, uintptr_t last, const struct pt_walk *walk) {
    walk_table(pgdir, PT_LEVELS - 1, 0, first, last, walk);
}

/* Visit the leaves of the leaf table that level-1 entry *pdep, for va, names (shared or not). */
void walk_leaf_table(pde_t *pdep, uintptr_t va, const struct pt_walk *walk) {
    walk_table(pde2table(*pdep), 0, ROUNDDOWN(va, PT_SPAN(1)), 0, ~0UL, walk);
}

/*
 * Give each present PTE among src[first..n) a private copy of its page
 * in dst (the eager fork). Adds the pages copied to *copied; 0, or
 * -E_NO_MEM when a page could not be had (what was done stays).
 */
static int copy_ptes(pte_t *dst, pte_t *src, size_t first, size_t n, size_t *copied) {
    /* LAB lab5 2: BEGIN
     * YOUR CODE: for every present PTE src[i] (first <= i < n), give the
     * child its own page with the same bytes at dst[i], with the rights of
     * src[i] (a copy-on-write mark becomes the write right again: the copy
     * is private). The new page counts the mapping (page_ref_map); store
     * the PTE with set_pte. Count each copy in *copied. If a page cannot be
     * had, return -E_NO_MEM (what was done stays; the caller cleans up).
     * STUB:
     *     (void)dst, (void)src, (void)first, (void)n, (void)copied;
     *     return -E_NO_MEM;
     */
    for (size_t i = first; i < n; i++) {
        if (!pte_present(src[i])) {
            continue;
        }
        struct Page *copy = alloc_page();
        if (copy == NULL) {
            return -E_NO_MEM;
        }
        memcpy(page2kva(copy), page2kva(pte2page(src[i])), PGSIZE);
        page_ref_map(copy);
        pte_t pte = pte_is_cow(src[i]) ? pte_mkwrite(src[i]) : src[i];
        set_pte(&dst[i], pte_create(page2ppn(copy), pte_perm(pte)));
        (*copied)++;
    }
    return 0;
    /* LAB lab5 2: END */
}

/* Index of the first present PTE among table[0..n), or n. */
static size_t first_present(const pte_t *table, size_t n) {
    size_t i = 0;
    while (i < n && !pte_present(table[i])) {
        i++;
    }
    return i;
}

/*
 * Copy the user mappings of [start, end) from page table `from` (the
 * running parent's) into `to` (a new child's). With share, pages are
 * shared copy-on-write (cow_share_ptes in cow.c; the caller then flushes
 * the parent's TLB, cow_fork_flush); without, each page is copied now
 * (the eager fork). Returns 0 or -E_NO_MEM; on failure `to` holds what
 * was done so far. Each leaf table is looked up once and walked as an
 * array.
 */
int copy_range(pde_t *to, pde_t *from, uintptr_t start, uintptr_t end, bool share) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    size_t shared = 0, copied = 0;
    int ret = 0;
    for (uintptr_t va = start, next; va < end && ret == 0; va = next) {
        next = MIN(next_leaf_table(va), end);
        pte_t *src = get_pte(from, va, false);
        size_t n = (next - va) / PGSIZE, first = src != NULL ? first_present(src, n) : n;
        if (first == n) {
            continue;
        }
        pte_t *dst = get_pte(to, va + first * PGSIZE, true);
        if (dst == NULL) {
            ret = -E_NO_MEM;
            break;
        }
        dst -= first;                       /* dst[i] and src[i] map the same address */
        if (share) {
            shared += cow_share_ptes(dst, src, first, n);
        } else {
            ret = copy_ptes(dst, src, first, n, &copied);
        }
    }
    cow_count_fork(shared, copied);
    return ret;
}

/* One run of consecutive pages with the same rights, as print_pgdir shows it. */
struct run {
    uintptr_t start, end;
    pte_t pte;          /* the rights of its pages (the page number is cleared) */
    bool in_shared;     /* walking a leaf table shared after fork (cow=pt) */
};

#define RUN_SHARED (1UL << 63)  /* in r->pte: the run is in a shared leaf table */

static void print_run(const struct run *r) {
    if (r->end == r->start) {
        return;
    }
    cprintf("  [%016lx, %016lx) %6d pages  %c%c%c%c%s%s\n", r->start, r->end,
            (int)((r->end - r->start) / PGSIZE), (r->pte & PTE_R) ? 'r' : '-',
            (r->pte & PTE_W) ? 'w' : '-', (r->pte & PTE_X) ? 'x' : '-',
            (r->pte & PTE_U) ? 'u' : '-', pte_is_cow(r->pte) ? " cow" : "",
            (r->pte & RUN_SHARED) ? " (shared table)" : "");
}

/* walk_pgdir's leaf callback for print_pgdir: extend the run or start a new one. */
static void print_leaf(pte_t *ptep, uintptr_t va, int level, void *arg) {
    struct run *r = arg;
    pte_t perm = (pte_perm(*ptep) & ~(PTE_G | PTE_A | PTE_D | PTE_SOFTDIRTY)) |
                 (r->in_shared ? RUN_SHARED : 0);
    if (va != r->end || perm != r->pte) {
        print_run(r);
        r->start = va;
        r->pte = perm;
    }
    r->end = va + PT_SPAN(level);
}

static void print_bad(pte_t *ptep, uintptr_t va, int level, void *arg) {
    print_run(arg);
    ((struct run *)arg)->start = ((struct run *)arg)->end = 0;
    cprintf("  malformed entry 0x%016lx for va 0x%lx at level %d\n", *ptep, va, level);
}

/* walk_pgdir callback for print_pgdir: the leaves of a shared leaf table, marked so. */
static void print_shared(pde_t *pdep, uintptr_t va, int level, void *arg) {
    struct run *r = arg;
    const struct pt_walk walk = { .leaf = print_leaf, .bad = print_bad, .arg = r };
    (void)level;
    r->in_shared = true;
    walk_leaf_table(pdep, va, &walk);
    r->in_shared = false;
}

/* walk_pgdir callback for print_pgdir: 2 MiB read through the zero table, as one line. */
static void print_zero(pde_t *pdep, uintptr_t va, int level, void *arg) {
    (void)pdep;
    print_run(arg);
    ((struct run *)arg)->start = ((struct run *)arg)->end = 0;
    cprintf("  [%016lx, %016lx) %6d pages  r--u cow (zero table)\n", va, va + PT_SPAN(level),
            (int)(PT_SPAN(level) / PGSIZE));
}

/* Print the mapped ranges of pgdir with their rights (r w x u, cow; shared tables marked). */
void print_pgdir(pde_t *pgdir) {
    struct run r = { 0, 0, 0, false };
    const struct pt_walk walk = {
        .leaf = print_leaf, .bad = print_bad, .shared = print_shared, .zero = print_zero,
        .arg = &r,
    };
    cprintf("-------------------- BEGIN --------------------\n");
    walk_pgdir(pgdir, 0, ~0UL, &walk);
    print_run(&r);
    cprintf("--------------------- END ---------------------\n");
}
