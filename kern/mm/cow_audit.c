#include <cow.h>
#include <cow_audit.h>
#include <pgtable.h>
#include <vmm.h>
#include <bootargs.h>
#include <fs.h>
#include <spinlock.h>
#include <console.h>
#include <stdio.h>

/*
 * The audit: the rules that make copy-on-write safe, checked against the
 * page tables. Each user leaf PTE must lie in an area that allows its
 * rights, never be both writable and COW, and be writable only if its
 * page has no other holder; and every page's struct Page.ref must count
 * exactly its holders: user PTEs, uses as a page table, a file's hold,
 * the kernel's hold on the zero page.
 *
 * Two kinds. The full audit (check_cow_invariants) walks the kernel's
 * table and every address space and compares every page's count
 * exactly; it runs at the end of every program. The audit as an address
 * space is torn down (cow_audit_unmap and its kin, called by
 * unmap_range (unmap.c) when an mmu_gather asks) checks each PTE
 * as it is unmapped: the rules above, and that its page's count still
 * includes this mapping and the page's other holds, so a missing
 * reference shows at the exit where its mapping ends. It costs nothing
 * beyond the unmapping itself: no second walk, no scratch state, no
 * lock. What an exit only stops naming (a leaf table still shared with
 * another address space, cow=pt) it does not audit: the last holder
 * does. A count too high (a leak) is left to the full audit and to
 * init's memory check.
 *
 * struct Page.audit_maps is the full audit's scratch: zero outside it.
 * It runs under audit_lock, with no user process left.
 */

static struct lock_class audit_class = LOCK_CLASS("audit");
static spinlock_t audit_lock = SPINLOCK_INIT(&audit_class);
static int audit_runs, audit_problems;     /* atomic */
static bool audit_each_exit = true;        /* boot argument audit=off clears it */

/* Report one broken rule (the audit keeps going to show them all). */
static void audit_fail(const char *what, uintptr_t va, pte_t pte) {
    __atomic_fetch_add(&audit_problems, 1, __ATOMIC_RELAXED);
    console_lock();
    cprintf("cow audit: %s at va 0x%lx (pte 0x%lx", what, va, pte);
    if (pte_page_valid(pte)) {
        cprintf(", ref %d", page_ref(pte2page(pte)));
    }
    cprintf(")\n");
    console_unlock();
}

/* The message for each rule of cow_audit.h, in its bit order. */
static const char *const problem_names[] = {
    "page on the free list still mapped (freed while a PTE named it)",
    "page mapped outside every area",
    "COW bit in a read-only area",
    "writable PTE in a read-only area",
    "PTE both writable and COW",
    "writable PTE to a shared or file page",
    "user page without PTE_U",
    "page's count leaves out this mapping or another hold",
};

void cow_audit_broken(uint32_t bad, uintptr_t va, pte_t pte) {
    for (size_t i = 0; i < ARRAY_SIZE(problem_names); i++) {
        if (bad & (1U << i)) {
            audit_fail(problem_names[i], va, pte);
        }
    }
}

/* The full audit's rules for one user leaf PTE of mm (vma: its area, looked up). */
static void check_leaf(const struct vma_struct *vma, uintptr_t va, pte_t pte, bool in_shared) {
    struct Page *page = pte2page(pte);
    uint32_t bad = audit_pte_problems(vma, true, pte, page->flags, page_ref(page) - 1, in_shared);
    if (bad != 0) {
        cow_audit_broken(bad, va, pte);
    }
}

/* A level-1 entry naming the zero table: that table, in a writable anonymous area covering the 2 MiB. */
static void check_zero_pde(const struct vma_struct *vma, uintptr_t va, pde_t pde) {
    if (pte2page(pde) != get_zero_table()) {
        audit_fail("zero-table entry naming another page", va, pde);
    } else if (vma == NULL || !vma_fits_zero_table(vma, va)) {
        audit_fail("zero table outside a writable anonymous area", va, pde);
    }
}

/* ---- as an address space is torn down ---------------------------------- */

/* Audit the unmapping tlb is about to do (if auditing is on), against mm's areas (or none). */
void cow_audit_begin(struct mmu_gather *tlb, struct mm_struct *areas) {
    if (audit_each_exit) {
        __atomic_fetch_add(&audit_runs, 1, __ATOMIC_RELAXED);
        tlb->audit = true;
        tlb->areas = areas;
        tlb->area = NULL;
    }
}

/* The area of tlb->areas that va lies in, or NULL; va mostly ascends, so look on from the last. */
struct vma_struct *cow_audit_find_area(struct mmu_gather *tlb, uintptr_t va) {
    list_entry_t *head = &tlb->areas->mmap_list, *le;
    le = tlb->area != NULL && tlb->area->vm_start <= va ? &tlb->area->list_link : list_next(head);
    for (; le != head; le = list_next(le)) {
        struct vma_struct *vma = le2vma(le, list_link);
        if (va < vma->vm_end) {
            tlb->area = vma;
            return va >= vma->vm_start ? vma : NULL;
        }
    }
    return NULL;
}

/* pte, about to be unmapped, is not a leaf mapping a page of RAM: say which (it is never followed). */
void cow_audit_bad_leaf(uintptr_t va, pte_t pte) {
    audit_fail(pte_is_leaf(pte) ? "PTE points outside RAM" : "leaf PTE without R, W or X", va, pte);
}

/*
 * The level-1 entry for va is about to be unmapped: it must name a
 * table (the zero table only where it may). False if it is malformed
 * (reported; unmap_range leaves it alone).
 */
bool cow_audit_unmap_pde(struct mmu_gather *tlb, uintptr_t va, pde_t pde) {
    if (pde_is_shared(pde)) {
        return true;
    }
    if (!pte_is_table(pde) && !pde_is_zero(pde)) {
        audit_fail(pte_is_leaf(pde) ? "large page in user memory" : "malformed page-directory entry",
                   va, pde);
        return false;
    }
    if (!pte_page_valid(pde)) {
        audit_fail("page-table pointer outside RAM", va, pde);
        return false;
    }
    if (pde_is_zero(pde) && tlb->areas != NULL) {
        check_zero_pde(cow_audit_find_area(tlb, va), va, pde);
    }
    return true;
}

/* A page table (the one pde names, for va) is about to be freed: its own, counted once. */
void cow_audit_free_table(uintptr_t va, pde_t pde) {
    struct Page *table = pte2page(pde);
    if (PageFree(table)) {
        audit_fail("page table on the free list still in use", va, pde);
    } else if (page_ref(table) != 1) {
        audit_fail("page table freed with a count other than 1", va, pde);
    }
}

/* ---- the full audit ---------------------------------------------------- */

/* What a user walk checks against: the address space, and whether the table is shared. */
struct audit_walk {
    struct mm_struct *mm;
    bool in_shared;         /* a leaf table shared after fork (cow=pt): nobody writes through it */
};

/* walk_pgdir callback: the rules for one user leaf PTE *ptep mapping va (arg: audit_walk). */
static void audit_leaf(pte_t *ptep, uintptr_t va, int level, void *arg) {
    const struct audit_walk *aw = arg;
    pte_t pte = *ptep;
    if (level != 0 || !pte_page_valid(pte)) {
        audit_fail(level != 0 ? "large page in user memory" : "PTE points outside RAM", va, pte);
        return;
    }
    pte2page(pte)->audit_maps++;
    check_leaf(find_vma(aw->mm, va), va, pte, aw->in_shared);
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

/* walk_pgdir callback: a level-1 entry naming the zero table (fault.c's map_zero_table). */
static void audit_zero(pde_t *pdep, uintptr_t va, int level, void *arg) {
    const struct audit_walk *aw = arg;
    (void)level;
    check_zero_pde(find_vma(aw->mm, va), va, *pdep);
}

/*
 * walk_pgdir callback: a level-1 entry naming a shared leaf table. The
 * table counts this entry; its pages count the table once, so its leaves
 * are walked (and checked) the first time any entry names it.
 */
static void audit_shared(pde_t *pdep, uintptr_t va, int level, void *arg) {
    const struct audit_walk *aw = arg;
    (void)level;
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
}

/* Count mm's tables and mappings into audit_maps, checking the rules of each PTE. */
static void audit_count_mm(struct mm_struct *mm) {
    const struct audit_walk aw = { mm, false };
    const struct pt_walk walk = {
        .leaf = audit_leaf, .table = audit_table, .bad = audit_bad, .shared = audit_shared,
        .zero = audit_zero, .arg = (void *)&aw,
    };
    kva2page(mm->pgdir)->audit_maps++;
    walk_pgdir(mm->pgdir, 0, USERTOP - 1, &walk);
}

/* A page-cache page: the file holds one reference. */
static void audit_file_hold(struct Page *page) {
    page->audit_maps++;
}

/* ref == every holder counted, for every page the allocator manages; clears the scratch. */
static void audit_refcounts(void) {
    for (size_t i = 0; i < npage; i++) {
        struct Page *page = &pages[i];
        if (!PageReserved(page) && page_ref(page) != page->audit_maps) {
            __atomic_fetch_add(&audit_problems, 1, __ATOMIC_RELAXED);
            cprintf("cow audit: page 0x%lx has ref %d but %d mappings\n",
                    page2pa(page), page_ref(page), page->audit_maps);
        }
        page->audit_maps = 0;
    }
}

/*
 * The full audit: walk every page table and compare every count. True
 * when all rules hold; otherwise prints each problem. It runs when no
 * user process is left (init, after the program; and at boot), so
 * nothing changes under the walk.
 */
bool check_cow_invariants(void) {
    spin_lock(&audit_lock);
    spin_lock(&mm_list_lock);
    int before = __atomic_load_n(&audit_problems, __ATOMIC_RELAXED);
    __atomic_fetch_add(&audit_runs, 1, __ATOMIC_RELAXED);
    kva2page(boot_pgdir)->audit_maps++;
    const struct pt_walk kernel = { .table = audit_table, .bad = audit_bad };
    walk_pgdir(boot_pgdir, 0, ~0UL, &kernel);
    fs_for_each_page(audit_file_hold);
    get_zero_page()->audit_maps += ZERO_PAGE_KERNEL_HOLDS;     /* never freed */
    get_zero_table()->audit_maps++;
    if (!zero_table_intact()) {
        audit_fail("zero table changed", 0, 0);
    }
    if (!zero_page_intact()) {
        audit_fail("zero page written: it no longer reads as zeros", 0, 0);
    }
    for (list_entry_t *le = list_next(&mm_list); le != &mm_list; le = list_next(le)) {
        audit_count_mm(le2mm(le));
    }
    audit_refcounts();
    bool ok = __atomic_load_n(&audit_problems, __ATOMIC_RELAXED) == before;
    spin_unlock(&mm_list_lock);
    spin_unlock(&audit_lock);
    return ok;
}

/* Audit at every teardown unless the boot arguments say audit=off (benchmarks). */
void cow_audit_init(void) {
    audit_each_exit = bootarg_is("audit", "on", true);
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
