#include <cow.h>
#include <pgtable.h>
#include <vmm.h>
#include <bootargs.h>
#include <fs.h>
#include <stdio.h>

/*
 * The audit: the rules that make copy-on-write safe, checked against the
 * page tables. Each user leaf PTE must lie in an area that allows its
 * rights, never be both writable and COW, and be writable only if its
 * page has no other holder; and every page's struct Page.ref must count
 * exactly its holders: user PTEs, uses as a page table, a file's hold,
 * the kernel's hold on the zero page.
 *
 * Two sizes. The full audit (check_cow_invariants) walks the kernel's
 * table and every address space and compares every page's count
 * exactly; it runs at the end of every boot. The audit at each exit
 * (cow_audit_mm) walks only the exiting address space, so it costs what
 * that process holds: it checks the rules for its PTEs, and that no page
 * it maps counts fewer holders than this space alone gives it (a missing
 * reference, or a page freed while mapped); a count too high (a leak) is
 * left to the full audit and to init's memory check.
 *
 * struct Page.audit_maps is scratch: zero outside an audit.
 */

static int audit_runs, audit_problems;
static bool audit_each_exit = true;    /* boot argument audit=off clears it */

/* Report one broken rule (the audit keeps going to show them all). */
static void audit_fail(const char *what, uintptr_t va, pte_t pte) {
    audit_problems++;
    cprintf("cow audit: %s at va 0x%lx (pte 0x%lx", what, va, pte);
    if (pte_page_valid(pte)) {
        cprintf(", ref %d", page_ref(pte2page(pte)));
    }
    cprintf(")\n");
}

/* What a user walk checks against: the address space, and whether the table is shared. */
struct audit_walk {
    struct mm_struct *mm;
    bool in_shared;         /* a leaf table shared after fork (cow=pt): nobody writes through it */
};

/* walk_pgdir callback: the rules for one user leaf PTE *ptep mapping va (arg: audit_walk). */
static void audit_leaf(pte_t *ptep, uintptr_t va, int level, void *arg) {
    const struct audit_walk *aw = arg;
    struct mm_struct *mm = aw->mm;
    pte_t pte = *ptep;
    if (level != 0 || !pte_page_valid(pte)) {
        audit_fail(level != 0 ? "large page in user memory" : "PTE points outside RAM", va, pte);
        return;
    }
    struct vma_struct *vma = find_vma(mm, va);
    struct Page *page = pte2page(pte);
    page->audit_maps++;
    if (PageFree(page)) {
        audit_fail("page on the free list still mapped (freed while a PTE named it)", va, pte);
    }
    if (vma == NULL || va < vma->vm_start) {
        audit_fail("page mapped outside every area", va, pte);
    } else if (pte_is_cow(pte) && !(vma->vm_flags & VM_WRITE)) {
        audit_fail("COW bit in a read-only area", va, pte);
    } else if (pte_writable(pte) && !(vma->vm_flags & VM_WRITE)) {
        audit_fail("writable PTE in a read-only area", va, pte);
    }
    if (pte_writable(pte) && pte_is_cow(pte)) {
        audit_fail("PTE both writable and COW", va, pte);
    }
    if (pte_writable(pte) && !aw->in_shared &&
        (page_ref(page) > 1 || PageFile(page) || PageZero(page))) {
        audit_fail("writable PTE to a shared or file page", va, pte);
    }
    if (!(pte & PTE_U)) {
        audit_fail("user page without PTE_U", va, pte);
    }
}

/* walk_pgdir callback: a page-table page is in use once per entry naming it. */
static void audit_table(pde_t *pdep, uintptr_t va, int level, void *arg) {
    (void)arg, (void)level;
    if (!pte_page_valid(*pdep)) {
        audit_fail("page-table pointer outside RAM", va, *pdep);
        return;
    }
    if (PageFree(pte2page(*pdep))) {
        audit_fail("page table on the free list still in use", va, *pdep);
    }
    pte2page(*pdep)->audit_maps++;
}

/* walk_pgdir callback: an entry that is neither a table pointer nor a leaf. */
static void audit_bad(pte_t *ptep, uintptr_t va, int level, void *arg) {
    (void)arg;
    audit_fail(level == 0 ? "leaf PTE without R, W or X" : "malformed page-directory entry",
               va, *ptep);
}

/* The holders of page the count must include besides PTEs and tables: a file's, the kernel's. */
static int other_holds(struct Page *page) {
    return PageZero(page) ? ZERO_PAGE_KERNEL_HOLDS : PageFile(page) ? 1 : 0;
}

/*
 * walk_pgdir callback: a level-1 entry naming the zero table. Reads of
 * its 2 MiB bypass the areas, so one writable anonymous area must cover
 * it whole (fault.c's map_zero_table).
 */
static void audit_zero(pde_t *pdep, uintptr_t va, int level, void *arg) {
    const struct audit_walk *aw = arg;
    (void)level;
    struct vma_struct *vma = find_vma(aw->mm, va);
    if (pte2page(*pdep) != get_zero_table()) {
        audit_fail("zero-table entry naming another page", va, *pdep);
    } else if (vma == NULL || !vma_fits_zero_table(vma, va)) {
        audit_fail("zero table outside a writable anonymous area", va, *pdep);
    }
}

/* Count mm's tables and mappings into audit_maps, checking the rules of each PTE. */
/*
 * walk_pgdir callback: a level-1 entry naming a shared leaf table. The
 * table counts this entry; its pages count the table once, so its leaves
 * are walked (and checked) the first time any entry names it.
 */
static void audit_shared(pde_t *pdep, uintptr_t va, int level, void *arg) {
    const struct audit_walk *aw = arg;
    if (!pte_page_valid(*pdep)) {
        audit_fail("shared-table entry outside RAM", va, *pdep);
        return;
    }
    if (pte2page(*pdep)->audit_maps++ == 0) {
        const struct audit_walk shared = { aw->mm, true };
        const struct pt_walk walk = {
            .leaf = audit_leaf, .bad = audit_bad, .arg = (void *)&shared,
        };
        walk_leaf_table(pdep, va, &walk);
    }
    (void)level;
}

static void audit_count_mm(struct mm_struct *mm) {
    const struct audit_walk aw = { mm, false };
    const struct pt_walk walk = {
        .leaf = audit_leaf, .table = audit_table, .bad = audit_bad, .shared = audit_shared,
        .zero = audit_zero, .arg = (void *)&aw,
    };
    kva2page(mm->pgdir)->audit_maps++;
    walk_pgdir(mm->pgdir, 0, USERTOP - 1, &walk);
}

/* A page mm maps counts fewer holders than mm alone gives it (or is free). */
static void audit_at_least(struct Page *page) {
    if (page->audit_maps != 0 && page->ref < page->audit_maps + other_holds(page)) {
        audit_problems++;
        cprintf("cow audit: page 0x%lx has ref %d but %d mappings in this address space\n",
                page2pa(page), page->ref, page->audit_maps + other_holds(page));
    }
    page->audit_maps = 0;
}

static void audit_at_least_leaf(pte_t *ptep, uintptr_t va, int level, void *arg) {
    (void)va, (void)level, (void)arg;
    if (pte_page_valid(*ptep)) {
        audit_at_least(pte2page(*ptep));
    }
}

static void audit_at_least_table(pde_t *pdep, uintptr_t va, int level, void *arg) {
    audit_at_least_leaf(pdep, va, level, arg);
}

/* The second pass over a shared leaf table: the table, then its pages (once: reset to 0). */
static void audit_at_least_shared(pde_t *pdep, uintptr_t va, int level, void *arg) {
    if (!pte_page_valid(*pdep) || pte2page(*pdep)->audit_maps == 0) {
        return;
    }
    audit_at_least_leaf(pdep, va, level, arg);
    const struct pt_walk walk = { .leaf = audit_at_least_leaf };
    walk_leaf_table(pdep, va, &walk);
}

/* The audit at an exit: mm's own PTEs and tables (see the top). True if all hold. */
static bool audit_mm(struct mm_struct *mm) {
    int before = audit_problems;
    const struct pt_walk check = {
        .leaf = audit_at_least_leaf, .table = audit_at_least_table, .shared = audit_at_least_shared,
    };
    audit_runs++;
    audit_count_mm(mm);
    walk_pgdir(mm->pgdir, 0, USERTOP - 1, &check);
    audit_at_least(kva2page(mm->pgdir));
    return audit_problems == before;
}

/* A page-cache page: the file holds one reference. */
static void audit_file_hold(struct Page *page) {
    page->audit_maps++;
}

/* ref == every holder counted, for every page the allocator manages; clears the scratch. */
static void audit_refcounts(void) {
    for (size_t i = 0; i < npage; i++) {
        struct Page *page = &pages[i];
        if (!PageReserved(page) && page->ref != page->audit_maps) {
            audit_problems++;
            cprintf("cow audit: page 0x%lx has ref %d but %d mappings\n",
                    page2pa(page), page->ref, page->audit_maps);
        }
        page->audit_maps = 0;
    }
}

/*
 * The full audit: walk every page table and compare every count. True
 * when all rules hold; otherwise prints each problem. Interrupts are
 * off, so nothing changes under the walk.
 */
bool check_cow_invariants(void) {
    int before = audit_problems;
    audit_runs++;
    kva2page(boot_pgdir)->audit_maps++;
    const struct pt_walk kernel = { .table = audit_table, .bad = audit_bad };
    walk_pgdir(boot_pgdir, 0, ~0UL, &kernel);
    fs_for_each_page(audit_file_hold);
    get_zero_page()->audit_maps += ZERO_PAGE_KERNEL_HOLDS;     /* never freed */
    get_zero_table()->audit_maps++;
    if (!zero_table_intact()) {
        audit_fail("zero table changed", 0, 0);
    }
    for (list_entry_t *le = list_next(&mm_list); le != &mm_list; le = list_next(le)) {
        audit_count_mm(le2mm(le));
    }
    audit_refcounts();
    return audit_problems == before;
}

/* Audit at every exit unless the boot arguments say audit=off (benchmarks). */
void cow_audit_init(void) {
    audit_each_exit = bootarg_is("audit", "on", true);
}

/* The audit run when a user process exits, over its address space, before it drops it. */
void cow_audit_at_exit(struct mm_struct *mm) {
    if (audit_each_exit) {
        audit_mm(mm);
    }
}

/* The final verdict, printed by init once every user process is gone. */
bool cow_audit_report(void) {
    bool ok = check_cow_invariants() && audit_problems == 0;
    cprintf("cow audit: %d audits, %d problems\n", audit_runs, audit_problems);
    if (ok) {
        cprintf("cow audit pass.\n");
    }
    return ok;
}
