#ifndef __LIBS_KBENCH_OPS_H__
#define __LIBS_KBENCH_OPS_H__

/*
 * The kernel micro-benchmarks behind the kbench system call
 * (kern/debug/kbench.c), as user/bench.c asks for them. Each op repeats
 * one kernel action n times and returns the elapsed rdtime ticks; setup
 * and clean-up are outside the timed part.
 *
 * The floors fork and the COW fault are compared with:
 */
#define KBENCH_PTES     1   /* write 2 PTEs per page (child's, parent's write-protect) */
#define KBENCH_COPY     2   /* memcpy one 4 KiB page */
/* ... and the parts the real paths are made of: */
#define KBENCH_SHARE    3   /* copy_range sharing n pages (COW fork's page loop) */
#define KBENCH_EAGER    4   /* copy_range copying n pages (eager fork's page loop) */
#define KBENCH_GET_PTE  5   /* get_pte of a mapped page */
#define KBENCH_ALLOC    6   /* alloc_page */
#define KBENCH_FREE     7   /* free_page */
#define KBENCH_WP_COPY  8   /* handle_mm_fault on a shared COW page (a copy, no trap) */
#define KBENCH_UNMAP    9   /* unmap_range of n shared pages (a COW child's exit) */
#define KBENCH_SFENCE   10  /* n sfence.vma, whole-TLB flushes: timed from user mode, a
                               call costs a trap round trip, one flush and its refills */

/* The largest n an op accepts (64 MiB worth of pages). */
#define KBENCH_MAX_PAGES 16384

#endif /* !__LIBS_KBENCH_OPS_H__ */
