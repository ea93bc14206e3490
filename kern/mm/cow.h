#ifndef __KERN_MM_COW_H__
#define __KERN_MM_COW_H__

#include <defs.h>
#include <memlayout.h>
#include <memstat.h>

struct vma_struct;
struct mm_struct;

/*
 * Copy-on-write (cow.c). fork (copy_range) maps the parent's writable
 * pages read-only with PTE_COW into both processes and counts the extra
 * reference in struct Page.ref; a store to such a page faults and
 * do_wp_page either reuses the page (ref == 1) or copies it.
 */
enum cow_mode { COW_OFF, COW_ON, COW_PT };   /* as memstat's cow_mode says them */

void cow_init(void);                         /* read cow=; print the mode */
bool cow_enabled(void);                      /* does fork share (cow=on or pt)? */
enum cow_mode cow_mode(void);
size_t cow_share_ptes(pte_t *dst, pte_t *src, size_t first, size_t n);  /* fork's sharing */
void cow_fork_flush(pde_t *pgdir);           /* after sharing: the parent's stores fault */
uint32_t cow_readonly_perm(const struct vma_struct *vma);  /* rights for someone else's page */
int do_wp_page(struct vma_struct *vma, uintptr_t va, pte_t *ptep, uint32_t flags);
void cow_count_fork(size_t shared, size_t copied);
size_t cow_forked_total(void);               /* PTEs shared or copied at fork since boot */
void cow_fill_memstat(struct memstat *st);   /* the COW counters of memstat() */

/* cow_pt.c: lazy page-table sharing at fork (cow=pt) */
struct mmu_gather;
int cow_pt_share(pde_t *to, pde_t *from, uintptr_t start, uintptr_t end,
                 uint32_t vm_flags);                    /* fork, one area */
int cow_pt_unshare(pde_t *pdep, uintptr_t va);          /* first touch: a table of its own */
void cow_pt_drop(pde_t *pdep, uintptr_t va, struct mmu_gather *tlb);  /* let go of a shared table */
size_t cow_pt_tables_shared(void);                      /* leaf tables shared since boot */

/* cow_audit.c: the audit */
bool check_cow_invariants(void);             /* the full audit: every table, every count */
void cow_audit_init(void);                   /* read audit= */
void cow_audit_begin(struct mmu_gather *tlb, struct mm_struct *areas);  /* audit this unmapping */
void cow_audit_bad_leaf(uintptr_t va, pte_t pte);   /* not a 4 KiB leaf of RAM: say so */
bool cow_audit_unmap_pde(struct mmu_gather *tlb, uintptr_t va, pde_t pde); /* false: malformed */
void cow_audit_free_table(uintptr_t va, pde_t pde);                    /* a table, as it goes */
bool cow_audit_report(void);                 /* the final verdict, once all have quit */

/* cow_check.c */
void check_cow(void);                        /* fork a small space by hand: share, copy, reuse */

#endif /* !__KERN_MM_COW_H__ */
