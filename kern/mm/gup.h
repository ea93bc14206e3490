#ifndef __KERN_MM_GUP_H__
#define __KERN_MM_GUP_H__

#include <defs.h>

struct mm_struct;
struct Page;

/*
 * get_user_pages, reduced to what memwrite (our /proc/self/mem) needs,
 * and the three ways of deciding whether a forced write may follow a
 * read-only PTE: as Linux 4.8 did (the Dirty COW bug), with the 2016
 * fix (FOLL_COW + dirty bit) and with the 2022 fix (exclusive anonymous
 * page). Chosen by the boot argument dirtycow=vulnerable|fix2016|fix2022.
 */
#define FOLL_WRITE  0x1     /* the caller will write the page */
#define FOLL_FORCE  0x2     /* ... even where the area is read-only (ptrace, /proc/pid/mem) */
#define FOLL_COW    0x4     /* fix2016: COW was already broken for this lookup */

enum dirtycow_mode {
    DIRTYCOW_VULNERABLE,
    DIRTYCOW_FIX2016,
    DIRTYCOW_FIX2022,
};

void gup_init(void);
bool gup_hugedirty(void);
struct Page *get_user_page(struct mm_struct *mm, uintptr_t addr, uint32_t foll_flags,
                           int *err);
int do_memwrite(uintptr_t addr, const void *src, size_t n);

#endif /* !__KERN_MM_GUP_H__ */
