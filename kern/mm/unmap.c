#include <pgtable.h>
#include <cow.h>
#include <cow_audit.h>
#include <error.h>

/*
 * Tearing mappings down: unmap_range and its helpers clear PTEs, drop
 * the pages' references and gather what is left with none (pages, and
 * at exit the tables themselves) into an mmu_gather, which tlb.c frees
 * only after every hart's TLB has been flushed. munmap gives back the
 * leaf tables it emptied the same way (free_empty_tables).
 */

/*
 * Clear the present PTE *ptep (for va): its page loses a reference, and
 * at zero it is gathered into tlb, to be freed after the flush. If tlb
 * is audited, the PTE is checked as it goes (cow_audit.h; run_area: the
 * area of the whole run, or NULL); one that maps no page of RAM is
 * reported and cleared, never followed.
 */
static void zap_pte(pte_t *ptep, uintptr_t va, struct mmu_gather *tlb,
                    const struct vma_struct *run_area) {
    pte_t pte = *ptep;
    tlb->flush = true;
    if (tlb->audit && !(pte_is_leaf(pte) && pte_page_valid(pte))) {
        cow_audit_bad_leaf(va, pte);
        set_pte(ptep, 0);
        return;
    }
    struct Page *page = pte2page(pte);
    uint32_t flags = page->flags;       /* (the audit's: once ours is gone, a holder may free it) */
    set_pte(ptep, 0);
    tlb->unmapped++;
    int ref = page_ref_unmap(page);
    if (tlb->audit) {
        cow_audit_unmap(tlb, va, pte, flags, ref, run_area);
    }
    if (ref == 0) {
        tlb->freed++;
        tlb_gather_free(tlb, page);
    }
}

/*
 * table[i] is zero: how many entries after it the caller may pass over
 * too. 7 when i starts an aligned group of eight, all zero, below n;
 * else 0. Most of the tables an exit tears down are empty slots, and a
 * group costs about as much as two single entries.
 */
static inline size_t empty_group_rest(const pte_t *table, size_t i, size_t n) {
    const pte_t *t = &table[i];
    return i % 8 == 0 && i + 8 <= n && (t[1] | t[2] | t[3] | t[4] | t[5] | t[6] | t[7]) == 0 ? 7 : 0;
}

/*
 * Clear the present PTEs among ptes[0..n), ptes[0] mapping va: their
 * pages lose a reference each, and those left with none are gathered
 * into tlb.
 */
void unmap_ptes(pte_t *ptes, size_t n, uintptr_t va, struct mmu_gather *tlb) {
    const struct vma_struct *area = tlb->audit ? cow_audit_run_area(tlb, va, va + n * PGSIZE) : NULL;
    for (size_t i = 0; i < n; i++) {
        if (ptes[i] == 0) {
            i += empty_group_rest(ptes, i, n);
        } else if (pte_present(ptes[i])) {
            zap_pte(&ptes[i], va + i * PGSIZE, tlb, area);
        }
    }
}

/*
 * Make the leaf tables that [start, end) covers only in part this
 * address space's own, if they are shared (cow=pt), so that unmapping
 * the range cannot fail half-way. 0, or -E_NO_MEM (nothing changed that
 * the caller can see).
 */
int unshare_partial(pde_t *pgdir, uintptr_t start, uintptr_t end) {
    uintptr_t ends[2] = { start, end };
    for (int i = 0; i < 2; i++) {
        pde_t *pdep;
        if (ends[i] % PT_SPAN(1) != 0 && (pdep = get_pde(pgdir, ends[i], false)) != NULL &&
            pde_is_shared(*pdep) && cow_pt_unshare(pdep, ends[i]) != 0) {
            return -E_NO_MEM;
        }
    }
    return 0;
}

/* Clear the entry *pdep at `level` that names a table (the directory-entry machine sees level 1). */
static void clear_table_entry(pde_t *pdep, int level) {
    if (level == 1) {
        set_pde(pdep, 0);
    } else {
        *pdep = 0;
    }
}

/*
 * The table that entry *pdep (at `level`, for va) names maps nothing any
 * more: clear the entry and gather the table into tlb, to be freed after
 * the flush (a hart may be walking it until then); audited if tlb is.
 */
static void gather_table(struct mmu_gather *tlb, pde_t *pdep, uintptr_t va, int level) {
    if (tlb->audit) {
        cow_audit_free_table(va, *pdep);
    }
    tlb_gather_free(tlb, pte2page(*pdep));
    clear_table_entry(pdep, level);
    tlb->flush = true;
}

/* unmap_range within the level-1 table pdes, which maps [start, end) (inside 1 GiB). */
static void unmap_level1(struct mmu_gather *tlb, pde_t *pdes, uintptr_t start, uintptr_t end) {
    uintptr_t table_base = ROUNDDOWN(start, PT_SPAN(2));
    for (size_t i = PX(1, start), stop = PX(1, end - 1) + 1; i < stop; i++) {
        pde_t *pdep = &pdes[i];
        if (*pdep == 0) {
            i += empty_group_rest(pdes, i, stop);
            continue;
        }
        if (!(pte_present(*pdep) || pde_is_shared(*pdep))) {
            continue;
        }
        uintptr_t base = table_base + i * PT_SPAN(1);
        uintptr_t va = MAX(start, base), next = MIN(end, base + PT_SPAN(1));
        if (tlb->audit && !cow_audit_unmap_pde(tlb, va, *pdep)) {
            continue;                   /* malformed: reported, and never followed */
        }
        if (pde_is_zero(*pdep)) {
            set_pde(pdep, 0);
            tlb->flush = true;
        } else if (pde_is_shared(*pdep)) {
            assert(va == base && next - va == PT_SPAN(1));
            cow_pt_drop(pdep, va, tlb);
        } else {
            unmap_ptes(&pde2table(*pdep)[PX(0, va)], (next - va) / PGSIZE, va, tlb);
            if (tlb->free_tables) {
                gather_table(tlb, pdep, va, 1);
            }
        }
    }
}

/*
 * Remove every user mapping in [start, end) of tlb's page table: pages
 * lose one reference, and a shared leaf table that the range covers
 * whole loses this address space's name (cow_pt_drop). A shared table
 * covered in part must have been made private first (unshare_partial).
 * A region read through the zero table, covered whole or in part, just
 * loses the entry (what stays mapped of it reads zeros through ordinary
 * faults). Pages left with no holder wait in tlb: the caller ends with
 * tlb_finish_mmu, which flushes every hart's TLB once and then frees
 * them. With tlb->free_tables (exit: the range is all user space), each
 * page table the range reaches waits there too.
 */
void unmap_range(struct mmu_gather *tlb, uintptr_t start, uintptr_t end) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    for (uintptr_t va = start, next; va < end; va = next) {
        pde_t *rootp = &tlb->pgdir[PX(2, va)];
        next = MIN(ROUNDDOWN(va, PT_SPAN(2)) + PT_SPAN(2), end);
        if (pte_present(*rootp)) {              /* (else no table below: skip its 1 GiB) */
            assert(pte_is_table(*rootp));
            unmap_level1(tlb, pde2table(*rootp), va, next);
            if (tlb->free_tables) {
                gather_table(tlb, rootp, va, 2);
            }
        }
    }
}

/* Does the table hold no present (or shared) entry at all? */
static bool table_empty(const pte_t *table) {
    for (size_t i = 0; i < NPTEENTRY; i++) {
        if (table[i] != 0) {
            return false;
        }
    }
    return true;
}

/*
 * munmap's last step: give back the page tables below the root that
 * [start, end) touched and that map nothing any more. Each entry naming
 * one is cleared now and the table joins tlb's pages, freed after its
 * flush (a hart may be walking it until then). The mm's lock is held
 * for writing: no fault can be filling one in meanwhile.
 */
void free_empty_tables(struct mmu_gather *tlb, uintptr_t start, uintptr_t end) {
    pde_t *pgdir = tlb->pgdir;
    for (uintptr_t va = ROUNDDOWN(start, PT_SPAN(1)); va < end; va += PT_SPAN(1)) {
        pde_t *pdep = get_pde(pgdir, va, false);
        if (pdep != NULL && pte_is_table(*pdep) && table_empty(pde2table(*pdep))) {
            gather_table(tlb, pdep, va, 1);
        }
    }
    for (uintptr_t va = ROUNDDOWN(start, PT_SPAN(2)); va < end; va += PT_SPAN(2)) {
        pde_t *rootp = &pgdir[PX(2, va)];
        if (pte_is_table(*rootp) && table_empty(pde2table(*rootp))) {
            gather_table(tlb, rootp, va, 2);
        }
    }
}

/* walk_pgdir's table callback for free_pgtables: free the table below. */
static void free_table(pde_t *pdep, uintptr_t va, int level, void *arg) {
    (void)va, (void)arg;
    free_page(pte2page(*pdep));
    clear_table_entry(pdep, level);
}

/*
 * Free the page-table pages that map [start, end) of a table no hart
 * runs on (the boot self-checks'); they must map nothing any more
 * (unmap_range has run). Leaf tables are not searched for leaves.
 */
void free_pgtables(pde_t *pgdir, uintptr_t start, uintptr_t end) {
    assert(start % PGSIZE == 0 && end % PGSIZE == 0 && USER_ACCESS(start, end));
    const struct pt_walk walk = { .table = free_table };
    walk_pgdir(pgdir, start, end - 1, &walk);
}
