#ifndef __LIBS_MEMSTAT_H__
#define __LIBS_MEMSTAT_H__

#include <defs.h>

/*
 * What memstat() reports. Page counts are for the whole machine;
 * the COW counters are kernel-wide since boot.
 */
struct memstat {
    size_t free_pages;      /* pages on the free list now */
    size_t total_pages;     /* pages the allocator manages */
    size_t pages_allocated; /* alloc_pages() successes since boot (in pages) */
    size_t fork_shared;     /* PTEs shared copy-on-write by fork since boot */
    size_t fork_copied;     /* pages copied eagerly by fork since boot */
    size_t cow_faults;      /* store faults on COW pages */
    size_t cow_copies;      /* ... resolved by copying the page */
    size_t cow_reuses;      /* ... resolved by reusing it (sole owner) */
    size_t cow_enabled;     /* 1 when fork shares pages (boot arg cow=on or cow=pt) */
    size_t cow_mode;        /* 0 cow=off, 1 cow=on, 2 cow=pt */
    size_t fork_tables;     /* leaf page tables shared by fork since boot (cow=pt) */
    size_t tlb_shootdowns;  /* remote TLB flushes asked of other harts since boot */
    size_t kill_ipis;       /* kills that interrupted the hart running their target */
    size_t harts;           /* harts running the kernel */
};

#endif /* !__LIBS_MEMSTAT_H__ */
