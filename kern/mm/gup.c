#include <gup.h>
#include <vmm.h>
#include <pgtable.h>
#include <proc.h>
#include <sched.h>
#include <kmalloc.h>
#include <bootargs.h>
#include <string.h>
#include <stdio.h>
#include <error.h>

/*
 * A forced write into the caller's own memory, the way Linux 4.8 wrote
 * /proc/self/mem: look the page up with get-user-pages, fault it in if
 * the lookup fails, retry, and finally write through the kernel's own
 * mapping of the page, so the PTE's rights are not checked again. The
 * loop yields at its resched point, and nothing else stops another
 * thread of the process (madvise) from changing the page table there:
 * that window is where Dirty COW lives.
 */

#define MEMWRITE_MAX (4 * PGSIZE)   /* bytes one memwrite call may write */

static long resched_at = -1;    /* gup_resched=K: always yield at retry K */
static bool tracing;            /* trace=gup */

void gup_init(void) {
    resched_at = bootarg_long("gup_resched", -1);
    tracing = bootarg_has("trace", "gup");
    dirtycow_init();
}

static void gup_trace(uintptr_t addr, int retry, const char *what) {
    if (tracing) {
        cprintf("gup: pid %d 0x%lx retry %d: %s\n", current->pid, addr, retry, what);
    }
}

/*
 * The page at addr if the PTE allows this lookup, with a reference the
 * caller drops; else NULL (then fault it in). The look and the hold are
 * made under the page_table_lock, so the page cannot go meanwhile.
 */
static struct Page *follow_page(struct vma_struct *vma, uintptr_t addr, uint32_t foll_flags) {
    struct mm_struct *mm = vma->vm_mm;
    struct Page *page = NULL;
    pt_lock(mm);
    pte_t *ptep = get_pte(mm->pgdir, addr, false);
    if (ptep != NULL && pte_present(*ptep)) {
        page = pte2page(*ptep);
        if ((foll_flags & FOLL_WRITE) && !pte_writable(*ptep) &&
            !dirtycow->can_follow_write(*ptep, page, vma, foll_flags)) {
            page = NULL;
        }
    }
    if (page != NULL) {
        page_ref_inc(page);
    }
    pt_unlock(mm);
    return page;
}

/* The fault flags (FAULT_xxx) for a lookup's FOLL_xxx flags. */
static uint32_t foll_fault_flags(uint32_t foll_flags) {
    return FAULT_KERNEL | ((foll_flags & FOLL_WRITE) ? FAULT_WRITE : 0) |
           ((foll_flags & FOLL_FORCE) ? FAULT_FORCE : 0);
}

/*
 * Fault the page in as the lookup asks. When the fault broke COW in an
 * area the process may not write, the era decides what the lookup does
 * about it: 4.8 stopped asking for write access (the bug), fix2016
 * remembers the break in FOLL_COW.
 */
static int faultin_page(struct vma_struct *vma, uintptr_t addr, uint32_t *foll_flags,
                        int retry) {
    uint32_t fault_flags = foll_fault_flags(*foll_flags);
    int ret = handle_mm_fault(vma->vm_mm, addr, fault_flags);
    if (ret < 0) {
        return ret;
    }
    if ((ret & VM_FAULT_WRITE) && !(vma->vm_flags & VM_WRITE)) {
        gup_trace(addr, retry, dirtycow->cow_broken(foll_flags));
    } else {
        gup_trace(addr, retry, (fault_flags & FAULT_WRITE) ? "write fault" : "read fault");
    }
    return 0;
}

/*
 * The resched point at the top of each retry: cond_resched(), where the
 * timer decides whether another thread runs now. With gup_resched=K the
 * timer is left out and the loop yields at retry K, and only there, so
 * a test can put the other thread exactly in a chosen window.
 */
static void gup_resched(uintptr_t addr, int retry) {
    if (resched_at < 0) {
        cond_resched();
    } else if (retry == resched_at) {
        gup_trace(addr, retry, "forced reschedule");
        current->need_resched = 1;
        cond_resched();
    }
}

/*
 * The page at user address addr in mm, with a reference the caller
 * drops with put_page(); NULL with *err set on failure (-E_KILLED when
 * the caller was killed: a dying process stops retrying). The loop has
 * Linux's shape: resched point, follow the page, fault it in, retry.
 */
struct Page *get_user_page(struct mm_struct *mm, uintptr_t addr, uint32_t foll_flags,
                           int *err) {
    assert(rwsem_is_locked(&mm->mmap_lock));
    for (int retry = 0;; retry++) {
        gup_resched(addr, retry);
        if (proc_killed(current)) {            /* (Linux: fatal_signal_pending) */
            *err = -E_KILLED;
            return NULL;
        }
        struct vma_struct *vma = find_vma(mm, addr);    /* it may have changed */
        if (vma == NULL || addr < vma->vm_start ||
            !vma_allows(vma, foll_fault_flags(foll_flags))) {        /* check_vma_flags */
            *err = -E_FAULT;
            return NULL;
        }
        struct Page *page = follow_page(vma, addr, foll_flags);
        if (page != NULL) {
            gup_trace(addr, retry, PageFile(page) ? "follow_page -> the FILE's page"
                                                  : "follow_page -> a private page");
            return page;
        }
        gup_trace(addr, retry, "follow_page -> nothing usable");
        if ((*err = faultin_page(vma, addr, &foll_flags, retry)) < 0) {
            return NULL;
        }
    }
}

static void put_page(struct Page *page) {
    if (page_ref_dec(page) == 0) {
        free_page(page);
    }
}

/*
 * memwrite(addr, src, n): force-write n bytes from user src into the
 * caller's own memory at addr, even into a private read-only mapping
 * (never a shared one). Returns the bytes written, or -E_INVAL,
 * -E_FAULT, -E_NO_MEM if nothing was.
 */
int do_memwrite(uintptr_t addr, const void *src, size_t n) {
    if (n == 0) {
        return 0;
    }
    if (n > MEMWRITE_MAX) {
        return -E_INVAL;
    }
    char *kbuf = kmalloc(n);
    if (kbuf == NULL) {
        return -E_NO_MEM;
    }
    int ret = copy_from_user(current->mm, kbuf, src, n);
    size_t done = 0;
    mmap_read_lock(current->mm);        /* held across every resched point, as in Linux */
    while (ret == 0 && done < n) {
        uintptr_t va = addr + done;
        size_t chunk = MIN(n - done, PGSIZE - PGOFF(va));
        struct Page *page = get_user_page(current->mm, va, FOLL_WRITE | FOLL_FORCE, &ret);
        if (page != NULL) {
            memcpy((char *)page2kva(page) + PGOFF(va), kbuf + done, chunk);
            put_page(page);
            done += chunk;
        }
    }
    mmap_read_unlock(current->mm);
    kfree(kbuf);
    return done > 0 ? (int)done : ret;
}
