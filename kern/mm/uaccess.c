#include <vmm.h>
#include <pgtable.h>
#include <string.h>
#include <error.h>
#include <riscv.h>

/*
 * The one path between the kernel and user memory. The kernel never
 * dereferences a user pointer: it finds the page through the process's
 * page table, lets handle_mm_fault fill it in (or break copy-on-write,
 * for a write) exactly as a user access would, and then copies through
 * the kernel's own mapping of that page. So a kernel write into a page
 * that another process still shares copies the page first.
 *
 * Errors are the fault's own: -E_FAULT where no area (or no page of a
 * mapped file) allows the access, -E_NO_MEM only when memory ran out.
 * A copy to user memory is all or nothing: every destination page is
 * made writable before the first byte is written.
 */

/* Is [addr, addr + len) inside user space (and not wrapping)? */
static bool user_range_ok(uintptr_t addr, size_t len) {
    return addr + len >= addr && USER_ACCESS(addr, addr + len);
}

/*
 * Do areas of mm cover [addr, addr + len), each allowing this access?
 * Nothing is faulted in (a check before a wait, say).
 */
bool user_mem_check(struct mm_struct *mm, uintptr_t addr, size_t len, bool write) {
    if (mm == NULL || !user_range_ok(addr, len)) {
        return false;
    }
    bool ok = true;
    mmap_read_lock(mm);
    for (uintptr_t va = addr, end = addr + len; ok && va < end;) {
        struct vma_struct *vma = find_vma(mm, va);
        ok = vma != NULL && vma->vm_start <= va &&
             vma_allows(vma, FAULT_KERNEL | (write ? FAULT_WRITE : 0));
        va = ok ? vma->vm_end : va;
    }
    mmap_read_unlock(mm);
    return ok;
}

/*
 * The kernel needs user address va for this access, and its PTE (ptep,
 * NULL if there is no table yet) does not allow it: fault the page in as
 * a user access would (page_table_lock held). 0 or the fault's error.
 */
static int user_fault(struct mm_struct *mm, uintptr_t va, bool write, pte_t *ptep) {
    if (write && ptep != NULL && pte_present(*ptep)) {
        /* LAB cow 3: BEGIN
         * YOUR CODE: the kernel is about to write a user page whose PTE is
         * read-only. The page may be shared copy-on-write: the write must
         * not reach anyone else, exactly as if the program had stored
         * there itself (a copy or a reuse, or the fault's error).
         * STUB:
         *     return -E_FAULT;
         */
        return handle_mm_fault_locked(mm, va, FAULT_KERNEL | FAULT_WRITE);
        /* LAB cow 3: END */
    }
    return handle_mm_fault_locked(mm, va, FAULT_KERNEL | (write ? FAULT_WRITE : 0));
}

/*
 * The kernel address of user address va, made ready for this access
 * (mm's lock and its page_table_lock held: the page stays mapped, and
 * so alive, until the caller lets go). 0, or the fault's error (the
 * address is untouched).
 */
static int user_page(struct mm_struct *mm, uintptr_t va, bool write, char **kva) {
    pte_t *ptep = get_pte(mm->pgdir, va, false);
    if (ptep == NULL || !pte_present(*ptep) || !(*ptep & (write ? PTE_W : PTE_R))) {
        int ret = user_fault(mm, va, write, ptep);
        if (ret < 0) {
            return ret;
        }
        ptep = get_pte(mm->pgdir, va, false);
        assert(ptep != NULL && (*ptep & (write ? PTE_W : PTE_R)));
    }
    *kva = (char *)KADDR(PTE_ADDR(*ptep)) + PGOFF(va);
    return 0;
}

/*
 * Make every page of [addr, addr + len) ready for this access; mm's lock
 * is held (for a caller that copies in pieces under one lock). 0, or the
 * fault's error.
 */
int fault_in_user_locked(struct mm_struct *mm, uintptr_t addr, size_t len, bool write) {
    if (len == 0) {
        return 0;
    }
    if (!user_range_ok(addr, len)) {
        return -E_FAULT;
    }
    for (uintptr_t va = ROUNDDOWN(addr, PGSIZE); va < addr + len; va += PGSIZE) {
        char *kva;
        pt_lock(mm);
        int ret = user_page(mm, va, write, &kva);
        pt_unlock(mm);
        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

/*
 * Copy len bytes between kernel buffer kbuf and user address uaddr
 * (mm's lock held), a page at a time under the page_table_lock: another
 * thread dropping the page (madvise) waits until the piece is copied.
 */
static int copy_user(struct mm_struct *mm, char *kbuf, uintptr_t uaddr, size_t len,
                     bool to_user) {
    while (len > 0) {
        size_t n = MIN(len, PGSIZE - PGOFF(uaddr));
        char *kva;
        pt_lock(mm);
        int ret = user_page(mm, uaddr, to_user, &kva);
        if (ret == 0 && to_user) {
            memcpy(kva, kbuf, n);
        } else if (ret == 0) {
            memcpy(kbuf, kva, n);
        }
        pt_unlock(mm);
        if (ret != 0) {
            return ret;
        }
        kbuf += n;
        uaddr += n;
        len -= n;
    }
    return 0;
}

/* Read len bytes at user src into dst. 0, -E_FAULT or -E_NO_MEM. */
int copy_from_user(struct mm_struct *mm, void *dst, const void *src, size_t len) {
    if (len == 0) {
        return 0;
    }
    if (mm == NULL || !user_range_ok((uintptr_t)src, len)) {
        return -E_FAULT;
    }
    mmap_read_lock(mm);
    int ret = copy_user(mm, dst, (uintptr_t)src, len, false);
    mmap_read_unlock(mm);
    return ret;
}

/* copy_to_user with mm's lock already held (the pages faulted in first). */
int copy_to_user_locked(struct mm_struct *mm, void *dst, const void *src, size_t len) {
    return copy_user(mm, (char *)src, (uintptr_t)dst, len, true);
}

/*
 * Write len bytes from src to user dst, all or nothing: 0, or -E_FAULT
 * / -E_NO_MEM with nothing written.
 */
int copy_to_user(struct mm_struct *mm, void *dst, const void *src, size_t len) {
    if (len == 0) {
        return 0;
    }
    if (mm == NULL || !user_range_ok((uintptr_t)dst, len)) {
        return -E_FAULT;
    }
    mmap_read_lock(mm);
    /* LAB cow 3: BEGIN
     * YOUR CODE: all or nothing. If any destination page cannot be made
     * writable (a copy-on-write copy may run out of memory), return that
     * error with not one byte written.
     * STUB:
     *     int ret = 0;
     */
    int ret = fault_in_user_locked(mm, (uintptr_t)dst, len, true);
    /* LAB cow 3: END */
    if (ret == 0) {
        ret = copy_user(mm, (char *)src, (uintptr_t)dst, len, true);
    }
    mmap_read_unlock(mm);
    return ret;
}

/*
 * Copy a NUL-terminated string of at most maxn bytes (NUL included)
 * from user src. 0, -E_FAULT / -E_NO_MEM, or -E_TOO_BIG if no NUL.
 */
int copy_string_from_user(struct mm_struct *mm, char *dst, const char *src, size_t maxn) {
    uintptr_t va = (uintptr_t)src;
    if (mm == NULL || !user_range_ok(va, 1)) {
        return -E_FAULT;
    }
    int ret = -E_TOO_BIG;
    mmap_read_lock(mm);
    for (size_t i = 0; i < maxn; i++, va++) {
        char *kva;
        if (!USER_ACCESS(va, va + 1)) {
            ret = -E_FAULT;
            break;
        }
        pt_lock(mm);
        if ((ret = user_page(mm, va, false, &kva)) == 0) {
            dst[i] = *kva;
        }
        pt_unlock(mm);
        if (ret != 0) {
            break;
        }
        ret = -E_TOO_BIG;
        if (dst[i] == '\0') {
            ret = 0;
            break;
        }
    }
    mmap_read_unlock(mm);
    return ret;
}
