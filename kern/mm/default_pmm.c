#include <default_pmm.h>
#include <string.h>
#include <stdio.h>

/*
 * First-fit allocator. Free memory is a list of blocks sorted by
 * address; the first page of each block is on the list, has PG_property
 * set and holds the block's length in `property`. Allocation takes the
 * first block that is long enough and splits off the rest; freeing puts
 * the block back in address order and merges it with free neighbours.
 */

static free_area_t free_area;

#define free_list (free_area.free_list)
#define nr_free (free_area.nr_free)

static void default_init(void) {
    list_init(&free_list);
    nr_free = 0;
}

/* Put the n pages at base on the free list, in address order, as one block. */
static void insert_free_block(struct Page *base, size_t n) {
    base->property = n;
    SetPageProperty(base);
    nr_free += n;
    list_entry_t *le = &free_list;
    while ((le = list_next(le)) != &free_list && le2page(le, page_link) < base) {
    }
    list_add_before(le, &base->page_link);
}

/* Mark n pages starting at base free, and put them on the list as one block. */
static void default_init_memmap(struct Page *base, size_t n) {
    assert(n > 0);
    for (struct Page *p = base; p != base + n; p++) {
        assert(PageReserved(p));
        p->flags = 0;
        p->property = 0;
        set_page_ref(p, 0);
    }
    insert_free_block(base, n);
}

static struct Page *default_alloc_pages(size_t n) {
    assert(n > 0);
    if (n > nr_free) {
        return NULL;
    }
    list_entry_t *le = &free_list;
    while ((le = list_next(le)) != &free_list) {
        struct Page *p = le2page(le, page_link);
        if (p->property < n) {
            continue;
        }
        if (p->property > n) {
            struct Page *rest = p + n;
            rest->property = p->property - n;
            SetPageProperty(rest);
            list_add_after(&p->page_link, &rest->page_link);
        }
        list_del(&p->page_link);
        ClearPageProperty(p);
        p->property = 0;
        nr_free -= n;
        return p;
    }
    return NULL;
}

/* Merge block `p` with the free block right after it, if they touch. */
static void merge_with_next(struct Page *p) {
    list_entry_t *le = list_next(&p->page_link);
    if (le == &free_list) {
        return;
    }
    struct Page *next = le2page(le, page_link);
    if (p + p->property == next) {
        p->property += next->property;
        ClearPageProperty(next);
        next->property = 0;
        list_del(&next->page_link);
    }
}

static void default_free_pages(struct Page *base, size_t n) {
    assert(n > 0);
    for (struct Page *p = base; p != base + n; p++) {
        assert(!PageReserved(p) && !PageProperty(p));
        p->flags = 0;
        set_page_ref(p, 0);
    }
    insert_free_block(base, n);
    merge_with_next(base);
    list_entry_t *le = list_prev(&base->page_link);
    if (le != &free_list) {
        merge_with_next(le2page(le, page_link));
    }
}

static size_t default_nr_free_pages(void) {
    return nr_free;
}

/* Allocate and free in patterns whose outcome first-fit fixes exactly. */
static void default_check(void) {
    size_t before = nr_free_pages();
    struct Page *p0 = alloc_pages(5), *p1, *p2;
    assert(p0 != NULL && !PageProperty(p0));

    /* Free the middle three: a block of 3 between two allocated pages. */
    free_pages(p0 + 1, 3);
    assert(PageProperty(p0 + 1) && (p0 + 1)->property == 3);
    assert((p1 = alloc_pages(3)) == p0 + 1);        /* first fit finds it */
    free_page(p0);
    assert((p2 = alloc_page()) == p0);              /* lowest block first */

    /* Free everything in a scattered order: it must merge back. */
    free_pages(p1 + 1, 2);
    free_page(p0 + 4);
    free_page(p2);
    free_page(p1);
    assert(nr_free_pages() == before);

    struct Page *all = alloc_pages(nr_free_pages());
    assert(all != NULL && alloc_page() == NULL);
    free_pages(all, before);
    assert(nr_free_pages() == before);
}

const struct pmm_manager default_pmm_manager = {
    .name = "default_pmm_manager",
    .init = default_init,
    .init_memmap = default_init_memmap,
    .alloc_pages = default_alloc_pages,
    .free_pages = default_free_pages,
    .nr_free_pages = default_nr_free_pages,
    .check = default_check,
};
