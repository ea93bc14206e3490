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
 * have done it. The caller holds the kernel lock, so no hart can load
 * the table meanwhile.
 *
 * trace=tlb prints each shootdown; memstat() counts them.
 */

static size_t shootdowns;
static bool tracing;

void tlb_init(void) {
    tracing = bootarg_has("trace", "tlb");
}

size_t tlb_shootdowns(void) {
    return shootdowns;
}

/* Is pgdir the page table this hart is using now? */
static bool pgdir_is_active(pde_t *pgdir) {
    return PADDR(pgdir) == mycpu()->pgdir_pa;
}

/* The other harts running pgdir now (bit i: hart i). */
static unsigned long harts_running(pde_t *pgdir) {
    unsigned long mask = 0;
    if (__atomic_load_n(&ncpu, __ATOMIC_RELAXED) == 1) {
        return 0;                       /* one hart: nobody else to ask */
    }
    for_each_cpu(c) {
        if (c->started && c != mycpu() && c->pgdir_pa == PADDR(pgdir)) {
            mask |= cpu_bit(c);
        }
    }
    return mask;
}

/*
 * A hart waiting for the kernel lock, which we hold, cannot return to
 * user mode before it has the lock, and the kernel itself never uses a
 * user translation (uaccess.c goes through the page table): such a hart
 * may flush when it gets the lock (tlb_catch_up) instead of now, which
 * spares an interrupt of a hart that QEMU may not even be running.
 * Returns the harts of mask that must flush now.
 */
static unsigned long leave_for_later(unsigned long mask) {
    for_each_cpu(c) {
        if ((mask & cpu_bit(c)) && __atomic_load_n(&c->wants_kernel, __ATOMIC_SEQ_CST)) {
            c->tlb_stale = true;
            mask &= ~cpu_bit(c);
        }
    }
    return mask;
}

void tlb_catch_up(void) {
    struct cpu *cpu = mycpu();
    if (cpu->tlb_stale) {
        cpu->tlb_stale = false;
        sfence_vma();
    }
}

/* Make the other harts running pgdir forget [va, va + size) (size SBI_FLUSH_ALL: all). */
static void shootdown(pde_t *pgdir, uintptr_t va, size_t size) {
    unsigned long mask = harts_running(pgdir);
    if (mask == 0) {
        return;
    }
    shootdowns++;
    unsigned long now = leave_for_later(mask);
    if (tracing) {
        char what[32];
        snprintf(what, sizeof(what), size == SBI_FLUSH_ALL ? "all" : "0x%lx", va);
        cprintf("tlb: pid %d on hart %d: flush %s on harts 0x%lx (0x%lx when they get the "
                "kernel lock)\n", current_pid(), cpu_id(), what, now, mask & ~now);
    }
    if (now != 0) {
        sbi_remote_sfence_vma(now, va, size);
    }
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
    tlb->flush = false;
    list_init(&tlb->pages);
}

/* page (or table) has no holder left: it goes back to the allocator in tlb_finish_mmu. */
void tlb_gather_free(struct mmu_gather *tlb, struct Page *page) {
    list_add_before(&tlb->pages, &page->page_link);
}

/*
 * End an unmapping: every hart forgets what was unmapped (one flush of
 * the whole table), and only then do the gathered pages go free.
 */
void tlb_finish_mmu(struct mmu_gather *tlb) {
    if (tlb->flush) {
        tlb_flush_all(tlb->pgdir);
        tlb->flush = false;
    }
    while (!list_empty(&tlb->pages)) {
        list_entry_t *le = list_next(&tlb->pages);
        list_del(le);
        free_page(le2page(le, page_link));
    }
}
