#include <vmm.h>
#include <pmm.h>
#include <proc.h>
#include <fs.h>
#include <mman.h>
#include <error.h>

/* mmap and madvise: user requests turned into areas (vmm.c does the work). */

/* Area flags for mmap's prot and flags; private mappings may be force-written. */
static uint32_t mmap_vm_flags(int prot, int flags) {
    uint32_t vm_flags = 0;
    if (prot & PROT_READ) {
        vm_flags |= VM_READ;
    }
    if (prot & PROT_WRITE) {
        vm_flags |= VM_READ | VM_WRITE | VM_MAYWRITE;
    }
    if (prot & PROT_EXEC) {
        vm_flags |= VM_EXEC;
    }
    if (flags & MAP_SHARED) {
        vm_flags |= VM_SHARED;
    } else {
        vm_flags |= VM_MAYWRITE;
    }
    return vm_flags;
}

/* Can the hint [start, end) be used as it is: user space, and free? */
static bool hint_usable(struct mm_struct *mm, uintptr_t start, uintptr_t end) {
    if (end <= start || !USER_ACCESS(start, end)) {
        return false;
    }
    struct vma_struct *vma = find_vma(mm, start);
    return vma == NULL || end <= vma->vm_start;
}

/* Place and add the area for do_mmap (mm's lock held for writing). */
static intptr_t mmap_region(struct mm_struct *mm, uintptr_t addr, size_t len, uint32_t vm_flags,
                            int flags, struct inode *file, size_t pgoff) {
    uintptr_t start = ROUNDDOWN(addr, PGSIZE), end = ROUNDUP(addr + len, PGSIZE);
    if (flags & MAP_FIXED) {
        int ret = mm_unmap(mm, start, len);
        if (ret != 0) {
            return ret;
        }
    } else if (addr == 0 || !hint_usable(mm, start, end)) {
        if ((start = mm_find_free(mm, len)) == 0) {
            return -E_NO_MEM;
        }
    }
    int ret = file != NULL ? mm_map_file(mm, start, len, vm_flags, file, pgoff)
                           : mm_map(mm, start, len, vm_flags, NULL);
    return ret != 0 ? ret : (intptr_t)start;
}

/*
 * Map len bytes: anonymous zero-filled memory, or file fd from byte off
 * (page aligned). Without MAP_FIXED addr is only a hint. Returns the
 * address, or -E_INVAL, -E_BADF, -E_ACCES (a shared writable mapping of
 * the read-only file system), -E_NO_MEM. Shared anonymous memory is not
 * supported: with no page cache behind it, fork could only copy it.
 */
intptr_t do_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, off_t off) {
    struct mm_struct *mm = current->mm;
    bool shared = (flags & MAP_SHARED) != 0;
    if (len == 0 || shared == ((flags & MAP_PRIVATE) != 0) || off < 0 || off % PGSIZE != 0 ||
        (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0 ||
        (flags & ~(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS)) != 0 ||
        ((flags & MAP_FIXED) && addr % PGSIZE != 0)) {
        return -E_INVAL;
    }
    struct inode *file = NULL;
    if (flags & MAP_ANONYMOUS) {
        if (shared) {
            return -E_INVAL;
        }
    } else {
        struct file *f = fd2file(fd);
        if (f == NULL) {
            return -E_BADF;
        }
        if (shared && (prot & PROT_WRITE)) {
            return -E_ACCES;
        }
        file = f->inode;
    }
    mmap_write_lock(mm);
    intptr_t ret = mmap_region(mm, addr, len, mmap_vm_flags(prot, flags), flags, file,
                               off / PGSIZE);
    mmap_write_unlock(mm);
    return ret;
}

/* munmap: addr must be page aligned; pages lose a reference. */
int do_munmap(uintptr_t addr, size_t len) {
    if (addr % PGSIZE != 0) {
        return -E_INVAL;
    }
    mmap_write_lock(current->mm);
    int ret = mm_unmap(current->mm, addr, len);
    mmap_write_unlock(current->mm);
    return ret;
}

/* madvise: MADV_DONTNEED drops the pages; the other hints are accepted and ignored. */
int do_madvise(uintptr_t addr, size_t len, int advice) {
    switch (advice) {
    case MADV_DONTNEED: {
        mmap_read_lock(current->mm);        /* a reader, as in Linux: see docs/dirtycow.md */
        int ret = mm_zap(current->mm, addr, len);
        mmap_read_unlock(current->mm);
        return ret;
    }
    case MADV_NORMAL:
    case MADV_RANDOM:
    case MADV_SEQUENTIAL:
    case MADV_WILLNEED:
        return addr % PGSIZE == 0 ? 0 : -E_INVAL;
    default:
        return -E_INVAL;
    }
}
