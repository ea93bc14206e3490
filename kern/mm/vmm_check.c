#include <vmm.h>
#include <pgtable.h>
#include <kmalloc.h>
#include <string.h>
#include <stdio.h>
#include <error.h>
#include <riscv.h>

/* Boot self-tests of areas and of do_pgfault's decisions. */

/* Insert areas out of order and find every address in the right one. */
static void check_vma_struct(void) {
    size_t free_before = nr_free_pages(), kbytes = kmalloc_bytes();
    struct mm_struct *mm = mm_create();
    assert(mm != NULL);
    const int n = 20;
    for (int i = n; i >= 1; i--) {      /* areas [base + i*0x10000, ... + 0x5000) */
        uintptr_t a = USERBASE + i * 0x10000;
        struct vma_struct *vma = vma_create(a, a + 0x5000, VM_READ);
        assert(vma != NULL);
        insert_vma_struct(mm, vma);
    }
    assert(mm->map_count == n);
    uintptr_t last = 0;
    for (list_entry_t *le = list_next(&mm->mmap_list); le != &mm->mmap_list; le = list_next(le)) {
        struct vma_struct *vma = le2vma(le, list_link);
        assert(vma->vm_start > last);
        last = vma->vm_start;
    }
    for (int i = 1; i <= n; i++) {
        uintptr_t a = USERBASE + i * 0x10000;
        assert(find_vma(mm, a)->vm_start == a && find_vma(mm, a + 0x4fff)->vm_start == a);
        assert(i == n || find_vma(mm, a + 0x5000)->vm_start == a + 0x10000);
    }
    assert(find_vma(mm, USERBASE + (n + 1) * 0x10000) == NULL);
    mmput(mm);
    assert(nr_free_pages() == free_before && kmalloc_bytes() == kbytes);
    cprintf("check_vma_struct() succeeded!\n");
}

/* Ask do_pgfault to fill, refuse and split, exactly as a user fault would. */
static void check_pgfault(void) {
    size_t free_before = nr_free_pages(), kbytes = kmalloc_bytes();
    struct mm_struct *mm = mm_create();
    assert(mm != NULL);
    const uintptr_t rw = 0x10000000, ro = 0x10100000;
    assert(mm_map(mm, rw, 4 * PGSIZE, VM_READ | VM_WRITE, NULL) == 0);
    assert(mm_map(mm, ro, PGSIZE, VM_READ, NULL) == 0);
    assert(mm_map(mm, rw, PGSIZE, VM_READ, NULL) == -E_INVAL);     /* overlap */

    /* A store into the writable area maps a zeroed writable page. */
    assert(do_pgfault(mm, CAUSE_STORE_PAGE_FAULT, rw + 0x123) == 0);
    pte_t *ptep = get_pte(mm->pgdir, rw, false);
    assert(ptep != NULL && pte_writable(*ptep) && (*ptep & PTE_U));
    char *kva = page2kva(pte2page(*ptep));
    for (int i = 0; i < PGSIZE; i++) {
        assert(kva[i] == 0);
    }
    /* Loads fill read-only pages read-only; stores there and outside areas fail. */
    assert(do_pgfault(mm, CAUSE_LOAD_PAGE_FAULT, ro) == 0);
    assert(!pte_writable(*get_pte(mm->pgdir, ro, false)));
    assert(do_pgfault(mm, CAUSE_STORE_PAGE_FAULT, ro) == -E_FAULT);
    assert(do_pgfault(mm, CAUSE_FETCH_PAGE_FAULT, rw) == -E_FAULT);
    assert(do_pgfault(mm, CAUSE_LOAD_PAGE_FAULT, rw + 8 * PGSIZE) == -E_FAULT);

    /* Unmapping the middle of an area splits it and frees its page. */
    assert(do_pgfault(mm, CAUSE_STORE_PAGE_FAULT, rw + PGSIZE) == 0);
    size_t mid = nr_free_pages();
    assert(mm_unmap(mm, rw + PGSIZE, PGSIZE) == 0);
    assert(nr_free_pages() == mid + 1 && mm->map_count == 3);
    assert(do_pgfault(mm, CAUSE_LOAD_PAGE_FAULT, rw + PGSIZE) == -E_FAULT);

    mmput(mm);
    assert(nr_free_pages() == free_before && kmalloc_bytes() == kbytes);
    cprintf("check_pgfault() succeeded!\n");
}

void check_vmm(void) {
    check_vma_struct();
    check_pgfault();
    cprintf("check_vmm() succeeded.\n");
}

void vmm_init(void) {
    zero_page_init();
    check_vmm();
}
