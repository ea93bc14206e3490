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
 * the audit (cow_audit.c) run in the middle.
 */

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
    pte_t r = pte_of(child, ro);        /* the zero page: the parent only read there */
    struct Page *zero = get_zero_page();
    assert(pte2page(r) == zero && !pte_is_cow(r) && !pte_writable(r));
    assert(page_ref(zero) == ZERO_PAGE_KERNEL_HOLDS + 2);   /* + the parent's and the child's */

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
    assert(check_cow_invariants());

    /* free: the child's exit drops its references; the last holder frees the page */
    struct Page *second = pte2page(pte_of(parent, rw + PGSIZE));
    assert(page_ref(second) == 2);
    mmput(child);
    assert(page_ref(second) == 1 && page_ref(zero) == ZERO_PAGE_KERNEL_HOLDS + 1);
    mmput(parent);
    assert(nr_free_pages() == free_before && kmalloc_bytes() == kbytes);
    cprintf("check_cow() succeeded!\n");
}
