#include <pgtable.h>
#include <string.h>
#include <stdio.h>
#include <riscv.h>

/* Boot self-tests of the page allocator and page tables. */

void check_alloc_page(void) {
    pmm_manager->check();
    cprintf("check_alloc_page() succeeded!\n");
}

/* Map, remap and unmap two pages by hand and watch the reference counts. */
void check_pgdir(void) {
    size_t before = nr_free_pages();
    uintptr_t va1 = USERBASE, va2 = USERBASE + PGSIZE;
    assert(get_page(boot_pgdir, va1, NULL) == NULL);

    struct Page *p1 = alloc_page(), *p2 = alloc_page();
    assert(p1 != NULL && p2 != NULL);
    assert(page_insert(boot_pgdir, p1, va1, PTE_R | PTE_W | PTE_U) == 0);
    pte_t *ptep = get_pte(boot_pgdir, va1, false);
    assert(ptep != NULL && pte2page(*ptep) == p1 && page_ref(p1) == 1);
    assert((*ptep & PTE_USER) == (PTE_R | PTE_W | PTE_U));
    assert(pte_is_table(boot_pgdir[PX(2, va1)]));           /* non-leaf: V only */

    assert(page_insert(boot_pgdir, p2, va2, PTE_R | PTE_U) == 0);
    assert(page_ref(p2) == 1);
    assert(page_insert(boot_pgdir, p1, va2, PTE_R | PTE_U) == 0);   /* replaces p2 */
    assert(page_ref(p1) == 2 && page_ref(p2) == 0);
    assert(get_page(boot_pgdir, va2, NULL) == p1);

    page_remove(boot_pgdir, va1);
    assert(page_ref(p1) == 1);
    page_remove(boot_pgdir, va2);                           /* frees p1 */
    assert(get_page(boot_pgdir, va1, NULL) == NULL && get_page(boot_pgdir, va2, NULL) == NULL);
    free_pgtables(boot_pgdir, USERBASE, USERTOP);
    assert(nr_free_pages() == before);
    cprintf("check_pgdir() succeeded!\n");
}

/* The kernel page table maps all RAM at KADDR with the right rights. */
void check_boot_pgdir(void) {
    extern char etext[];
    for (size_t i = 0; i < npage; i += 97) {
        uintptr_t pa = (nbase + i) << PGSHIFT;
        if (pa < PADDR(KERNBASE)) {
            continue;
        }
        pte_t *ptep = get_pte(boot_pgdir, (uintptr_t)KADDR(pa), false);
        assert(ptep != NULL && PTE_ADDR(*ptep) == pa);
        assert(!(*ptep & PTE_U) && (*ptep & PTE_R));
    }
    pte_t *text = get_pte(boot_pgdir, KERNBASE, false);
    assert((*text & (PTE_X | PTE_W)) == PTE_X);
    pte_t *data = get_pte(boot_pgdir, (uintptr_t)boot_pgdir, false);
    assert((*data & (PTE_X | PTE_W)) == PTE_W);
    assert(get_pte(boot_pgdir, ROUNDUP((uintptr_t)etext, PGSIZE) - PGSIZE, false) != NULL);

    /* A page written through one mapping reads back through the direct map. */
    struct Page *p = alloc_page();
    assert(p != NULL && page_insert(boot_pgdir, p, USERBASE, PTE_R | PTE_W) == 0);
    tlb_invalidate(boot_pgdir, USERBASE);       /* we use the fresh mapping at once */
    strcpy((char *)USERBASE, "ucore: Hello world!!");
    assert(strcmp(page2kva(p), "ucore: Hello world!!") == 0);
    page_remove(boot_pgdir, USERBASE);
    free_pgtables(boot_pgdir, USERBASE, USERTOP);
    cprintf("check_boot_pgdir() succeeded!\n");
}
