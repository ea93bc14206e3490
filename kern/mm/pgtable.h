#ifndef __KERN_MM_PGTABLE_H__
#define __KERN_MM_PGTABLE_H__

#include <defs.h>
#include <pmm.h>

/*
 * Page tables (pgtable.c): finding and creating the PTE of an address,
 * mapping and unmapping pages with their reference counts, fork's
 * copy_range, and one walk over a whole table; unmap.c tears ranges
 * down.
 *
 * Every store into a user PTE goes through set_pte or pte_upgrade, and
 * every reference a user PTE holds is taken with page_ref_map and given
 * back with page_ref_unmap (pmm.h): these primitives report each move
 * to the COW trace, so the code that uses them need not.
 */

/* Store pte into the user PTE *ptep. The caller has taken or dropped the references. */
static inline void set_pte(pte_t *ptep, pte_t pte) {
    trace_vmove(*ptep, pte);
    *ptep = pte;
}

/* Store pde into the level-1 entry *pdep of a user address space. */
static inline void set_pde(pde_t *pdep, pde_t pde) {
    trace_dmove(*pdep, pde);
    *pdep = pde;
}

/* Give the present user PTE *ptep more rights on the same page (the page keeps its count). */
static inline void pte_upgrade(pte_t *ptep, pte_t pte) {
    assert(PTE_ADDR(pte) == PTE_ADDR(*ptep));
    trace_vmove(*ptep, pte);
    if (trace_active != NULL) {
        trace_pmove(pte2page(pte)->ref, pte2page(pte)->ref);
    }
    *ptep = pte;
}

pde_t *get_pde(pde_t *pgdir, uintptr_t va, bool create);      /* level-1 entry of va, or NULL */
pte_t *get_pte(pde_t *pgdir, uintptr_t va, bool create);      /* level-0 PTE of va, or NULL */
pte_t *alloc_table(void);                                     /* a zeroed table page, or NULL */
struct Page *get_page(pde_t *pgdir, uintptr_t va, pte_t **ptep_store);   /* page mapped at va */
int page_insert(pde_t *pgdir, struct Page *page, uintptr_t va, uint32_t perm); /* 0 or -E_NO_MEM */
struct Page *pgdir_alloc_page(pde_t *pgdir, uintptr_t va, uint32_t perm);     /* new zeroed page */
bool page_remove_pte(pde_t *pgdir, uintptr_t va, pte_t *ptep); /* true if the page was freed */
void page_remove(pde_t *pgdir, uintptr_t va);

/*
 * An unmapping in progress (Linux's mmu_gather): what it unmapped, and
 * the pages and tables that lost their last holder. Those go back to
 * the allocator only in tlb_finish_mmu, after every hart has dropped
 * its translations of pgdir: until then a thread on another hart may
 * still load or store through one.
 */
struct mmu_gather {
    pde_t *pgdir;               /* the page table being unmapped from */
    size_t unmapped, freed;     /* PTEs cleared; pages left with no holder */
    bool flush;                 /* some entry was cleared: the TLBs must forget it */
    list_entry_t pages;         /* to free after the flush (through page_link) */
    bool free_tables;           /* exit's: the tables the range covers go too */
    /* The audit as it goes (cow_audit.c), if `audit` is set: */
    bool audit;
    struct mm_struct *areas;    /* check each PTE against these areas (NULL: do not) */
    struct vma_struct *area;    /* the area found last */
    bool in_shared;             /* the entries are a shared leaf table's (cow=pt) */
};

/* tlb.c: drop cached translations of pgdir on every hart that may hold them */
void tlb_gather_mmu(struct mmu_gather *tlb, pde_t *pgdir);      /* start an unmapping */
void tlb_gather_free(struct mmu_gather *tlb, struct Page *page); /* free it after the flush */
void tlb_finish_mmu(struct mmu_gather *tlb);                    /* flush, then free */
void tlb_invalidate(pde_t *pgdir, uintptr_t va);                /* of one page */
void tlb_flush_all(pde_t *pgdir);                               /* ... all of them */
void tlb_invalidate_local(uintptr_t va);                        /* this hart's only */
void tlb_init(void);
size_t tlb_shootdowns(void);                                    /* remote flushes since boot */

/* unmap.c: tearing ranges down (pages and tables freed after tlb_finish_mmu's flush) */
void unmap_ptes(pte_t *ptes, size_t n, uintptr_t va, struct mmu_gather *tlb);  /* ptes[0] maps va */
int unshare_partial(pde_t *pgdir, uintptr_t start, uintptr_t end);  /* before unmapping */
void unmap_range(struct mmu_gather *tlb, uintptr_t start, uintptr_t end);
void free_pgtables(pde_t *pgdir, uintptr_t start, uintptr_t end);  /* must be empty */
void free_empty_tables(struct mmu_gather *tlb, uintptr_t start, uintptr_t end);  /* munmap's */

int copy_range(pde_t *to, pde_t *from, uintptr_t start, uintptr_t end, bool share);

/* What walk_pgdir calls for each present entry (any may be NULL); arg is passed on. */
struct pt_walk {
    void (*leaf)(pte_t *ptep, uintptr_t va, int level, void *arg);   /* maps memory */
    void (*table)(pde_t *pdep, uintptr_t va, int level, void *arg);  /* after its table */
    void (*bad)(pte_t *ptep, uintptr_t va, int level, void *arg);    /* neither: malformed */
    void (*shared)(pde_t *pdep, uintptr_t va, int level, void *arg); /* a shared leaf table */
    void (*zero)(pde_t *pdep, uintptr_t va, int level, void *arg);   /* the zero table */
    void *arg;
};
void walk_pgdir(pde_t *pgdir, uintptr_t first, uintptr_t last, const struct pt_walk *walk);
void walk_leaf_table(pde_t *pdep, uintptr_t va, const struct pt_walk *walk);
void print_pgdir(pde_t *pgdir);

#endif /* !__KERN_MM_PGTABLE_H__ */
