#include <cow.h>
#include <pgtable.h>
#include <vmm.h>
#include <string.h>
#include <error.h>

/*
 * Lazy page-table sharing at fork (boot argument cow=pt): the
 * copy-on-write mark is put on the directory entry and pushed down to
 * the PTEs only when the entry is first used.
 *
 * Sv39 keeps no rights in a directory entry, so "read-only" cannot be
 * marked there as x86's On-Demand-Fork marks its PMDs. Instead fork
 * makes both level-1 entries naming a leaf table invalid, with
 * PDE_SHARED and the table's page number kept (cow_pt_share): any
 * access by parent or child to those 2 MiB then faults. The table page
 * counts the entries that name it; each page in it counts the table
 * once, however many address spaces share it.
 *
 * The first fault of an address space in a shared region, read or write
 * (get_pte → cow_pt_unshare), pushes the mark down: it gets a private
 * copy of the table whose writable entries are read-only with PTE_COW
 * (as COW fork makes them), each page gaining the copy's reference, and
 * the shared table loses this name. The last holder takes the table
 * back instead, write-protecting the entries whose pages others now
 * share. From then on do_wp_page handles the writes, as with cow=on.
 * An exit, or an unmap of the whole 2 MiB, just drops the name
 * (cow_pt_drop); the last name unmaps the table's pages and frees it.
 *
 * Locking. A shared table is named by several address spaces, each
 * under its own locks, so no one lock covers it; its count is atomic
 * and the rules make that enough. Its entries are read (copy_table)
 * only by a holder, and changed (take_back) only by its sole holder:
 * while another name exists the count is above 1, and a count of 1
 * cannot rise, since only a holder's fork can add a name, and the sole
 * holder is the one taking it back, whose fork waits for its mm's lock.
 * Whoever drops the count to 0 (cow_pt_release) unmaps and frees it.
 */

static size_t tables_shared;    /* leaf tables shared by fork since boot (atomic) */

size_t cow_pt_tables_shared(void) {
    return __atomic_load_n(&tables_shared, __ATOMIC_RELAXED);
}

/* One more address space names the leaf table *from names: *to, the child's entry. */
static void share_table(pde_t *to, pde_t *from) {
    page_ref_inc(pte2page(*from));          /* tables are not in the ppage machine */
    set_pde(from, pde_mkshared(*from));
    set_pde(to, pde_mkshared(*from));
    __atomic_fetch_add(&tables_shared, 1, __ATOMIC_RELAXED);
}

/*
 * An address space let go of its name of a shared table. The last
 * name unmaps the table's pages (the ones left with no holder join tlb)
 * and the table joins them, to be freed after tlb's flush.
 */
static void release_table(pte_t *shared, uintptr_t base, struct mmu_gather *tlb) {
    if (page_ref_dec(kva2page(shared)) == 0) {
        tlb->in_shared = true;
        unmap_ptes(shared, NPTEENTRY, base, tlb);
        tlb->in_shared = false;
        tlb_gather_free(tlb, kva2page(shared));
    }
}

/*
 * Some tables are shared entry by entry at fork, as cow=on does (through
 * copy_range), not as a whole: those that parent and child touch at once,
 * where a shared table would be pushed down (512 entries copied) on both
 * sides to spare a few. They are the tables of program code (fetched on
 * the way back from fork; the program's data lies in the same table: the
 * heap begins at the next 2 MiB, exec.c) and of the stack (the parent's
 * return writes it); and so is a table the child already has one of its
 * own of (an earlier area's part went entry by entry: one way a table).
 */
static bool share_by_entries(const pde_t *child, uint32_t vm_flags) {
    return (vm_flags & (VM_EXEC | VM_STACK)) || (child != NULL && pte_present(*child));
}

/*
 * Fork under cow=pt, for one area [start, end) of the parent, whose
 * flags are vm_flags: every leaf table of the parent's page table `from`
 * that maps part of it becomes shared with the child's `to` (a table
 * next to an earlier area may be shared already), or shares its entries
 * (share_by_entries). 0, or -E_NO_MEM when a table of the child's could
 * not be had (what was shared stays shared; the caller drops the child).
 */
int cow_pt_share(pde_t *to, pde_t *from, uintptr_t start, uintptr_t end, uint32_t vm_flags) {
    for (uintptr_t va = ROUNDDOWN(start, PT_SPAN(1)); va < end; va += PT_SPAN(1)) {
        pde_t *parent = get_pde(from, va, false), *child;
        uintptr_t lo = MAX(start, va), hi = MIN(end, va + PT_SPAN(1));
        if (parent == NULL || !(pte_present(*parent) || pde_is_shared(*parent)) ||
            pde_is_zero(*parent)) {
            continue;                   /* (the child reads zeros through faults of its own) */
        }
        if (pte_is_table(*parent) && share_by_entries(get_pde(to, va, false), vm_flags)) {
            if (copy_range(to, from, lo, hi, true) != 0) {
                return -E_NO_MEM;
            }
            continue;
        }
        if ((child = get_pde(to, va, true)) == NULL) {
            return -E_NO_MEM;
        }
        if (!pde_is_shared(*child)) {
            share_table(child, parent);
        }
    }
    return 0;
}

/* The last holder of the shared table takes it back: what others share becomes COW. */
static void take_back(pte_t *table) {
    for (size_t i = 0; i < NPTEENTRY; i++) {
        pte_t pte = table[i];
        if (pte_present(pte) && pte_writable(pte) && page_ref(pte2page(pte)) > 1) {
            set_pte(&table[i], pte_mkcow(pte));
        }
    }
}

/* A private copy of shared table: entries as fork's sharing leaves them, pages counted. */
static void copy_table(pte_t *copy, const pte_t *shared) {
    for (size_t i = 0; i < NPTEENTRY; i++) {
        pte_t pte = shared[i];
        if (pte_present(pte)) {
            page_ref_map(pte2page(pte));
            set_pte(&copy[i], pte_writable(pte) || pte_is_cow(pte) ? pte_mkcow(pte) : pte);
        }
    }
}

/*
 * The address space whose level-1 entry *pdep (for va) names a shared
 * leaf table touches the region: give it a table of its own (see the
 * top). Its page_table_lock is held. 0, or -E_NO_MEM with nothing
 * changed. If the other holders let go while it copied, it is the last
 * and frees the shared table: with no flush, since no directory entry
 * naming a shared table is valid, so no hart can hold a translation
 * through it.
 */
int cow_pt_unshare(pde_t *pdep, uintptr_t va) {
    struct trace_event ev;
    trace_begin(&ev);
    pte_t *shared = pde2table(*pdep), *copy;
    struct Page *table = kva2page(shared);
    uintptr_t base = ROUNDDOWN(va, PT_SPAN(1));
    if (page_ref(table) == 1) {
        take_back(shared);
        set_pde(pdep, pde_mkprivate(*pdep));
        trace_end(&ev, TRACE_COW, "pt-take", "took back the leaf table at 0x%lx", base);
        return 0;
    }
    if ((copy = alloc_table()) == NULL) {
        trace_dmove(*pdep, *pdep);          /* the entry stays shared */
        trace_end(&ev, TRACE_COW, "pt-oom", "no memory to copy the leaf table at 0x%lx", base);
        return -E_NO_MEM;
    }
    copy_table(copy, shared);
    set_pde(pdep, pte_mktable(PPN(PADDR(copy))));
    struct mmu_gather tlb;
    tlb_gather_mmu(&tlb, NULL);
    release_table(shared, base, &tlb);
    tlb_finish_mmu(&tlb);
    trace_end(&ev, TRACE_COW, "pt-copy", "copied the leaf table at 0x%lx", base);
    return 0;
}

/*
 * The address space lets go of the shared leaf table its level-1 entry
 * *pdep names (exit, or an unmap of the whole 2 MiB). The last name
 * unmaps every page of the table; the pages left with no holder and
 * the table itself are gathered into tlb, freed after its flush.
 */
void cow_pt_drop(pde_t *pdep, uintptr_t va, struct mmu_gather *tlb) {
    pte_t *shared = pde2table(*pdep);
    set_pde(pdep, 0);
    release_table(shared, ROUNDDOWN(va, PT_SPAN(1)), tlb);
}
