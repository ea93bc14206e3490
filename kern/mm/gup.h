#ifndef __KERN_MM_GUP_H__
#define __KERN_MM_GUP_H__

#include <defs.h>
#include <memlayout.h>

struct mm_struct;
struct vma_struct;
struct Page;

/*
 * get_user_pages, reduced to what memwrite (our /proc/self/mem) needs
 * (gup.c), and the eras of Linux's rule for whether a forced write may
 * follow a read-only PTE (dirtycow.c): as Linux 4.8 did (the Dirty COW
 * bug), with the 2016 fix (FOLL_COW + dirty bit) and with the 2022 fix
 * (exclusive anonymous page). Chosen by the boot argument
 * dirtycow=vulnerable|fix2016|fix2022.
 */
#define FOLL_WRITE  0x1     /* the caller will write the page */
#define FOLL_FORCE  0x2     /* ... even where the area is read-only (ptrace, /proc/pid/mem) */
#define FOLL_COW    0x4     /* fix2016: COW was already broken for this lookup */

/* One era's rules, in the style of pmm_manager and sched_class. */
struct dirtycow_era {
    const char *name;
    /* May a write lookup use this read-only PTE of page in vma? (can_follow_write_pte) */
    bool (*can_follow_write)(pte_t pte, struct Page *page, const struct vma_struct *vma,
                             uint32_t foll_flags);
    /*
     * A fault broke COW for a write lookup into an area the process may
     * not write (faultin_page's tail): adjust the lookup's flags, and say
     * what was done, for trace=gup.
     */
    const char *(*cow_broken)(uint32_t *foll_flags);
};

/* dirtycow.c */
extern const struct dirtycow_era *dirtycow;          /* the era chosen at boot */
void dirtycow_init(void);                            /* read dirtycow= and hugedirty */
uint32_t dirtycow_read_fault_perm(uint32_t perm);    /* what a read fault maps (hugedirty bug) */

/* gup.c */
void gup_init(void);                                 /* read gup_resched= and trace=gup */
struct Page *get_user_page(struct mm_struct *mm, uintptr_t addr, uint32_t foll_flags,
                           int *err);               /* held page, or NULL and *err */
int do_memwrite(uintptr_t addr, const void *src, size_t n);   /* the memwrite system call */

#endif /* !__KERN_MM_GUP_H__ */
