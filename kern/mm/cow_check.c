#include <cow.h>
#include <pgtable.h>
#include <vmm.h>
#include <kmalloc.h>
#include <string.h>
#include <stdio.h>
#include <riscv.h>

/*
 * check_cow(), the boot self-test of copy-on-write: a small address
 * space forked by hand, driven through share, copy, reuse and free, with
 * the audit (cow_audit.c) run in the middle. Each check is one property,
 * and a broken one stops the boot with its name: "check_cow: after fork
 * the parent's PTE of a written page is read-only", say.
 */

#define EXPECT(cond, property)                      \
    do {                                            \
        if (!(cond)) {                              \
            panic("check_cow: %s", (property));     \
        }                                           \
    } while (0)

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
    EXPECT(copy_range(child->pgdir, parent->pgdir, rw, rw + 2 * PGSIZE, true) == 0,
           "fork shares a written page (copy_range returns 0)");
    EXPECT(copy_range(child->pgdir, parent->pgdir, ro, ro + PGSIZE, true) == 0,
           "fork shares a read-only page (copy_range returns 0)");
    pte_t p = pte_of(parent, rw), c = pte_of(child, rw);
    EXPECT(!pte_writable(p), "after fork the parent's PTE of a written page is read-only");
    EXPECT(pte_is_cow(p), "after fork the parent's PTE of a written page is marked COW");
    EXPECT(pte2page(c) == pte2page(p), "after fork the child maps the parent's page, not a copy");
    EXPECT(c == p, "after fork the child's PTE has the parent's rights (read-only, COW)");
    EXPECT(page_ref(pte2page(p)) == 2, "a page shared at fork counts both mappings (ref 2)");
    pte_t r = pte_of(child, ro);        /* the zero page: the parent only read there */
    struct Page *zero = get_zero_page();
    EXPECT(pte2page(r) == zero, "a page the parent only read is the zero page in the child too");
    EXPECT(!pte_writable(r) && !pte_is_cow(r),
           "a page of a read-only area is shared as it is: read-only, no COW mark");
    EXPECT(page_ref(zero) == ZERO_PAGE_KERNEL_HOLDS + 2,
           "the zero page counts the parent's and the child's mapping");

    /* copy: the child writes first and gets its own page with the same bytes */
    EXPECT(do_pgfault(child, CAUSE_STORE_PAGE_FAULT, rw) == 0,
           "the child's store into a shared page succeeds (do_wp_page copies it)");
    c = pte_of(child, rw);
    EXPECT(pte2page(c) != pte2page(p), "a store into a shared page gets a page of its own");
    EXPECT(pte_writable(c) && !pte_is_cow(c), "the copy is mapped writable, without the COW mark");
    EXPECT(strcmp(page2kva(pte2page(c)), "parent data") == 0, "the copy holds the page's bytes");
    EXPECT(page_ref(pte2page(p)) == 1, "after the copy the old page loses the child's reference");

    /* reuse: the parent is now the only user, so its page just becomes writable */
    EXPECT(do_pgfault(parent, CAUSE_STORE_PAGE_FAULT, rw) == 0,
           "the parent's store into a page it alone holds succeeds");
    pte_t q = pte_of(parent, rw);
    EXPECT(pte2page(q) == pte2page(p), "a store into a page with ref 1 reuses it (no copy)");
    EXPECT(pte_writable(q) && !pte_is_cow(q), "a reused page is writable again, without the mark");

    /* a store to the read-only area is refused, never copied */
    EXPECT(do_pgfault(child, CAUSE_STORE_PAGE_FAULT, ro) != 0,
           "a store into a read-only area is refused, not copied");
    EXPECT(check_cow_invariants(), "the audit passes with both address spaces");

    /* free: the child's exit drops its references; the last holder frees the page */
    struct Page *second = pte2page(pte_of(parent, rw + PGSIZE));
    EXPECT(page_ref(second) == 2, "a page neither wrote after fork is still shared (ref 2)");
    mmput(child);
    EXPECT(page_ref(second) == 1, "the child's exit drops its reference to a shared page");
    EXPECT(page_ref(zero) == ZERO_PAGE_KERNEL_HOLDS + 1, "the child's exit drops its zero page");
    mmput(parent);
    EXPECT(nr_free_pages() == free_before, "the last exit gives back every page");
    EXPECT(kmalloc_bytes() == kbytes, "the last exit gives back every kmalloc byte");
    cprintf("check_cow() succeeded!\n");
}
