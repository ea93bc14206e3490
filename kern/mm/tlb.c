#include <pgtable.h>
#include <pmm.h>
#include <cpu.h>
#include <proc.h>
#include <sbi.h>
#include <bootargs.h>
#include <riscv.h>
#include <stdio.h>

/*
 * Keeping every hart's TLB honest. A hart may cache the translations of
 * the page table in its satp, and of no other: load_pgdir flushes its
 * whole TLB whenever it loads a table and records the table in
 * cpu->pgdir_pa. So when a PTE of some address space loses a right or
 * changes page -- fork's write-protect, a COW copy, unmap, madvise, a
 * zero table replaced -- the harts that may still act on the old PTE
 * are exactly those running that table now, and they must drop it
 * before the change is relied on: before the page is shared with a
 * child, freed, or reused. This hart uses sfence.vma; the others get a
 * remote sfence.vma from the SBI (RFENCE), which returns only when they
 * have done it (OpenSBI asks them with machine-mode interrupts, which a
 * hart takes even with its own interrupts off, inside a spinlock).
 *
 * A hart may load the table just after the harts running it were
 * counted: it then walks the table as changed, because the change (a
 * PTE store) comes before the count and its load of the table (a store
 * to its cpu->pgdir_pa) before its walks, each side with a full fence
 * between (the store-load order RVWMO would not give by itself).
 *
 * trace=tlb prints each shootdown; memstat() counts them.
 */

static size_t shootdowns;       /* atomic */
static bool tracing;

void tlb_init(void) {
    tracing = bootarg_has("trace", "tlb");
}

size_t tlb_shootdowns(void) {
    return __atomic_load_n(&shootdowns, __ATOMIC_RELAXED);
}

/* Is pgdir the page table this hart is using now? */
static bool pgdir_is_active(pde_t *pgdir) {
    return PADDR(pgdir) == mycpu()->pgdir_pa;
}

/* The other harts running pgdir now (bit i: hart i); the caller has just changed a PTE. */
static unsigned long harts_running(pde_t *pgdir) {
    unsigned long mask = 0;
    if (__atomic_load_n(&ncpu, __ATOMIC_RELAXED) == 1) {
        return 0;                       /* one hart: nobody else to ask */
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the PTE store before the loads: see the top */
    for_each_cpu(c) {
        if (c->started && c != mycpu() &&
            __atomic_load_n(&c->pgdir_pa, __ATOMIC_RELAXED) == PADDR(pgdir)) {
            mask |= cpu_bit(c);
        }
    }
    return mask;
}

/* Make the other harts running pgdir forget [va, va + size) (size SBI_FLUSH_ALL: all). */
static void shootdown(pde_t *pgdir, uintptr_t va, size_t size) {
    unsigned long mask = harts_running(pgdir);
    if (mask == 0) {
        return;
    }
    __atomic_fetch_add(&shootdowns, 1, __ATOMIC_RELAXED);
    if (tracing) {
        char what[32];
        snprintf(what, sizeof(what), size == SBI_FLUSH_ALL ? "all" : "0x%lx", va);
        cprintf("tlb: pid %d on hart %d: flush %s on harts 0x%lx\n", current_pid(), cpu_id(),
                what, mask);
    }
    sbi_remote_sfence_vma(mask, va, size);
}

/*
 * A fault found the PTE already right (another hart fixed it, or an
 * upgrade was not flushed): only this hart's TLB is stale.
 */
void tlb_invalidate_local(uintptr_t va) {
    sfence_vma_addr(va);
}

/* Drop every hart's cached translation of va in pgdir. */
void tlb_invalidate(pde_t *pgdir, uintptr_t va) {
    if (pgdir_is_active(pgdir)) {
        sfence_vma_addr(va);
    }
    shootdown(pgdir, va, PGSIZE);
}

/* Drop every translation of pgdir that any hart has cached. */
void tlb_flush_all(pde_t *pgdir) {
    if (pgdir_is_active(pgdir)) {
        sfence_vma();
    }
    shootdown(pgdir, 0, SBI_FLUSH_ALL);
}

void tlb_gather_mmu(struct mmu_gather *tlb, pde_t *pgdir) {
    tlb->pgdir = pgdir;
    tlb->unmapped = tlb->freed = 0;
    tlb->flush = tlb->free_tables = false;
    list_init(&tlb->pages);
    tlb->audit = tlb->in_shared = false;
    tlb->areas = NULL;
    tlb->area = NULL;
}

/* page (or table) has no holder left: it goes back to the allocator in tlb_finish_mmu. */
void tlb_gather_free(struct mmu_gather *tlb, struct Page *page) {
    list_add_before(&tlb->pages, &page->page_link);
}

/*
 * End an unmapping: every hart forgets what was unmapped (one flush of
 * the whole table), and only then do the gathered pages go free. (A
 * gather with no page table, pgdir NULL, is of a table no hart walks:
 * cow_pt.c's shared ones.)
 */
void tlb_finish_mmu(struct mmu_gather *tlb) {
    if (tlb->flush && tlb->pgdir != NULL) {
        tlb_flush_all(tlb->pgdir);
        tlb->flush = false;
    }
    while (!list_empty(&tlb->pages)) {
        list_entry_t *le = list_next(&tlb->pages);
        list_del(le);
        free_page(le2page(le, page_link));
    }
}
