#ifndef __KERN_FS_FS_H__
#define __KERN_FS_FS_H__

#include <defs.h>
#include <mman.h>
#include <spinlock.h>

/*
 * A tiny read-only file system: the files under user/rootfs/ are built
 * into the kernel image. At boot each file's bytes are copied into
 * pages that the file owns for as long as the system runs: its page
 * cache. mmap maps those very pages; a private mapping copies one only
 * when it is written.
 */

struct Page;
struct proc_struct;

struct inode {
    const char *path;           /* e.g. "etc/passwd" */
    size_t size;                /* bytes */
    size_t npages;
    struct Page **pages;        /* the page cache: one reference each, never dropped */
};

/* An open file: shared by the descriptors that fork copies (so by processes on other harts). */
struct file {
    struct inode *inode;        /* set at open, then read-only */
    uint32_t flags;             /* O_xxx given to open; read-only */
    int ref;                    /* descriptors naming it (atomic) */
    spinlock_t lock;            /* guards pos: a read sizes, copies and moves it as one */
    size_t pos;
};


/* open() flags (O_RDONLY ... in <mman.h>) */
#define O_ACCMODE   3

void fs_init(void);
struct inode *fs_lookup(const char *path);
struct Page *inode_page(struct inode *inode, size_t index);
void fs_for_each_page(void (*fn)(struct Page *page));

int do_open(const char *path, uint32_t flags);
int do_read(int fd, void *buf, size_t n);
int do_close(int fd);
struct file *fd2file(int fd);
void files_fork(struct proc_struct *to, struct proc_struct *from);
void files_close_all(struct proc_struct *proc);

#endif /* !__KERN_FS_FS_H__ */
