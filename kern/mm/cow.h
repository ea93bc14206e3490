#ifndef __KERN_MM_COW_H__
#define __KERN_MM_COW_H__

#include <defs.h>
#include <memlayout.h>
#include <memstat.h>
#include <cow_trace.h>

struct mm_struct;
struct vma_struct;

/*
 * Copy-on-write. fork (copy_range) maps the parent's writable pages
 * read-only with PTE_COW into both processes and counts the extra
 * reference in struct Page.ref; a store to such a page faults and
 * do_wp_page either reuses the page (ref == 1) or copies it.
 */
void cow_init(void);
bool cow_enabled(void);
size_t cow_share_ptes(pte_t *dst, pte_t *src, size_t first, size_t n);
int do_wp_page(struct vma_struct *vma, uintptr_t la, pte_t *ptep, uint32_t flags);
void cow_count_fork(size_t shared, size_t copied);
size_t cow_shared_total(void);
void cow_fill_memstat(struct memstat *st);

void check_cow(void);
bool check_cow_invariants(void);
void cow_audit_init(void);
void cow_audit_at_exit(void);
bool cow_audit_report(void);

#endif /* !__KERN_MM_COW_H__ */
