#include <cow.h>
#include <pgtable.h>
#include <vmm.h>
#include <kmalloc.h>
#include <bootargs.h>
#include <fs.h>
#include <string.h>
#include <stdio.h>
#include <riscv.h>

/*
 * Checking copy-on-write. check_cow_invariants() is the audit: it counts,
 * for every physical page, the page-table entries (and page-table pages)
 * that point at it, and compares with struct Page.ref; it also checks
 * the rules that make COW safe. check_cow() is the boot self-test.
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

/* walk_pgdir callback: the rules for one user leaf PTE *ptep mapping va in mm (arg). */
static void audit_leaf(pte_t *ptep, uintptr_t va, int level, void *arg) {
    struct mm_struct *mm = arg;
    pte_t pte = *ptep;
    if (level != 0 || !pte_page_valid(pte)) {
        audit_fail(level != 0 ? "large page in user memory" : "PTE points outside RAM", va, pte);
        return;
    }
    struct vma_struct *vma = find_vma(mm, va);
    struct Page *page = pte2page(pte);
    page->audit_maps++;
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
    if (pte_writable(pte) && (page_ref(page) > 1 || PageFile(page))) {
        audit_fail("writable PTE to a shared or file page", va, pte);
    }
    if (!(pte & PTE_U)) {
        audit_fail("user page without PTE_U", va, pte);
    }
}

/* walk_pgdir callback: a page-table page is in use once per entry naming it. */
static void audit_table(pde_t *pdep, uintptr_t va, int level, void *arg) {
    (void)arg;
    if (!pte_page_valid(*pdep)) {
        audit_fail("page-table pointer outside RAM", va, *pdep);
        return;
    }
    pte2page(*pdep)->audit_maps++;
    (void)level;
}

/* walk_pgdir callback: an entry that is neither a table pointer nor a leaf. */
static void audit_bad(pte_t *ptep, uintptr_t va, int level, void *arg) {
    (void)arg;
    audit_fail(level == 0 ? "leaf PTE without R, W or X" : "malformed page-directory entry",
               va, *ptep);
}

/* ref == mappings + table uses, for every page the allocator manages. */
static void audit_refcounts(void) {
    for (size_t i = 0; i < npage; i++) {
        struct Page *page = &pages[i];
        if (!PageReserved(page) && page->ref != page->audit_maps) {
            audit_problems++;
            cprintf("cow audit: page 0x%lx has ref %d but %d mappings\n",
                    page2pa(page), page->ref, page->audit_maps);
        }
    }
}

/* A page-cache page: the file holds one reference. */
static void audit_file_hold(struct Page *page) {
    page->audit_maps++;
}

/* The audit over the kernel's page table and every address space. */
static bool audit_all(void) {
    int before = audit_problems;
    audit_runs++;
    for (size_t i = 0; i < npage; i++) {
        pages[i].audit_maps = 0;
    }
    kva2page(boot_pgdir)->audit_maps++;
    const struct pt_walk kernel = { .table = audit_table, .bad = audit_bad };
    walk_pgdir(boot_pgdir, 0, ~0UL, &kernel);
    fs_for_each_page(audit_file_hold);
    for (list_entry_t *le = list_next(&mm_list); le != &mm_list; le = list_next(le)) {
        struct mm_struct *mm = le2mm(le);
        const struct pt_walk user = {
            .leaf = audit_leaf, .table = audit_table, .bad = audit_bad, .arg = mm,
        };
        kva2page(mm->pgdir)->audit_maps++;
        walk_pgdir(mm->pgdir, 0, USERTOP - 1, &user);
    }
    audit_refcounts();
    return audit_problems == before;
}

/*
 * Walk every page table and check the COW invariants. Returns true
 * when all hold; otherwise prints each problem. Interrupts are off, so
 * nothing changes under the walk.
 */
bool check_cow_invariants(void) {
    return audit_all();
}

/* Audit at every exit unless the boot arguments say audit=off (benchmarks). */
void cow_audit_init(void) {
    audit_each_exit = bootarg_is("audit", "on", true);
}

/* The audit run when a user process exits, before it drops its pages. */
void cow_audit_at_exit(void) {
    if (audit_each_exit) {
        check_cow_invariants();
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

/* The PTE of va in mm, which must be present. */
static pte_t pte_of(struct mm_struct *mm, uintptr_t va) {
    pte_t *ptep = get_pte(mm->pgdir, va, false);
    assert(ptep != NULL && pte_present(*ptep));
    return *ptep;
}

/* An address space with one writable and one read-only area, pages filled. */
static struct mm_struct *check_mm_create(uintptr_t rw, uintptr_t ro) {
    struct mm_struct *mm = mm_create();
    assert(mm != NULL);
    assert(mm_map(mm, rw, 2 * PGSIZE, VM_READ | VM_WRITE, NULL) == 0);
    assert(mm_map(mm, ro, PGSIZE, VM_READ, NULL) == 0);
    assert(do_pgfault(mm, CAUSE_STORE_PAGE_FAULT, rw) == 0);
    assert(do_pgfault(mm, CAUSE_STORE_PAGE_FAULT, rw + PGSIZE) == 0);
    assert(do_pgfault(mm, CAUSE_LOAD_PAGE_FAULT, ro) == 0);
    strcpy(page2kva(pte2page(pte_of(mm, rw))), "parent data");
    return mm;
}

/* Fork a small address space by hand and drive share, copy, reuse and free. */
void check_cow(void) {
    if (!cow_enabled()) {
        cprintf("check_cow() skipped: fork copies (copy-on-write is off)\n");
        return;
    }
    size_t free_before = nr_free_pages(), kbytes = kmalloc_bytes();
    const uintptr_t rw = 0x10000000, ro = 0x10200000;
    struct mm_struct *parent = check_mm_create(rw, ro), *child = mm_create();
    assert(child != NULL);
    assert(mm_map(child, rw, 2 * PGSIZE, VM_READ | VM_WRITE, NULL) == 0);
    assert(mm_map(child, ro, PGSIZE, VM_READ, NULL) == 0);

    /* share: writable pages become COW on both sides; read-only ones are just shared */
    assert(copy_range(child->pgdir, parent->pgdir, rw, rw + 2 * PGSIZE, true) == 0);
    assert(copy_range(child->pgdir, parent->pgdir, ro, ro + PGSIZE, true) == 0);
    pte_t p = pte_of(parent, rw), c = pte_of(child, rw);
    assert(pte_is_cow(p) && !pte_writable(p) && p == c && page_ref(pte2page(p)) == 2);
    pte_t r = pte_of(child, ro);
    assert(!pte_is_cow(r) && !pte_writable(r) && page_ref(pte2page(r)) == 2);

    /* copy: the child writes first and gets its own page with the same bytes */
    assert(do_pgfault(child, CAUSE_STORE_PAGE_FAULT, rw) == 0);
    c = pte_of(child, rw);
    assert(pte_writable(c) && !pte_is_cow(c) && pte2page(c) != pte2page(p));
    assert(strcmp(page2kva(pte2page(c)), "parent data") == 0);
    assert(page_ref(pte2page(p)) == 1);

    /* reuse: the parent is now the only user, so its page just becomes writable */
    assert(do_pgfault(parent, CAUSE_STORE_PAGE_FAULT, rw) == 0);
    pte_t q = pte_of(parent, rw);
    assert(pte2page(q) == pte2page(p) && pte_writable(q) && !pte_is_cow(q));

    /* a store to the read-only area is refused, never copied */
    assert(do_pgfault(child, CAUSE_STORE_PAGE_FAULT, ro) != 0);
    assert(audit_all());

    /* free: the child's exit drops its references; the last holder frees the page */
    struct Page *second = pte2page(pte_of(parent, rw + PGSIZE));
    assert(page_ref(second) == 2);
    mmput(child);
    assert(page_ref(second) == 1 && page_ref(pte2page(r)) == 1);
    mmput(parent);
    assert(nr_free_pages() == free_before && kmalloc_bytes() == kbytes);
    cprintf("check_cow() succeeded!\n");
}
