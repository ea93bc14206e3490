#include <pgtable.h>
#include <cpu.h>
#include <default_pmm.h>
#include <string.h>
#include <stdio.h>
#include <error.h>
#include <riscv.h>
#include <spinlock.h>
#include <bootargs.h>

/* One struct Page per page of RAM; pages[i] describes ppn nbase + i. */
struct Page *pages;
size_t npage;
size_t nbase;

pde_t *boot_pgdir;
uintptr_t boot_pgdir_pa;

const struct pmm_manager *pmm_manager;

static size_t total_pages;          /* pages given to the allocator */
static size_t pages_allocated;      /* successful allocations since boot, in pages (atomic) */

/*
 * The pmm_manager's lists are under pmm_lock. In front of them each
 * hart keeps a cache of free single pages (struct cpu's page_cache,
 * under its own lock, which only its hart takes, but for the moment
 * memory runs out and every cache is emptied): most allocations and
 * frees of one page never wait for another hart. A cache is refilled
 * and emptied PAGE_CACHE_BATCH pages at a time and holds at most
 * PAGE_CACHE_HIGH. Lock order: a cache, then pmm_lock.
 */
#define PAGE_CACHE_BATCH 16
#define PAGE_CACHE_HIGH  64
static struct lock_class pmm_lock_class = LOCK_CLASS("pmm");
static struct lock_class page_cache_class = LOCK_CLASS("page_cache");
static spinlock_t pmm_lock = SPINLOCK_INIT(&pmm_lock_class);
static bool caches_on;              /* not during the boot self-checks: first fit is exact there */

extern char etext[], erodata[], end[];

static_assert(sizeof(struct Page) == 32);

/* The allocator is chosen here and nowhere else. */
static void init_pmm_manager(void) {
    pmm_manager = &default_pmm_manager;
    cprintf("memory management: %s\n", pmm_manager->name);
    pmm_manager->init();
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

/*
 * Mark the n pages at base as the allocator's (free) or not. PG_free is
 * what lets the audit name a page that a PTE still maps after it was
 * freed, and free_pages catch a page freed twice.
 */
static void mark_free(struct Page *base, size_t n, bool free) {
    for (struct Page *p = base; p < base + n; p++) {
        if (free) {
            SetPageFree(p);
        } else {
            ClearPageFree(p);
        }
    }
}

/* n contiguous free pages from the manager's lists (still marked free), or NULL. */
static struct Page *global_alloc(size_t n) {
    spin_lock(&pmm_lock);
    struct Page *page = pmm_manager->alloc_pages(n);
    spin_unlock(&pmm_lock);
    return page;
}

/* Put n pages on the manager's lists, marked free (pmm_lock held). */
static void manager_free(struct Page *base, size_t n) {
    pmm_manager->free_pages(base, n);
    mark_free(base, n, true);           /* (the manager clears a page's flags) */
}

/* Give n free pages back to the manager's lists. */
static void global_free(struct Page *base, size_t n) {
    spin_lock(&pmm_lock);
    manager_free(base, n);
    spin_unlock(&pmm_lock);
}

/* The first page of cache c, taken out (c's lock held; c is not empty). */
static struct Page *cache_pop(struct page_cache *c) {
    list_entry_t *le = list_next(&c->pages);
    list_del(le);
    c->count--;
    return le2page(le, page_link);
}

/* Move up to n pages from cache c to the manager's lists (c's lock held; pmm_lock once). */
static void cache_drain(struct page_cache *c, size_t n) {
    spin_lock(&pmm_lock);
    while (n-- > 0 && c->count > 0) {
        manager_free(cache_pop(c), 1);
    }
    spin_unlock(&pmm_lock);
}

/* A page from this hart's cache, refilled with a batch from the lists if empty; or NULL. */
static struct Page *cache_alloc(void) {
    struct page_cache *c = &mycpu()->page_cache;
    struct Page *page;
    spin_lock(&c->lock);
    if (c->count == 0) {
        spin_lock(&pmm_lock);
        while (c->count < PAGE_CACHE_BATCH && (page = pmm_manager->alloc_pages(1)) != NULL) {
            list_add_before(&c->pages, &page->page_link);
            c->count++;
        }
        spin_unlock(&pmm_lock);
    }
    page = c->count > 0 ? cache_pop(c) : NULL;
    spin_unlock(&c->lock);
    return page;
}

/* Keep a freed page in this hart's cache, emptying part of it when it is full. */
static void cache_free(struct Page *page) {
    struct page_cache *c = &mycpu()->page_cache;
    spin_lock(&c->lock);
    mark_free(page, 1, true);
    list_add(&c->pages, &page->page_link);
    if (++c->count > PAGE_CACHE_HIGH) {
        cache_drain(c, PAGE_CACHE_BATCH);
    }
    spin_unlock(&c->lock);
}

/* Memory ran out: every hart's cached pages go back to the lists. */
static void drain_all_caches(void) {
    for_each_cpu(cpu) {
        spin_lock(&cpu->page_cache.lock);
        cache_drain(&cpu->page_cache, cpu->page_cache.count);
        spin_unlock(&cpu->page_cache.lock);
    }
}

/* n contiguous pages, or NULL: never panics, callers handle NULL. */
struct Page *alloc_pages(size_t n) {
    if (failalloc_now()) {
        return NULL;
    }
    struct Page *page = n == 1 && caches_on ? cache_alloc() : global_alloc(n);
    if (page == NULL && caches_on) {
        drain_all_caches();
        page = global_alloc(n);
    }
    if (page != NULL) {
        __atomic_fetch_add(&pages_allocated, n, __ATOMIC_RELAXED);
        mark_free(page, n, false);
        if (poison_on) {
            check_poison(page, n);
        }
    }
    return page;
}

void free_pages(struct Page *base, size_t n) {
    for (struct Page *p = base; p < base + n; p++) {
        if (PageFree(p)) {
            panic("free_pages: page 0x%lx is free already", page2pa(p));
        }
        set_page_ref(p, 0);             /* (a table's or the kernel's hold goes with it) */
    }
    if (poison_on) {
        poison_pages(base, n);
    }
    if (n == 1 && caches_on) {
        cache_free(base);
    } else {
        global_free(base, n);
    }
}

/* Free pages: on the lists and in every hart's cache (exact when nothing else runs). */
size_t nr_free_pages(void) {
    spin_lock(&pmm_lock);
    size_t n = pmm_manager->nr_free_pages();
    spin_unlock(&pmm_lock);
    for_each_cpu(cpu) {
        n += __atomic_load_n(&cpu->page_cache.count, __ATOMIC_RELAXED);
    }
    return n;
}

/*
 * What LAB cow 4 hands out in place of the atomic count: every page's
 * count changed under one lock. Right on any number of harts, but every
 * fork and fault on every hart waits for that lock, which is what the
 * exercise removes; the first use says so (and the grade looks for it).
 */
static struct lock_class page_ref_class = LOCK_CLASS("page_ref (stub)");
static spinlock_t page_ref_lock = SPINLOCK_INIT(&page_ref_class);

int page_ref_add_locked(struct Page *page, int delta) {
    static bool said;
    spin_lock(&page_ref_lock);
    int ref = page->ref += delta;
    if (!said) {
        said = true;
        cprintf("page_ref: every count changes under one lock (the stub of LAB cow 4)\n");
    }
    spin_unlock(&page_ref_lock);
    return ref;
}

size_t nr_total_pages(void) {
    return total_pages;
}

size_t nr_pages_allocated(void) {
    return __atomic_load_n(&pages_allocated, __ATOMIC_RELAXED);
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
    mark_free(pa2page(freemem), total_pages, true);
    if ((poison_on = bootarg_is("pagepoison", "", false) || bootarg_is("pagepoison", "on", false))) {
        poison_pages(pa2page(freemem), total_pages);
        cprintf("pagepoison: free pages are poisoned and checked\n");
    }
}

/* Map [va, va + size) to [pa, pa + size) with perm in pgdir, page by page. */
static void boot_map_segment(pde_t *pgdir, uintptr_t va, size_t size, uintptr_t pa,
                             uint32_t perm) {
    assert(PGOFF(va) == PGOFF(pa));
    for (uintptr_t end_va = va + size; va < end_va; va += PGSIZE, pa += PGSIZE) {
        pte_t *ptep = get_pte(pgdir, va, true);
        if (ptep == NULL) {
            panic("out of memory while building the kernel page table");
        }
        *ptep = pte_create(PPN(pa), perm | PTE_A | PTE_D);
    }
}

/*
 * Map the device registers [pa, pa + size) for the kernel, read-write,
 * never executable; returns their address, KADDR(pa). Before the first
 * address space is made: each copies the kernel's part of boot_pgdir.
 */
void *boot_map_mmio(uintptr_t pa, size_t size) {
    boot_map_segment(boot_pgdir, (uintptr_t)KADDR(pa), ROUNDUP(size, PGSIZE), pa,
                     PTE_R | PTE_W | PTE_G);
    return KADDR(pa);
}

/*
 * Translate through the page table at physical address pgdir_pa from
 * now on, with nothing left in this hart's TLB from the one before: so
 * the only user translations a hart can hold are its table's
 * (cpu->pgdir_pa), which is what TLB shootdown relies on (tlb.c).
 */
void load_pgdir(uintptr_t pgdir_pa) {
    __atomic_store_n(&mycpu()->pgdir_pa, pgdir_pa, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* before the walks: see tlb.c's top */
    write_csr(satp, SATP_SV39 | (pgdir_pa >> PGSHIFT));
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
    boot_pgdir_pa = PADDR(boot_pgdir);

    uintptr_t text = KERNBASE, ro = (uintptr_t)etext, rw = (uintptr_t)erodata;
    uintptr_t top = (uintptr_t)KADDR(mem_base + (npage << PGSHIFT));
    ro = ROUNDUP(ro, PGSIZE);
    boot_map_segment(boot_pgdir, text, ro - text, PADDR(text), PTE_R | PTE_X | PTE_G);
    boot_map_segment(boot_pgdir, ro, rw - ro, PADDR(ro), PTE_R | PTE_G);
    boot_map_segment(boot_pgdir, rw, top - rw, PADDR(rw), PTE_R | PTE_W | PTE_G);
    load_pgdir(boot_pgdir_pa);
}

void pmm_init(uint64_t mem_base, uint64_t mem_size) {
    failalloc_init();
    init_pmm_manager();
    page_init(mem_base, mem_size);
    check_alloc_page();
    for_each_cpu(cpu) {
        spin_init(&cpu->page_cache.lock, &page_cache_class);
        list_init(&cpu->page_cache.pages);
    }
    caches_on = true;
    setup_boot_pgdir(mem_base);
    check_pgdir();
    check_boot_pgdir();
}
