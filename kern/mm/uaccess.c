#include <vmm.h>
#include <pmm.h>
#include <string.h>
#include <error.h>
#include <riscv.h>

/*
 * The one path between the kernel and user memory. The kernel never
 * dereferences a user pointer: it finds the page through the process's
 * page table, lets handle_mm_fault fill it in (or break copy-on-write, for a
 * write) exactly as a user access would, and then copies through the
 * kernel's own mapping of that page. So a kernel write into a page that
 * another process still shares copies the page first.
 */

/* Is [addr, addr + len) inside areas that allow this access? */
bool user_mem_check(struct mm_struct *mm, uintptr_t addr, size_t len, bool write) {
    if (mm == NULL || addr + len < addr || !USER_ACCESS(addr, addr + len)) {
        return false;
    }
    uintptr_t end = addr + len;
    while (addr < end) {
        struct vma_struct *vma = find_vma(mm, addr);
        if (vma == NULL || addr < vma->vm_start) {
            return false;
        }
        if (write ? !(vma->vm_flags & VM_WRITE) : !(vma->vm_flags & (VM_READ | VM_WRITE))) {
            return false;
        }
        addr = vma->vm_end;
    }
    return true;
}

/* The kernel address of user address addr, ready for this access, or NULL. */
static void *user_page(struct mm_struct *mm, uintptr_t addr, bool write) {
    pte_t *ptep = get_pte(mm->pgdir, addr, false);
    if (ptep == NULL || !pte_present(*ptep) || (write && !pte_writable(*ptep))) {
        if (handle_mm_fault(mm, addr, FAULT_KERNEL | (write ? FAULT_WRITE : 0)) < 0) {
            return NULL;
        }
        ptep = get_pte(mm->pgdir, addr, false);
    }
    return (char *)KADDR(PTE_ADDR(*ptep)) + PGOFF(addr);
}

/* Copy len bytes between kernel buffer kbuf and user address uaddr. */
static int copy_user(struct mm_struct *mm, char *kbuf, uintptr_t uaddr, size_t len,
                     bool to_user) {
    while (len > 0) {
        size_t n = MIN(len, PGSIZE - PGOFF(uaddr));
        char *kva = user_page(mm, uaddr, to_user);
        if (kva == NULL) {
            return -E_NO_MEM;
        }
        if (to_user) {
            memcpy(kva, kbuf, n);
        } else {
            memcpy(kbuf, kva, n);
        }
        kbuf += n;
        uaddr += n;
        len -= n;
    }
    return 0;
}

/* Read len bytes at user src. 0, or -E_FAULT (bad pointer) / -E_NO_MEM. */
int copy_from_user(struct mm_struct *mm, void *dst, const void *src, size_t len) {
    if (!user_mem_check(mm, (uintptr_t)src, len, false)) {
        return -E_FAULT;
    }
    mmap_read_lock(mm);
    int ret = copy_user(mm, dst, (uintptr_t)src, len, false);
    mmap_read_unlock(mm);
    return ret;
}

/*
 * Write len bytes to user dst. The whole range is checked first, so a
 * bad pointer changes nothing: 0, -E_FAULT, or -E_NO_MEM.
 */
int copy_to_user(struct mm_struct *mm, void *dst, const void *src, size_t len) {
    if (!user_mem_check(mm, (uintptr_t)dst, len, true)) {
        return -E_FAULT;
    }
    mmap_read_lock(mm);
    int ret = copy_user(mm, (char *)src, (uintptr_t)dst, len, true);
    mmap_read_unlock(mm);
    return ret;
}

/*
 * Copy a NUL-terminated string of at most maxn bytes (NUL included)
 * from user src. 0, -E_FAULT for a bad pointer, -E_TOO_BIG if no NUL.
 */
int copy_string_from_user(struct mm_struct *mm, char *dst, const char *src, size_t maxn) {
    uintptr_t addr = (uintptr_t)src;
    for (size_t i = 0; i < maxn; i++, addr++) {
        if (i == 0 || PGOFF(addr) == 0) {
            if (!user_mem_check(mm, addr, 1, false)) {
                return -E_FAULT;
            }
        }
        mmap_read_lock(mm);
        int ret = copy_user(mm, &dst[i], addr, 1, false);
        mmap_read_unlock(mm);
        if (ret != 0) {
            return ret;
        }
        if (dst[i] == '\0') {
            return 0;
        }
    }
    return -E_TOO_BIG;
}
