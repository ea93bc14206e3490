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

static_assert(sizeof(struct Page) == 32);

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

/*
 * Boot argument pagepoison (Linux's page_poison=1): every freed page is
 * filled with POISON_FREE, and an allocation checks that nobody wrote
 * to it since. A table or page used after it was freed then reads as
 * garbage at once (a page table full of it faults on every walk), and a
 * write after free is caught at the next allocation.
 */
#define POISON_FREE 0x6b6b6b6b6b6b6b6bUL
static bool poison_on;

static void poison_pages(struct Page *base, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint64_t *word = page2kva(base + i);
        for (size_t j = 0; j < PGSIZE / sizeof(uint64_t); j++) {
            word[j] = POISON_FREE;
        }
    }
}

static void check_poison(struct Page *base, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const uint64_t *word = page2kva(base + i);
        for (size_t j = 0; j < PGSIZE / sizeof(uint64_t); j++) {
            if (word[j] != POISON_FREE) {
                panic("page 0x%lx was written after it was freed (offset 0x%x: 0x%lx)",
                      page2pa(base + i), (int)(j * sizeof(uint64_t)), word[j]);
            }
        }
    }
}

/* n contiguous pages, or NULL: never panics, callers handle NULL. */
struct Page *alloc_pages(size_t n) {
    bool intr_flag;
    local_intr_save(intr_flag);
    struct Page *page = failalloc_now() ? NULL : pmm_manager->alloc_pages(n);
    if (page != NULL) {
        pages_allocated += n;
        if (poison_on) {
            check_poison(page, n);
        }
    }
    local_intr_restore(intr_flag);
    return page;
}

void free_pages(struct Page *base, size_t n) {
    bool intr_flag;
    local_intr_save(intr_flag);
    if (poison_on) {
        poison_pages(base, n);
    }
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
    if (mem_end > PADDR(KERNTOP)) {
        mem_end = PADDR(KERNTOP);           /* the direct map ends there */
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
    if ((poison_on = bootarg_is("pagepoison", "", false) || bootarg_is("pagepoison", "on", false))) {
        poison_pages(pa2page(freemem), total_pages);
        cprintf("pagepoison: free pages are poisoned and checked\n");
    }
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
 * Clear the present PTE *ptep: its page loses a reference and is freed
 * at zero. The caller flushes the TLB. Returns true if it was freed.
 */
static bool zap_pte(pte_t *ptep) {
    struct Page *page = pte2page(*ptep);
    int ref = page_ref_dec(page);
    cow_vmove(*ptep, 0);
    cow_pmove(ref + 1, ref);
    *ptep = 0;
    if (ref == 0) {
        free_page(page);
        return true;
    }
    return false;
}

/*
 * Unmap the page at la: drop its reference, freeing it at zero, and
 * flush its TLB entry. Returns true if the page was freed.
 */
bool page_remove_pte(pde_t *pgdir, uintptr_t la, pte_t *ptep) {
    if (!(*ptep & PTE_V)) {
        return false;
    }
    bool freed = zap_pte(ptep);
    tlb_invalidate(pgdir, la);
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

/* Is pgdir the page table the hart is using now? */
static bool pgdir_is_active(pde_t *pgdir) {
    return PADDR(pgdir) == (read_csr(satp) << PGSHIFT & ((1UL << 56) - 1));
}

/* Drop any cached translation of la if pgdir is the active page table. */
void tlb_invalidate(pde_t *pgdir, uintptr_t la) {
    if (pgdir_is_active(pgdir)) {
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
 * The TLB is flushed once at the end (if pgdir is the active table):
 * nothing reads these addresses before we return.
 */
void unmap_range(pde_t *pgdir, uintptr_t start, uintptr_t end, struct unmap_count *count) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    size_t unmapped = 0, freed = 0;
    for (uintptr_t la = start, next; la < end; la = next) {
        next = MIN(next_table_start(la, PDX1SHIFT), end);
        pte_t *ptep = get_pte(pgdir, la, false);
        for (; ptep != NULL && la < next; la += PGSIZE, ptep++) {
            if (pte_present(*ptep)) {
                unmapped++;
                freed += zap_pte(ptep);
            }
        }
    }
    if (unmapped > 0 && pgdir_is_active(pgdir)) {
        sfence_vma();
    }
    if (count != NULL) {
        count->unmapped += unmapped;
        count->freed += freed;
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

/* The form a present PTE takes on both sides once fork has shared its page. */
static inline pte_t pte_for_sharing(pte_t pte) {
    return (pte & (PTE_W | PTE_COW)) ? pte_mkcow(pte) : pte;
}

/* trace=cow: tally the moves share_ptes is about to make (src is unchanged yet). */
static void trace_sharing(const pte_t *src, size_t first, size_t n) {
    for (size_t i = first; i < n; i++) {
        if (pte_present(src[i])) {
            int ref = page_ref(pte2page(src[i]));
            cow_vmove(src[i], pte_for_sharing(src[i]));
            cow_vmove(0, pte_for_sharing(src[i]));
            cow_pmove(ref, ref + 1);
        }
    }
}

/*
 * Share the present PTEs among src[first..n) into dst[first..n)
 * copy-on-write: writable (and already-COW) ones become read-only with
 * PTE_COW on both sides, read-only ones are shared as they are; each
 * page gains a reference. This is fork's inner loop, so the globals it
 * needs are read once into locals (the compiler would reload them after
 * every store) and the page lookup is pa2page's, inlined.
 */
static __noinline size_t share_ptes(pte_t *dst, pte_t *src, size_t first, size_t n) {
    struct Page *const frames = pages;
    const size_t first_ppn = nbase, nframes = npage;
    size_t shared = 0;
    if (cow_moves_active != NULL) {
        trace_sharing(src, first, n);
    }
    for (size_t i = first; i < n; i++) {
        pte_t pte = src[i];
        if (!pte_present(pte)) {
            continue;
        }
        pte = pte_for_sharing(pte);
        src[i] = dst[i] = pte;
        size_t frame = (pte >> PTE_PPN_SHIFT) - first_ppn;
        assert(frame < nframes);
        frames[frame].ref++;
        shared++;
    }
    return shared;
}

/*
 * Give each present PTE among src[first..n) a private copy of its page
 * in dst (the eager fork). Adds the pages copied to *copied; 0, or
 * -E_NO_MEM when a page could not be had (what was done stays).
 */
static int copy_ptes(pte_t *dst, pte_t *src, size_t first, size_t n, size_t *copied) {
    for (size_t i = first; i < n; i++) {
        if (!pte_present(src[i])) {
            continue;
        }
        struct Page *copy = alloc_page();
        if (copy == NULL) {
            return -E_NO_MEM;
        }
        memcpy(page2kva(copy), page2kva(pte2page(src[i])), PGSIZE);
        set_page_ref(copy, 1);
        pte_t pte = pte_is_cow(src[i]) ? pte_mkwrite(src[i]) : src[i];
        dst[i] = pte_create(page2ppn(copy), pte_perm(pte));
        cow_vmove(0, dst[i]);
        cow_pmove(0, 1);
        (*copied)++;
    }
    return 0;
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
 * shared: writable ones become read-only + PTE_COW on both sides and
 * read-only ones (text) are simply shared; every shared page gains a
 * reference. Without share, each page is copied now (the eager fork).
 * Returns 0 or -E_NO_MEM; on failure `to` holds what was done so far.
 * Each leaf table is looked up once and walked as an array.
 */
int copy_range(pde_t *to, pde_t *from, uintptr_t start, uintptr_t end, bool share) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    size_t shared = 0, copied = 0;
    int ret = 0;
    for (uintptr_t la = start, next; la < end && ret == 0; la = next) {
        next = MIN(next_table_start(la, PDX1SHIFT), end);
        pte_t *src = get_pte(from, la, false);
        size_t n = (next - la) / PGSIZE, first = src != NULL ? first_present(src, n) : n;
        if (first == n) {
            continue;
        }
        pte_t *dst = get_pte(to, la + first * PGSIZE, true);
        if (dst == NULL) {
            ret = -E_NO_MEM;
            break;
        }
        dst -= first;                       /* dst[i] and src[i] map the same address */
        if (share) {
            shared += share_ptes(dst, src, first, n);
        } else {
            ret = copy_ptes(dst, src, first, n, &copied);
        }
    }
    if (shared > 0) {
        sfence_vma();       /* the parent's writable translations are stale */
    }
    cow_count_fork(shared, copied);
    return ret;
}
