#ifndef __KERN_MM_MMU_H__
#define __KERN_MM_MMU_H__

/*
 * Sv39: a virtual address is  | VPN[2] 9 | VPN[1] 9 | VPN[0] 9 | offset 12 |
 * and a page-table entry is   | PPN 44 (bits 53..10) | RSW 2 | D A G U X W R V |
 *
 * Three levels of tables, 512 entries each: level 2 is the root, level 0
 * holds the leaf PTEs of 4 KiB pages. A present entry is either a leaf
 * (R, W or X set: it maps memory) or a pointer to the next table (V and
 * nothing else; Sv39 reserves U, A and D there). This kernel maps user
 * memory with level-0 leaves only, and never builds a leaf without R, W
 * or X: hardware would take it for a pointer.
 *
 * With cow=pt a level-1 entry may also name a leaf table that several
 * address spaces share after fork: V clear (so that any access faults),
 * PDE_SHARED set, the table's page number kept (kern/mm/cow_pt.c).
 * And a level-1 entry with both V and PDE_SHARED names the zero table
 * (kern/mm/fault.c): a leaf table every address space may share, whose
 * 512 entries map the zero page read-only. Hardware walks it (it ignores
 * the RSW bits), so untouched memory reads as zeros with no table of its
 * own; the kernel treats the entry as "no table yet".
 */

#include <memlayout.h>

#define PT_LEVELS       3
#define PX_BITS         9
#define PX_MASK         (NPTEENTRY - 1)
#define PX_SHIFT(level) (PGSHIFT + PX_BITS * (level))
#define PX(level, va)   ((((uintptr_t)(va)) >> PX_SHIFT(level)) & PX_MASK)
#define PTE_PPN_SHIFT   10
#define NPTEENTRY       512

/* Bytes one entry at `level` maps: 4 KiB, 2 MiB, 1 GiB. */
#define PT_SPAN(level)  (1UL << PX_SHIFT(level))

/* Virtual addresses sign-extend bit 38: the upper half starts here. */
#define SV39_UPPER_HALF 0xFFFFFFC000000000UL

#define PPN(pa)         (((uintptr_t)(pa)) >> PGSHIFT)
#define PGOFF(va)       (((uintptr_t)(va)) & (PGSIZE - 1))

/* PTE bits */
#define PTE_V       0x001   /* valid */
#define PTE_R       0x002   /* readable */
#define PTE_W       0x004   /* writable */
#define PTE_X       0x008   /* executable */
#define PTE_U       0x010   /* user may access */
#define PTE_G       0x020   /* global */
#define PTE_A       0x040   /* accessed (hardware) */
#define PTE_D       0x080   /* dirty (hardware) */
#define PTE_COW     0x100   /* RSW bit 8: read-only because shared copy-on-write */
#define PDE_SHARED  0x100   /* RSW bit 8 of a level-1 entry: a shared leaf table (or, valid, the zero table) */
#define PTE_SOFTDIRTY 0x200 /* RSW bit 9: the kernel's own "written" mark */

#define PTE_RWX     (PTE_R | PTE_W | PTE_X)
#define PTE_USER    (PTE_R | PTE_W | PTE_X | PTE_U)
#define PTE_FLAGS   0x3FF   /* bits 0..9: V, the rights and the software bits */
#define PTE_PERM    (PTE_FLAGS & ~PTE_V)

#ifndef __ASSEMBLY__

#include <assert.h>

/* The physical address a PTE points to. */
static inline uintptr_t PTE_ADDR(pte_t pte) {
    return (pte >> PTE_PPN_SHIFT) << PGSHIFT;
}

/* A leaf PTE mapping physical page ppn with rights perm (at least one of R, W, X). */
static inline pte_t pte_create(uintptr_t ppn, uint32_t perm) {
    assert((perm & PTE_RWX) != 0);
    return (ppn << PTE_PPN_SHIFT) | PTE_V | perm;
}

/* A pointer to the table in physical page ppn. */
static inline pte_t pte_mktable(uintptr_t ppn) {
    return (ppn << PTE_PPN_SHIFT) | PTE_V;
}

static inline bool pte_present(pte_t pte) { return (pte & PTE_V) != 0; }

/* A present leaf: it maps memory. */
static inline bool pte_is_leaf(pte_t pte) {
    return pte_present(pte) && (pte & PTE_RWX) != 0;
}

/* A pointer to a lower table: V and no other flag. */
static inline bool pte_is_table(pte_t pte) {
    return (pte & PTE_FLAGS) == PTE_V;
}

/* A level-1 entry naming a leaf table shared with other address spaces (cow=pt). */
static inline bool pde_is_shared(pde_t pde) {
    return (pde & (PTE_V | PDE_SHARED)) == PDE_SHARED;
}

/* A level-1 entry naming the zero table: valid (reads walk it) and PDE_SHARED. */
static inline bool pde_is_zero(pde_t pde) {
    return (pde & (PTE_V | PDE_SHARED)) == (PTE_V | PDE_SHARED);
}

/* The entry naming the same leaf table, shared: invalid, so that every access faults. */
static inline pde_t pde_mkshared(pde_t pde) {
    return (pde & ~(pde_t)PTE_FLAGS) | PDE_SHARED;
}

/* The entry naming the same leaf table, private again: a plain pointer. */
static inline pde_t pde_mkprivate(pde_t pde) {
    return (pde & ~(pde_t)PTE_FLAGS) | PTE_V;
}

static inline bool pte_writable(pte_t pte) { return (pte & PTE_W) != 0; }
static inline bool pte_is_cow(pte_t pte) { return (pte & PTE_COW) != 0; }

/* The same mapping, read-only and marked copy-on-write. */
static inline pte_t pte_mkcow(pte_t pte) { return (pte & ~PTE_W) | PTE_COW; }

/* The same mapping, writable again and no longer copy-on-write. */
static inline pte_t pte_mkwrite(pte_t pte) { return (pte & ~PTE_COW) | PTE_W; }

/* Permission and software bits of a PTE (everything but the page number and V). */
static inline uint32_t pte_perm(pte_t pte) { return pte & PTE_PERM; }

#endif /* !__ASSEMBLY__ */

#endif /* !__KERN_MM_MMU_H__ */
