#include <kmalloc.h>
#include <pmm.h>
#include <list.h>
#include <string.h>
#include <stdio.h>
#include <spinlock.h>

/*
 * Small objects come from slabs: a page cut into equal slots of one size
 * class (32 .. 2048 bytes), with a header in the first slot. Because the
 * header is there, a small object is never page aligned; anything larger
 * than the biggest class gets whole pages and is page aligned. kfree
 * tells the two apart by that alignment. A slab whose last object is
 * freed goes straight back to the page allocator, so "free pages" and
 * "bytes handed out" together describe kmalloc's whole state.
 */

#define MIN_CLASS_SHIFT 5       /* 32 bytes */
#define MAX_CLASS_SHIFT 11      /* 2048 bytes */
#define NCLASS (MAX_CLASS_SHIFT - MIN_CLASS_SHIFT + 1)

struct slab {
    list_entry_t link;          /* in its class's list while it has free slots */
    void *freelist;             /* free slots, linked through their first word */
    uint32_t objsize;
    uint32_t inuse;
};

struct free_slot {
    struct free_slot *next;
};

/* Under kmalloc_lock (lock order: before the page allocator's). */
static struct lock_class kmalloc_class = LOCK_CLASS("kmalloc");
static spinlock_t kmalloc_lock = SPINLOCK_INIT(&kmalloc_class);
static list_entry_t partial[NCLASS];   /* slabs with at least one free slot */
static size_t bytes_in_use;            /* handed out, rounded to class / pages */

#define le2slab(le) to_struct((le), struct slab, link)

static_assert(sizeof(struct slab) <= (1 << MIN_CLASS_SHIFT));

/* The class whose slots fit size bytes. */
static int size_class(size_t size) {
    int c = 0;
    while (((size_t)1 << (c + MIN_CLASS_SHIFT)) < size) {
        c++;
    }
    return c;
}

/* A new slab for class c, all slots free, on the partial list; NULL if no page. */
static struct slab *slab_create(int c) {
    struct Page *page = alloc_page();
    if (page == NULL) {
        return NULL;
    }
    struct slab *s = page2kva(page);
    s->objsize = 1U << (c + MIN_CLASS_SHIFT);
    s->inuse = 0;
    s->freelist = NULL;
    for (size_t off = PGSIZE - s->objsize; off >= s->objsize; off -= s->objsize) {
        struct free_slot *slot = (struct free_slot *)((char *)s + off);
        slot->next = s->freelist;
        s->freelist = slot;
    }
    list_add(&partial[c], &s->link);
    return s;
}

static void *slab_alloc(size_t size) {
    int c = size_class(size);
    struct slab *s;
    if (list_empty(&partial[c])) {
        if ((s = slab_create(c)) == NULL) {
            return NULL;
        }
    } else {
        s = le2slab(list_next(&partial[c]));
    }
    struct free_slot *slot = s->freelist;
    s->freelist = slot->next;
    s->inuse++;
    if (s->freelist == NULL) {
        list_del(&s->link);
    }
    bytes_in_use += s->objsize;
    return slot;
}

static void slab_free(void *objp) {
    struct slab *s = (struct slab *)ROUNDDOWN((uintptr_t)objp, PGSIZE);
    struct free_slot *slot = objp;
    if (s->freelist == NULL) {
        list_add(&partial[size_class(s->objsize)], &s->link);
    }
    slot->next = s->freelist;
    s->freelist = slot;
    s->inuse--;
    bytes_in_use -= s->objsize;
    if (s->inuse == 0) {
        list_del(&s->link);
        free_page(kva2page(s));
    }
}

/* size bytes of kernel memory, or NULL when memory is short. */
void *kmalloc(size_t size) {
    if (size == 0) {
        return NULL;
    }
    void *p = NULL;
    spin_lock(&kmalloc_lock);
    if (size <= (1U << MAX_CLASS_SHIFT)) {
        p = slab_alloc(size);
    } else {
        size_t n = ROUNDUP(size, PGSIZE) / PGSIZE;
        struct Page *page = alloc_pages(n);
        if (page != NULL) {
            page->property = n;
            bytes_in_use += n * PGSIZE;
            p = page2kva(page);
        }
    }
    spin_unlock(&kmalloc_lock);
    return p;
}

void kfree(void *objp) {
    if (objp == NULL) {
        return;
    }
    spin_lock(&kmalloc_lock);
    if ((uintptr_t)objp % PGSIZE != 0) {
        slab_free(objp);
    } else {
        struct Page *page = kva2page(objp);
        size_t n = page->property;
        bytes_in_use -= n * PGSIZE;
        free_pages(page, n);
    }
    spin_unlock(&kmalloc_lock);
}

/* Bytes currently handed out by kmalloc (rounded up to slots and pages). */
size_t kmalloc_bytes(void) {
    spin_lock(&kmalloc_lock);
    size_t bytes = bytes_in_use;
    spin_unlock(&kmalloc_lock);
    return bytes;
}

/* Allocate objects of every class and a large one, free them, expect no trace. */
static void check_kmalloc(void) {
    size_t free_before = nr_free_pages(), bytes_before = kmalloc_bytes();
    void *objs[64];
    for (int i = 0; i < 64; i++) {
        objs[i] = kmalloc(1 + i * 32);
        assert(objs[i] != NULL && (uintptr_t)objs[i] % PGSIZE != 0);
        memset(objs[i], i, 1 + i * 32);
    }
    void *big = kmalloc(3 * PGSIZE + 1);
    assert(big != NULL && (uintptr_t)big % PGSIZE == 0);
    for (int i = 0; i < 64; i++) {
        assert(((char *)objs[i])[i * 32] == (char)i);
        kfree(objs[i]);
    }
    kfree(big);
    assert(nr_free_pages() == free_before && kmalloc_bytes() == bytes_before);
    cprintf("check_kmalloc() succeeded!\n");
}

void kmalloc_init(void) {
    for (int c = 0; c < NCLASS; c++) {
        list_init(&partial[c]);
    }
    check_kmalloc();
}
