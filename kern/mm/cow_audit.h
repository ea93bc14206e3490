#ifndef __KERN_MM_COW_AUDIT_H__
#define __KERN_MM_COW_AUDIT_H__

#include <defs.h>
#include <pgtable.h>
#include <vmm.h>

/*
 * The audit's rules for one user leaf PTE (cow_audit.c says why), as the
 * set of rules it breaks: 0 when all hold. Written once, for the full
 * audit and for the audit as an address space is torn down, which runs
 * it for every PTE it unmaps and so must cost a few instructions when
 * all is well; the report is out of line.
 */
enum audit_problem {
    AUDIT_FREE = 1 << 0,            /* its page is on the free list */
    AUDIT_OUTSIDE = 1 << 1,         /* it lies in no area */
    AUDIT_COW_READONLY = 1 << 2,    /* the COW mark in a read-only area */
    AUDIT_WRITE_READONLY = 1 << 3,  /* writable in a read-only area */
    AUDIT_WRITE_COW = 1 << 4,       /* writable and COW at once */
    AUDIT_WRITE_SHARED = 1 << 5,    /* writable, to a page someone else holds (or a file's) */
    AUDIT_NOT_USER = 1 << 6,        /* without PTE_U */
    AUDIT_COUNT = 1 << 7,           /* the page's count leaves out this mapping or another hold */
};

/* The page flags that some rule looks at (the others cannot break one). */
#define AUDIT_PAGE_FLAGS ((1U << PG_free) | (1U << PG_zero) | (1U << PG_file))

/* The holds a page's count includes besides PTEs and tables: the zero page's, a file's. */
static inline int audit_other_holds(uint32_t page_flags) {
    return (page_flags & (1U << PG_zero)) ? ZERO_PAGE_KERNEL_HOLDS : (page_flags >> PG_file) & 1;
}

/*
 * The rules broken by PTE pte (a valid 4 KiB leaf) of a page whose flags
 * were `flags` while this mapping still held it. `others` is the
 * page's count without this mapping. With areas_known, vma is the
 * area the PTE lies in (NULL: none); in_shared says it is an entry of a
 * leaf table shared after fork (cow=pt), through which nobody writes.
 */
static inline uint32_t audit_pte_problems(const struct vma_struct *vma, bool areas_known, pte_t pte,
                                          uint32_t flags, int others, bool in_shared) {
    uint32_t bad = 0;
    bool area_readonly = areas_known && (vma == NULL || !(vma->vm_flags & VM_WRITE));
    if (!(flags & AUDIT_PAGE_FLAGS) && (pte & (PTE_W | PTE_U)) == PTE_U && !area_readonly &&
        others >= 0) {
        return 0;       /* the common case: a user page, not writable, in a writable area */
    }
    bool writable = (pte & PTE_W) != 0, cow = (pte & PTE_COW) != 0;
    int holds = audit_other_holds(flags);
    if (flags & (1U << PG_free)) {
        bad |= AUDIT_FREE;
    }
    if (area_readonly) {
        bad |= vma == NULL ? AUDIT_OUTSIDE : cow ? AUDIT_COW_READONLY :
               writable ? AUDIT_WRITE_READONLY : 0;
    }
    if (writable && (cow || (!in_shared && (others > 0 || holds > 0)))) {
        bad |= cow ? AUDIT_WRITE_COW : AUDIT_WRITE_SHARED;
    }
    if (!(pte & PTE_U)) {
        bad |= AUDIT_NOT_USER;
    }
    if (others < holds) {
        bad |= AUDIT_COUNT;
    }
    return bad;
}

/* The area of the unmapping's address space that va lies in, or NULL (its areas are known). */
struct vma_struct *cow_audit_find_area(struct mmu_gather *tlb, uintptr_t va);

static inline const struct vma_struct *audit_area(struct mmu_gather *tlb, uintptr_t va) {
    const struct vma_struct *vma = tlb->area;
    return vma != NULL && vma->vm_start <= va && va < vma->vm_end ? vma
                                                                   : cow_audit_find_area(tlb, va);
}

/* Print a line for each rule in `bad` that PTE pte for va broke. */
void cow_audit_broken(uint32_t bad, uintptr_t va, pte_t pte);

/*
 * The area of the unmapping's address space that covers all of [va, end)
 * (NULL if none does, or its areas are not known): one lookup for a run
 * of PTEs (unmap.c's unmap_ptes), instead of one each.
 */
static inline const struct vma_struct *cow_audit_run_area(struct mmu_gather *tlb, uintptr_t va,
                                                          uintptr_t end) {
    const struct vma_struct *vma = tlb->areas != NULL ? audit_area(tlb, va) : NULL;
    return vma != NULL && end <= vma->vm_end ? vma : NULL;
}

/*
 * The PTE for va was unmapped; its page's count is now `others`, and its
 * flags were page_flags before the count dropped (after, another holder
 * may free the page at once, on another hart): the rules, if the
 * unmapping is audited. run_area: the area that covers the run va lies
 * in, or NULL to look it up. (unmap.c's zap_pte.)
 */
static inline void cow_audit_unmap(struct mmu_gather *tlb, uintptr_t va, pte_t pte,
                                   uint32_t page_flags, int others,
                                   const struct vma_struct *run_area) {
    const struct vma_struct *vma = run_area != NULL ? run_area :
                                   tlb->areas != NULL ? audit_area(tlb, va) : NULL;
    uint32_t bad = audit_pte_problems(vma, tlb->areas != NULL, pte, page_flags, others,
                                      tlb->in_shared);
    if (bad != 0) {
        cow_audit_broken(bad, va, pte);
    }
}

#endif /* !__KERN_MM_COW_AUDIT_H__ */
