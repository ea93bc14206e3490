#ifndef __KERN_MM_MMU_H__
#define __KERN_MM_MMU_H__

/*
 * Sv39: a virtual address is  | VPN[2] 9 | VPN[1] 9 | VPN[0] 9 | offset 12 |
 * and a page-table entry is   | PPN 44 (bits 53..10) | RSW 2 | D A G U X W R V |
 */

#include <memlayout.h>

#define PTXSHIFT        12
#define PDX0SHIFT       30      /* level-2 (root) index */
#define PDX1SHIFT       21      /* level-1 index */
#define PTE_PPN_SHIFT   10
#define NPTEENTRY       512

#define PDX0(la)        ((((uintptr_t)(la)) >> PDX0SHIFT) & 0x1FF)
#define PDX1(la)        ((((uintptr_t)(la)) >> PDX1SHIFT) & 0x1FF)
#define PTX(la)         ((((uintptr_t)(la)) >> PTXSHIFT) & 0x1FF)
#define PPN(la)         (((uintptr_t)(la)) >> PTXSHIFT)
#define PGOFF(la)       (((uintptr_t)(la)) & 0xFFF)

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
#define PTE_SOFTDIRTY 0x200 /* RSW bit 9: the kernel's own "written" mark */

#define PTE_RWX     (PTE_R | PTE_W | PTE_X)
#define PTE_USER    (PTE_R | PTE_W | PTE_X | PTE_U)

#ifndef __ASSEMBLY__

/* The physical address a PTE points to. */
static inline uintptr_t PTE_ADDR(pte_t pte) {
    return (pte >> PTE_PPN_SHIFT) << PGSHIFT;
}

/* A valid PTE for physical page number ppn with permission bits perm. */
static inline pte_t pte_create(uintptr_t ppn, int perm) {
    return (ppn << PTE_PPN_SHIFT) | PTE_V | perm;
}

/* A leaf maps memory; a non-leaf (R = W = X = 0) points to the next table. */
static inline bool pte_is_leaf(pte_t pte) {
    return (pte & PTE_RWX) != 0;
}

static inline bool pte_present(pte_t pte) { return (pte & PTE_V) != 0; }
static inline bool pte_writable(pte_t pte) { return (pte & PTE_W) != 0; }
static inline bool pte_is_cow(pte_t pte) { return (pte & PTE_COW) != 0; }

/* The same mapping, read-only and marked copy-on-write. */
static inline pte_t pte_mkcow(pte_t pte) { return (pte & ~PTE_W) | PTE_COW; }

/* The same mapping, writable again and no longer copy-on-write. */
static inline pte_t pte_mkwrite(pte_t pte) { return (pte & ~PTE_COW) | PTE_W; }

/* Permission bits of a PTE (everything but the page number and V). */
static inline int pte_perm(pte_t pte) { return pte & 0x3FE; }

#endif /* !__ASSEMBLY__ */

#endif /* !__KERN_MM_MMU_H__ */
