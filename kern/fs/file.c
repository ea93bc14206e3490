#include <fs.h>
#include <proc.h>
#include <pgtable.h>
#include <vmm.h>
#include <kmalloc.h>
#include <error.h>

/*
 * Open files and descriptors. A descriptor indexes current->files; fork
 * gives the child the same open files (each gains a reference), exit
 * closes them all.
 */

/* The open file behind descriptor fd of the current process, or NULL. */
struct file *fd2file(int fd) {
    if (fd < 0 || fd >= NOFILE) {
        return NULL;
    }
    return current->files[fd];
}

static struct lock_class file_lock_class = LOCK_CLASS("file");

static void file_put(struct file *file) {
    if (__atomic_sub_fetch(&file->ref, 1, __ATOMIC_ACQ_REL) == 0) {
        kfree(file);
    }
}

/*
 * Open path with flags (O_RDONLY only: the file system is read-only).
 * Returns the lowest free descriptor, -E_NOENT, -E_ACCES for write
 * access, -E_MAX_OPEN, -E_NO_MEM or -E_INVAL.
 */
int do_open(const char *path, uint32_t flags) {
    if ((flags & O_ACCMODE) == O_ACCMODE || (flags & ~O_ACCMODE) != 0) {
        return -E_INVAL;
    }
    struct inode *inode = fs_lookup(path);
    if (inode == NULL) {
        return -E_NOENT;
    }
    if ((flags & O_ACCMODE) != O_RDONLY) {
        return -E_ACCES;
    }
    int fd = 0;
    while (fd < NOFILE && current->files[fd] != NULL) {
        fd++;
    }
    if (fd == NOFILE) {
        return -E_MAX_OPEN;
    }
    struct file *file = kmalloc(sizeof(struct file));
    if (file == NULL) {
        return -E_NO_MEM;
    }
    file->inode = inode;
    file->pos = 0;
    file->flags = flags;
    file->ref = 1;
    spin_init(&file->lock, &file_lock_class);
    current->files[fd] = file;
    return fd;
}

/*
 * Read up to n bytes at the file position into user buf, all or
 * nothing. Returns the bytes read (0 at the end), -E_BADF, or -E_FAULT
 * / -E_NO_MEM when the buffer cannot take them (nothing is written and
 * the position stays). The length comes from the position as it is
 * once the locks are held: taking the address space's may sleep, and
 * other readers of the same open file (on other harts, too) move the
 * position; its own lock makes sizing, copying and moving it one step.
 */
int do_read(int fd, void *buf, size_t n) {
    struct file *file = fd2file(fd);
    if (file == NULL) {
        return -E_BADF;
    }
    struct inode *inode = file->inode;
    struct mm_struct *mm = current->mm;
    mmap_read_lock(mm);             /* one lock for the check and every piece */
    spin_lock(&file->lock);
    n = MIN(n, inode->size - MIN(file->pos, inode->size));
    int ret = fault_in_user_locked(mm, (uintptr_t)buf, n, true);
    size_t done = 0;
    while (ret == 0 && done < n) {
        size_t pos = file->pos + done, off = pos % PGSIZE;
        size_t chunk = MIN(n - done, PGSIZE - off);
        const char *from = (const char *)page2kva(inode_page(inode, pos / PGSIZE)) + off;
        ret = copy_to_user_locked(mm, (char *)buf + done, from, chunk);
        done += chunk;
    }
    if (ret == 0) {
        file->pos += done;
    }
    spin_unlock(&file->lock);
    mmap_read_unlock(mm);
    return ret != 0 ? ret : (int)done;
}

int do_close(int fd) {
    struct file *file = fd2file(fd);
    if (file == NULL) {
        return -E_BADF;
    }
    current->files[fd] = NULL;
    file_put(file);
    return 0;
}

/* The child of fork shares the parent's open files. */
void files_fork(struct proc_struct *to, struct proc_struct *from) {
    for (int fd = 0; fd < NOFILE; fd++) {
        if ((to->files[fd] = from->files[fd]) != NULL) {
            __atomic_fetch_add(&to->files[fd]->ref, 1, __ATOMIC_RELAXED);
        }
    }
}

void files_close_all(struct proc_struct *proc) {
    for (int fd = 0; fd < NOFILE; fd++) {
        if (proc->files[fd] != NULL) {
            file_put(proc->files[fd]);
            proc->files[fd] = NULL;
        }
    }
}
