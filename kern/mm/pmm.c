#include <pmm.h>
#include <default_pmm.h>
#include <string.h>
#include <stdio.h>
#include <error.h>
#include <riscv.h>
#include <sync.h>
#include <cow.h>
#include <bootargs.h>

/* One struct Page per page of RAM; pages[i] describes ppn nbase + i. */
struct Page *pages;
size_t npage;
size_t nbase;

pde_t *boot_pgdir;
uintptr_t boot_cr3;

const struct pmm_manager *pmm_manager;

static size_t total_pages;          /* pages given to the allocator */
static size_t pages_allocated;      /* successful allocations since boot, in pages */

extern char etext[], erodata[], end[];

/* The allocator is chosen here and nowhere else. */
static void init_pmm_manager(void) {
    pmm_manager = &default_pmm_manager;
    cprintf("memory management: %s\n", pmm_manager->name);
    pmm_manager->init();
}

/*
 * Fault injection for testing the out-of-memory paths (boot argument
 * failalloc=): failalloc=N fails the Nth allocation, failalloc=every:K
 * every Kth, failalloc=rand:SEED:PCT a seeded PCT percent of them.
 * Counting starts when the first user program is started (failalloc_arm),
 * so the boot self-checks are not affected.
 */
static struct {
    enum { FAIL_NONE, FAIL_NTH, FAIL_EVERY, FAIL_RANDOM } mode;
    uint64_t n, seed, pct;
    uint64_t count;         /* allocations seen since armed */
    uint64_t failed;        /* allocations failed on purpose */
    bool armed;
} inject;

/* Read failalloc= (see above); a malformed value is reported and ignored. */
static void failalloc_init(void) {
    const char *v = bootarg("failalloc");
    char *end;
    if (v == NULL) {
        return;
    }
    if (strncmp(v, "every:", 6) == 0) {
        inject.mode = FAIL_EVERY;
        inject.n = strtol(v + 6, &end, 10);
    } else if (strncmp(v, "rand:", 5) == 0) {
        inject.mode = FAIL_RANDOM;
        inject.seed = strtol(v + 5, &end, 10);
        inject.pct = *end == ':' ? strtol(end + 1, &end, 10) : 0;
    } else {
        inject.mode = FAIL_NTH;
        inject.n = strtol(v, &end, 10);
    }
    if (*end != '\0' || (inject.mode != FAIL_RANDOM && inject.n == 0) || inject.pct > 100) {
        cprintf("failalloc: cannot parse \"%s\"; no faults injected\n", v);
        inject.mode = FAIL_NONE;
        return;
    }
    cprintf("failalloc: injecting allocation failures (%s)\n", v);
}

/* Start counting allocations for failalloc=. */
void failalloc_arm(void) {
    inject.armed = inject.mode != FAIL_NONE;
}

uint64_t failalloc_failures(void) {
    return inject.failed;
}

/* Should this allocation fail on purpose? */
static bool failalloc_now(void) {
    if (!inject.armed) {
        return false;
    }
    inject.count++;
    bool fail;
    switch (inject.mode) {
    case FAIL_NTH:
        fail = inject.count == inject.n;
        break;
    case FAIL_EVERY:
        fail = inject.count % inject.n == 0;
        break;
    default:        /* a 64-bit linear congruential generator, seeded */
        inject.seed = inject.seed * 6364136223846793005ULL + 1442695040888963407ULL;
        fail = (inject.seed >> 33) % 100 < inject.pct;
        break;
    }
    inject.failed += fail;
    return fail;
}

/* n contiguous pages, or NULL: never panics, callers handle NULL. */
struct Page *alloc_pages(size_t n) {
    bool intr_flag;
    local_intr_save(intr_flag);
    struct Page *page = failalloc_now() ? NULL : pmm_manager->alloc_pages(n);
    if (page != NULL) {
        pages_allocated += n;
    }
    local_intr_restore(intr_flag);
    return page;
}

void free_pages(struct Page *base, size_t n) {
    bool intr_flag;
    local_intr_save(intr_flag);
    pmm_manager->free_pages(base, n);
    local_intr_restore(intr_flag);
}

size_t nr_free_pages(void) {
    return pmm_manager->nr_free_pages();
}

size_t nr_total_pages(void) {
    return total_pages;
}

size_t nr_pages_allocated(void) {
    return pages_allocated;
}

/*
 * Lay pages[] right after the kernel image and give every page above it
 * to the allocator. RAM below the kernel (the firmware's) stays reserved.
 */
static void page_init(uint64_t mem_base, uint64_t mem_size) {
    uint64_t mem_end = mem_base + mem_size;
    if (mem_end > DRAM_BASE + (KERNTOP - (DRAM_BASE + PHYSICAL_OFFSET))) {
        mem_end = DRAM_BASE + (KERNTOP - (DRAM_BASE + PHYSICAL_OFFSET));
        cprintf("memory above 0x%lx is not used\n", mem_end);
    }
    nbase = PPN(mem_base);
    npage = PPN(mem_end) - nbase;
    pages = (struct Page *)ROUNDUP((uintptr_t)end, PGSIZE);
    for (size_t i = 0; i < npage; i++) {
        SetPageReserved(&pages[i]);
    }
    uintptr_t freemem = ROUNDUP(PADDR(pages + npage), PGSIZE);
    mem_end = ROUNDDOWN(mem_end, PGSIZE);
    cprintf("physical memory: [0x%lx, 0x%lx), kernel ends at 0x%lx, %d pages free\n",
            mem_base, mem_end, freemem, (int)PPN(mem_end - freemem));
    total_pages = PPN(mem_end - freemem);
    pmm_manager->init_memmap(pa2page(freemem), total_pages);
}

/* Map [la, la + size) to [pa, pa + size) with perm in pgdir, page by page. */
static void boot_map_segment(pde_t *pgdir, uintptr_t la, size_t size, uintptr_t pa,
                             uint32_t perm) {
    assert(PGOFF(la) == PGOFF(pa));
    for (uintptr_t end_la = la + size; la < end_la; la += PGSIZE, pa += PGSIZE) {
        pte_t *ptep = get_pte(pgdir, la, true);
        if (ptep == NULL) {
            panic("out of memory while building the kernel page table");
        }
        *ptep = pte_create(PPN(pa), perm | PTE_A | PTE_D);
    }
}

void lcr3(uintptr_t cr3) {
    write_csr(satp, SATP_SV39 | (cr3 >> PGSHIFT));
    sfence_vma();
}

/*
 * The kernel's own page table: text read+execute, rodata read-only,
 * everything else of RAM read+write, all global and kernel-only. It
 * replaces the boot table, dropping the identity mapping.
 */
static void setup_boot_pgdir(uint64_t mem_base) {
    struct Page *root = alloc_page();
    assert(root != NULL);
    set_page_ref(root, 1);
    boot_pgdir = page2kva(root);
    memset(boot_pgdir, 0, PGSIZE);
    boot_cr3 = PADDR(boot_pgdir);

    uintptr_t text = KERNBASE, ro = (uintptr_t)etext, rw = (uintptr_t)erodata;
    uintptr_t top = (uintptr_t)KADDR(mem_base + (npage << PGSHIFT));
    ro = ROUNDUP(ro, PGSIZE);
    boot_map_segment(boot_pgdir, text, ro - text, PADDR(text), PTE_R | PTE_X | PTE_G);
    boot_map_segment(boot_pgdir, ro, rw - ro, PADDR(ro), PTE_R | PTE_G);
    boot_map_segment(boot_pgdir, rw, top - rw, PADDR(rw), PTE_R | PTE_W | PTE_G);
    lcr3(boot_cr3);
}

void pmm_init(uint64_t mem_base, uint64_t mem_size) {
    failalloc_init();
    init_pmm_manager();
    page_init(mem_base, mem_size);
    check_alloc_page();
    setup_boot_pgdir(mem_base);
    check_pgdir();
    check_boot_pgdir();
}

/* A zeroed page-table page (ref 1), or NULL. */
static pte_t *alloc_table(void) {
    struct Page *page = alloc_page();
    if (page == NULL) {
        return NULL;
    }
    set_page_ref(page, 1);
    memset(page2kva(page), 0, PGSIZE);
    return page2kva(page);
}

/*
 * The level-0 PTE for la in pgdir. With create, missing tables are
 * allocated (non-leaf entries carry only V). NULL when a table is
 * missing and !create, or when memory runs out.
 */
pte_t *get_pte(pde_t *pgdir, uintptr_t la, bool create) {
    pde_t *table = pgdir;
    for (int shift = PDX0SHIFT; shift > PTXSHIFT; shift -= 9) {
        pde_t *pdep = &table[(la >> shift) & 0x1FF];
        if (!(*pdep & PTE_V)) {
            pte_t *next;
            if (!create || (next = alloc_table()) == NULL) {
                return NULL;
            }
            *pdep = pte_create(PPN(PADDR(next)), 0);
        }
        assert(!pte_is_leaf(*pdep));
        table = pde2table(*pdep);
    }
    return &table[PTX(la)];
}

/* The page mapped at la (and its PTE through ptep_store), or NULL. */
struct Page *get_page(pde_t *pgdir, uintptr_t la, pte_t **ptep_store) {
    pte_t *ptep = get_pte(pgdir, la, false);
    if (ptep_store != NULL) {
        *ptep_store = ptep;
    }
    if (ptep != NULL && (*ptep & PTE_V)) {
        return pte2page(*ptep);
    }
    return NULL;
}

/*
 * Unmap the page at la: drop its reference, freeing it at zero, and
 * flush the TLB. Returns true if the page was freed.
 */
bool page_remove_pte(pde_t *pgdir, uintptr_t la, pte_t *ptep) {
    bool freed = false;
    if (*ptep & PTE_V) {
        struct Page *page = pte2page(*ptep);
        int ref = page_ref_dec(page);
        cow_vmove(*ptep, 0);
        cow_pmove(ref + 1, ref);
        if (ref == 0) {
            free_page(page);
            freed = true;
        }
        *ptep = 0;
        tlb_invalidate(pgdir, la);
    }
    return freed;
}

void page_remove(pde_t *pgdir, uintptr_t la) {
    pte_t *ptep = get_pte(pgdir, la, false);
    if (ptep != NULL) {
        page_remove_pte(pgdir, la, ptep);
    }
}

/*
 * Map page at la with perm (plus V), replacing whatever was there; the
 * page gains a reference. Returns 0, or -E_NO_MEM if a page table could
 * not be allocated (then nothing changed).
 */
int page_insert(pde_t *pgdir, struct Page *page, uintptr_t la, uint32_t perm) {
    pte_t *ptep = get_pte(pgdir, la, true);
    if (ptep == NULL) {
        return -E_NO_MEM;
    }
    page_ref_inc(page);
    if (*ptep & PTE_V) {
        if (pte2page(*ptep) == page) {
            page_ref_dec(page);
        } else {
            page_remove_pte(pgdir, la, ptep);
        }
    }
    *ptep = pte_create(page2ppn(page), perm);
    tlb_invalidate(pgdir, la);
    return 0;
}

/* Drop any cached translation of la if pgdir is the active page table. */
void tlb_invalidate(pde_t *pgdir, uintptr_t la) {
    if (PADDR(pgdir) == (read_csr(satp) << PGSHIFT & ((1UL << 56) - 1))) {
        sfence_vma_addr(la);
    }
}

/* A new zeroed page mapped at la with perm, or NULL if memory ran out. */
struct Page *pgdir_alloc_page(pde_t *pgdir, uintptr_t la, uint32_t perm) {
    struct Page *page = alloc_page();
    if (page == NULL) {
        return NULL;
    }
    memset(page2kva(page), 0, PGSIZE);
    if (page_insert(pgdir, page, la, perm) != 0) {
        free_page(page);
        return NULL;
    }
    return page;
}

/* The next address after la that starts a new table at level `shift`. */
static uintptr_t next_table_start(uintptr_t la, int shift) {
    return ROUNDDOWN(la, 1UL << shift) + (1UL << shift);
}

/*
 * Remove every user mapping in [start, end): pages lose one reference.
 * If count is not NULL, what was unmapped and freed is added to it.
 */
void unmap_range(pde_t *pgdir, uintptr_t start, uintptr_t end, struct unmap_count *count) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    for (uintptr_t la = start, next; la < end; la = next) {
        next = MIN(next_table_start(la, PDX1SHIFT), end);
        pte_t *ptep = get_pte(pgdir, la, false);
        for (; ptep != NULL && la < next; la += PGSIZE, ptep++) {
            if (!pte_present(*ptep)) {
                continue;
            }
            bool freed = page_remove_pte(pgdir, la, ptep);
            if (count != NULL) {
                count->unmapped++;
                count->freed += freed;
            }
        }
    }
}

/* Free the page-table pages below [start, end); their entries must be empty. */
void exit_range(pde_t *pgdir, uintptr_t start, uintptr_t end) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    for (uintptr_t la = ROUNDDOWN(start, 1UL << PDX0SHIFT); la < end;
         la = next_table_start(la, PDX0SHIFT)) {
        pde_t *pde0 = &pgdir[PDX0(la)];
        if (!(*pde0 & PTE_V)) {
            continue;
        }
        pde_t *level1 = pde2table(*pde0);
        for (int i = 0; i < NPTEENTRY; i++) {
            if (level1[i] & PTE_V) {
                free_page(pa2page(PTE_ADDR(level1[i])));
                level1[i] = 0;
            }
        }
        free_page(pa2page(PTE_ADDR(*pde0)));
        *pde0 = 0;
    }
}

/* Share *from (a present user PTE) into *to copy-on-write: both end read-only. */
static void share_pte(pte_t *to, pte_t *from) {
    pte_t before = *from;
    if (pte_writable(*from) || pte_is_cow(*from)) {
        *from = pte_mkcow(*from);
    }
    *to = *from;
    int ref = page_ref_inc(pte2page(*from));
    cow_vmove(before, *from);
    cow_vmove(0, *to);
    cow_pmove(ref - 1, ref);
}

/* Give *to a private writable copy of the page *from maps; -E_NO_MEM if none. */
static int copy_pte(pte_t *to, pte_t *from) {
    struct Page *copy = alloc_page();
    if (copy == NULL) {
        return -E_NO_MEM;
    }
    memcpy(page2kva(copy), page2kva(pte2page(*from)), PGSIZE);
    set_page_ref(copy, 1);
    pte_t pte = pte_is_cow(*from) ? pte_mkwrite(*from) : *from;
    *to = pte_create(page2ppn(copy), pte_perm(pte));
    cow_vmove(0, *to);
    cow_pmove(0, 1);
    return 0;
}

/*
 * Copy the user mappings of [start, end) from page table `from` (the
 * running parent's) into `to` (a new child's). With share, pages are
 * shared: writable ones become read-only + PTE_COW on both sides and
 * read-only ones (text) are simply shared; every shared page gains a
 * reference. Without share, each page is copied now (the eager fork).
 * Returns 0 or -E_NO_MEM; on failure `to` holds what was done so far.
 * Each leaf table is walked once: 512 PTEs per lookup, not one.
 */
int copy_range(pde_t *to, pde_t *from, uintptr_t start, uintptr_t end, bool share) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    size_t shared = 0, copied = 0;
    int ret = 0;
    for (uintptr_t la = start, next; la < end && ret == 0; la = next) {
        next = MIN(next_table_start(la, PDX1SHIFT), end);
        pte_t *src = get_pte(from, la, false), *dst_table = NULL;
        for (; src != NULL && la < next; la += PGSIZE, src++) {
            if (!pte_present(*src)) {
                continue;
            }
            if (dst_table == NULL) {        /* the child's leaf table for this stretch */
                pte_t *dst = get_pte(to, la, true);
                if (dst == NULL) {
                    ret = -E_NO_MEM;
                    break;
                }
                dst_table = dst - PTX(la);
            }
            pte_t *slot = &dst_table[PTX(la)];
            if (share) {
                share_pte(slot, src);
                shared++;
            } else if ((ret = copy_pte(slot, src)) != 0) {
                break;
            } else {
                copied++;
            }
        }
    }
    if (shared > 0) {
        sfence_vma();       /* the parent's writable translations are stale */
    }
    cow_count_fork(shared, copied);
    return ret;
}
