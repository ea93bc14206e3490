#ifndef __KERN_MM_PMM_H__
#define __KERN_MM_PMM_H__

#include <defs.h>
#include <mmu.h>
#include <memlayout.h>
#include <assert.h>

/*
 * A physical memory manager hands out runs of contiguous pages. The
 * implementation is chosen in one place (init_pmm_manager); lab students
 * swap in best-fit or buddy by writing another one of these.
 */
struct pmm_manager {
    const char *name;
    void (*init)(void);                             /* empty the free lists */
    void (*init_memmap)(struct Page *base, size_t n); /* add n free pages */
    struct Page *(*alloc_pages)(size_t n);          /* NULL when none fit */
    void (*free_pages)(struct Page *base, size_t n);
    size_t (*nr_free_pages)(void);
    void (*check)(void);                            /* boot self-test */
};

extern const struct pmm_manager *pmm_manager;
extern struct Page *pages;      /* one per page of RAM, from mem_base */
extern size_t npage;            /* entries in pages[] */
extern size_t nbase;            /* physical page number of pages[0] */
extern pde_t *boot_pgdir;       /* the kernel's page table (kernel address) */
extern uintptr_t boot_cr3;      /* ... and its physical address */

void pmm_init(uint64_t mem_base, uint64_t mem_size);

struct Page *alloc_pages(size_t n);
void free_pages(struct Page *base, size_t n);
size_t nr_free_pages(void);
size_t nr_total_pages(void);
size_t nr_pages_allocated(void);

/* failalloc.c: allocation failures on purpose (boot argument failalloc=, system call) */
void failalloc_init(void);
void failalloc_arm(void);
bool failalloc_now(void);
int do_failalloc(long n);
uint64_t failalloc_failures(void);
uint64_t failalloc_seen(void);

#define alloc_page() alloc_pages(1)
#define free_page(page) free_pages(page, 1)

/* pgtable.c: page tables */
pte_t *get_pte(pde_t *pgdir, uintptr_t va, bool create);
struct Page *get_page(pde_t *pgdir, uintptr_t va, pte_t **ptep_store);
void page_remove(pde_t *pgdir, uintptr_t va);
int page_insert(pde_t *pgdir, struct Page *page, uintptr_t va, uint32_t perm);
bool page_remove_pte(pde_t *pgdir, uintptr_t va, pte_t *ptep);
void tlb_invalidate(pde_t *pgdir, uintptr_t va);
struct Page *pgdir_alloc_page(pde_t *pgdir, uintptr_t va, uint32_t perm);
/* What unmap_range did: pages unmapped, and how many of them were freed. */
struct unmap_count {
    size_t unmapped, freed;
};
void unmap_range(pde_t *pgdir, uintptr_t start, uintptr_t end, struct unmap_count *count);
void free_pgtables(pde_t *pgdir, uintptr_t start, uintptr_t end);
int copy_range(pde_t *to, pde_t *from, uintptr_t start, uintptr_t end, bool share);
void lcr3(uintptr_t cr3);

/* What walk_pgdir calls for each present entry (any may be NULL); arg is passed on. */
struct pt_walk {
    void (*leaf)(pte_t *ptep, uintptr_t va, int level, void *arg);   /* maps memory */
    void (*table)(pde_t *pdep, uintptr_t va, int level, void *arg);  /* after its table */
    void (*bad)(pte_t *ptep, uintptr_t va, int level, void *arg);    /* neither: malformed */
    void *arg;
};
void walk_pgdir(pde_t *pgdir, uintptr_t first, uintptr_t last, const struct pt_walk *walk);
void print_pgdir(pde_t *pgdir);
void check_alloc_page(void);
void check_pgdir(void);
void check_boot_pgdir(void);

/* Kernel virtual address of physical address pa, and back. */
#define KADDR(pa) ((void *)((uintptr_t)(pa) + PHYSICAL_OFFSET))
#define PADDR(kva) ((uintptr_t)(kva) - PHYSICAL_OFFSET)

static inline ppn_t page2ppn(struct Page *page) {
    return page - pages + nbase;
}

static inline uintptr_t page2pa(struct Page *page) {
    return page2ppn(page) << PGSHIFT;
}

/* The Page of physical address pa; panics on an address outside RAM. */
static inline struct Page *pa2page(uintptr_t pa) {
    if (PPN(pa) < nbase || PPN(pa) - nbase >= npage) {
        panic("pa2page called with invalid pa 0x%lx", pa);
    }
    return &pages[PPN(pa) - nbase];
}

static inline void *page2kva(struct Page *page) {
    return KADDR(page2pa(page));
}

static inline struct Page *kva2page(void *kva) {
    return pa2page(PADDR(kva));
}

/* Does the PTE point at a page of RAM that pages[] describes? */
static inline bool pte_page_valid(pte_t pte) {
    return PPN(PTE_ADDR(pte)) >= nbase && PPN(PTE_ADDR(pte)) - nbase < npage;
}

static inline struct Page *pte2page(pte_t pte) {
    return pa2page(PTE_ADDR(pte));
}

/* The next-level table a non-leaf entry points to. */
static inline pte_t *pde2table(pde_t pde) {
    return KADDR(PTE_ADDR(pde));
}

static inline int page_ref(struct Page *page) { return page->ref; }
static inline void set_page_ref(struct Page *page, int val) { page->ref = val; }
static inline int page_ref_inc(struct Page *page) { return ++page->ref; }
static inline int page_ref_dec(struct Page *page) { return --page->ref; }

extern char bootstack[], bootstacktop[];

#endif /* !__KERN_MM_PMM_H__ */
