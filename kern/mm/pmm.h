#ifndef __KERN_MM_PMM_H__
#define __KERN_MM_PMM_H__

#include <defs.h>
#include <mmu.h>
#include <memlayout.h>
#include <assert.h>
#include <cow_trace.h>

/*
 * Physical memory: struct Page for every page of RAM, the allocator
 * (pmm.c, behind a pluggable pmm_manager), the kernel's own page table,
 * and allocation failures on purpose (failalloc.c).
 */

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
extern uintptr_t boot_pgdir_pa; /* ... and its physical address */

/* pmm.c */
void pmm_init(uint64_t mem_base, uint64_t mem_size);         /* allocator, kernel page table, checks */
struct Page *alloc_pages(size_t n);                          /* n contiguous pages, or NULL */
void free_pages(struct Page *base, size_t n);
size_t nr_free_pages(void);
size_t nr_total_pages(void);                                 /* pages the allocator manages */
size_t nr_pages_allocated(void);                             /* successful allocations since boot */
void load_pgdir(uintptr_t pgdir_pa);                         /* translate through this table now */
void *boot_map_mmio(uintptr_t pa, size_t size);              /* device registers, at KADDR(pa) */

#define alloc_page() alloc_pages(1)
#define free_page(page) free_pages(page, 1)

/* failalloc.c: allocation failures on purpose (boot argument failalloc=, system call) */
void failalloc_init(void);                                   /* read failalloc= */
void failalloc_arm(void);                                    /* start counting (a program starts) */
void failalloc_disarm(void);                                 /* stop (the program is over) */
bool failalloc_hit(void);                                    /* count one; should it fail? */
int do_failalloc(long n);                                    /* the nth allocation from now fails */
void failalloc_report(void);                                 /* print how many were counted, failed */
extern bool failalloc_armed;

/* Should this allocation fail on purpose? (One load while failalloc is idle.) */
static inline bool failalloc_now(void) {
    return __atomic_load_n(&failalloc_armed, __ATOMIC_RELAXED) && failalloc_hit();
}

/* pmm_check.c: boot self-tests */
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

/*
 * The reference count (struct Page.ref) is atomic: harts running
 * different address spaces map, unmap and copy the same page at once
 * (fork in one process while another exits, say). Each change is one
 * atomic read-modify-write that returns the new count, so exactly one
 * hart sees it reach 0, and that one frees the page (after the TLB
 * flush: pgtable.h's mmu_gather).
 */

/* The count as it is now (another hart may change it the next moment). */
static inline int page_ref(struct Page *page) {
    return __atomic_load_n(&page->ref, __ATOMIC_ACQUIRE);
}

/* Set the count of a page nobody else can see yet (just allocated, or at boot). */
static inline void set_page_ref(struct Page *page, int val) {
    __atomic_store_n(&page->ref, val, __ATOMIC_RELEASE);
}

int page_ref_add_locked(struct Page *page, int delta);       /* pmm.c: LAB cow 4's stub */

/* One more reference (not traced). Returns the new count. */
static inline int page_ref_inc(struct Page *page) {
    /* LAB cow 4: BEGIN
     * YOUR CODE: one more reference, returning the new count, right even
     * when other harts change this page's count at the same moment (a fork
     * in one process while another exits) and with no lock: one atomic
     * read-modify-write (__atomic_add_fetch), so that no update is lost.
     * STUB:
     *     return page_ref_add_locked(page, 1);    // right, but every hart waits for one lock
     */
    return __atomic_add_fetch(&page->ref, 1, __ATOMIC_ACQ_REL);
    /* LAB cow 4: END */
}

/* One reference fewer (not traced). Returns the new count; the caller frees the page at 0. */
static inline int page_ref_dec(struct Page *page) {
    /* LAB cow 4: BEGIN
     * YOUR CODE: one reference fewer, returning the new count, with the same
     * rules. The hart that drops the count to 0, and only that one, frees
     * the page, so the count it sees must come from the same atomic step
     * (__atomic_sub_fetch), not from a second look at the page.
     * STUB:
     *     return page_ref_add_locked(page, -1);
     */
    return __atomic_sub_fetch(&page->ref, 1, __ATOMIC_ACQ_REL);
    /* LAB cow 4: END */
}

/* A user PTE now maps page: it gains a reference (traced). Returns the new count. */
static inline int page_ref_map(struct Page *page) {
    int ref = page_ref_inc(page);
    trace_pmove(ref - 1, ref);
    return ref;
}

/* A user PTE no longer maps page: it loses a reference (traced); the caller frees it at 0. */
static inline int page_ref_unmap(struct Page *page) {
    int ref = page_ref_dec(page);
    trace_pmove(ref + 1, ref);
    return ref;
}

extern char bootstack[], bootstacktop[];

#endif /* !__KERN_MM_PMM_H__ */
