#include <fs.h>
#include <pmm.h>
#include <kmalloc.h>
#include <string.h>
#include <stdio.h>
#include <fdt.h>
#include <bootargs.h>

/* The files embedded by the build (obj/rootfs.S): name, start, end. */
struct embedded_file {
    const char *name;
    const uint8_t *start, *end;
};
extern const struct embedded_file rootfs_files[];

static struct inode *inodes;
static size_t ninodes;

/* Copy size bytes of data into freshly allocated page-cache pages of inode. */
static void load_file(struct inode *inode, const char *path, const uint8_t *data, size_t size) {
    inode->path = path;
    inode->size = size;
    inode->npages = ROUNDUP(inode->size, PGSIZE) / PGSIZE;
    inode->pages = kmalloc(MAX(inode->npages, (size_t)1) * sizeof(struct Page *));
    assert(inode->pages != NULL);
    for (size_t i = 0; i < inode->npages; i++) {
        struct Page *page = alloc_page();
        assert(page != NULL);
        size_t off = i * PGSIZE, n = MIN((size_t)PGSIZE, inode->size - off);
        memset(page2kva(page), 0, PGSIZE);
        memcpy(page2kva(page), data + off, n);
        set_page_ref(page, 1);
        SetPageFile(page);
        inode->pages[i] = page;
    }
}

/*
 * Load every embedded file, plus /proc/cmdline (the boot arguments, as
 * Linux shows them); their pages stay for the whole run.
 */
void fs_init(void) {
    static char cmdline[BOOTARGS_MAX + 1];
    size_t nembedded = 0;
    while (rootfs_files[nembedded].name != NULL) {
        nembedded++;
    }
    ninodes = nembedded + 1;
    inodes = kmalloc(ninodes * sizeof(struct inode));
    assert(inodes != NULL);
    for (size_t i = 0; i < nembedded; i++) {
        const struct embedded_file *f = &rootfs_files[i];
        load_file(&inodes[i], f->name, f->start, f->end - f->start);
    }
    snprintf(cmdline, sizeof(cmdline), "%s\n", bootargs_all());
    load_file(&inodes[nembedded], "proc/cmdline", (const uint8_t *)cmdline, strlen(cmdline));
    for (size_t i = 0; i < ninodes; i++) {
        cprintf("ramfs: /%s, %d bytes\n", inodes[i].path, (int)inodes[i].size);
    }
}

/* The file at path ("/etc/passwd" or "etc/passwd"), or NULL. */
struct inode *fs_lookup(const char *path) {
    while (*path == '/') {
        path++;
    }
    for (size_t i = 0; i < ninodes; i++) {
        if (strcmp(inodes[i].path, path) == 0) {
            return &inodes[i];
        }
    }
    return NULL;
}

/* Page `index` of the file's page cache, or NULL past its end. */
struct Page *inode_page(struct inode *inode, size_t index) {
    return index < inode->npages ? inode->pages[index] : NULL;
}

/* Call fn for every page-cache page (the COW audit counts the files' holds). */
void fs_for_each_page(void (*fn)(struct Page *page)) {
    for (size_t i = 0; i < ninodes; i++) {
        for (size_t j = 0; j < inodes[i].npages; j++) {
            fn(inodes[i].pages[j]);
        }
    }
}
