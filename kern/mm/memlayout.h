#ifndef __KERN_MM_MEMLAYOUT_H__
#define __KERN_MM_MEMLAYOUT_H__

/*
 * Virtual memory map (Sv39):
 *
 *  0xFFFFFFFFFFFFFFFF  +----------------------------------+
 *                      | all of RAM, mapped at            |
 *                      | KADDR(pa) = pa + PHYSICAL_OFFSET |  kernel only
 *  KERNBASE ---------> | kernel text, data, pages[] ...   |
 *  0xFFFFFFFFC0000000  +----------------------------------+  <- RAM base (0x80000000)
 *                      | (invalid: not sign-extended)     |
 *  USERTOP ----------> +----------------------------------+  0x80000000
 *                      | user stack (grows down)          |
 *  USTACKTOP - USTACKSIZE                                 |
 *                      | ... mmap area, heap (brk) ...    |
 *                      | program data, bss                |
 *  UTEXT ------------> | program text                     |  0x00800000
 *  USERBASE ---------> +----------------------------------+  0x00200000
 *                      | never mapped: catches NULL       |
 *  0x0                 +----------------------------------+
 */

#define DRAM_BASE           0x80000000UL
#define KERNBASE            0xFFFFFFFFC0200000UL
#define PHYSICAL_OFFSET     0xFFFFFFFF40000000UL   /* KERNBASE - 0x80200000 */
#define KERNTOP             0xFFFFFFFFFFFFF000UL   /* RAM above this is not mapped */

#define PGSIZE              4096
#define PGSHIFT             12

#define KSTACKPAGE          2
#define KSTACKSIZE          (KSTACKPAGE * PGSIZE)
#define NCPU                8                       /* harts 0..7: each has a boot stack */

#define USERTOP             0x80000000UL
#define USTACKTOP           USERTOP
#define USTACKPAGE          256
#define USTACKSIZE          (USTACKPAGE * PGSIZE)
#define USERBASE            0x00200000UL
#define UTEXT               0x00800000UL

/* Anonymous and file mappings are placed from here down towards the heap. */
#define UMMAPTOP            (USTACKTOP - USTACKSIZE - PGSIZE)

#define USER_ACCESS(start, end) \
    (USERBASE <= (start) && (start) < (end) && (end) <= USERTOP)

#ifndef __ASSEMBLY__

#include <defs.h>
#include <list.h>

typedef uintptr_t pte_t;
typedef uintptr_t pde_t;

/*
 * One per physical page frame. `ref` counts the page-table entries (and
 * deliberate kernel holds) that point at the frame: a frame is freed when
 * it drops to zero. With copy-on-write one frame may be mapped by many
 * processes, so `ref` is the source of truth for "shared or not".
 */
struct Page {
    int ref;                    /* mappings + kernel holds (atomic: pmm.h's page_ref_*) */
    int audit_maps;             /* the audit's scratch (audit_lock, cow_audit.c) */
    uint32_t flags;             /* PG_xxx below: changed only by whoever owns the page */
    unsigned int property;      /* free block size (head page of a free block; pmm_lock) */
    list_entry_t page_link;     /* in the free list (pmm_lock), a hart's page cache (its
                                   lock), or an unmapping's mmu_gather (its owner's) */
};                              /* 32 bytes: pages[] is indexed with a shift */

#define PG_reserved     0       /* kernel or firmware owns it: never allocatable */
#define PG_property     1       /* head page of a free block; property = its size */
#define PG_file         2       /* page cache of a file (kern/fs): never anonymous */
#define PG_zero         3       /* the shared zero page (kern/mm/fault.c): never written */
#define PG_free         4       /* with the allocator: nothing may map or use it (pmm.c) */

#define SetPageReserved(page)       ((page)->flags |= (1U << PG_reserved))
#define PageReserved(page)          (((page)->flags >> PG_reserved) & 1)
#define SetPageProperty(page)       ((page)->flags |= (1U << PG_property))
#define ClearPageProperty(page)     ((page)->flags &= ~(1U << PG_property))
#define PageProperty(page)          (((page)->flags >> PG_property) & 1)
#define SetPageFile(page)           ((page)->flags |= (1U << PG_file))
#define PageFile(page)              (((page)->flags >> PG_file) & 1)
#define SetPageZero(page)           ((page)->flags |= (1U << PG_zero))
#define PageZero(page)              (((page)->flags >> PG_zero) & 1)
#define SetPageFree(page)           ((page)->flags |= (1U << PG_free))
#define ClearPageFree(page)         ((page)->flags &= ~(1U << PG_free))
#define PageFree(page)              (((page)->flags >> PG_free) & 1)

#define le2page(le, member) to_struct((le), struct Page, member)

/* A list of free blocks and the number of free pages on it. */
typedef struct {
    list_entry_t free_list;
    size_t nr_free;
} free_area_t;

#endif /* !__ASSEMBLY__ */

#endif /* !__KERN_MM_MEMLAYOUT_H__ */
