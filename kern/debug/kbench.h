#ifndef __KERN_DEBUG_KBENCH_H__
#define __KERN_DEBUG_KBENCH_H__

#include <defs.h>
#include <kbench_ops.h>

/* kbench(op, n): elapsed rdtime ticks of n repetitions of op, or -E_xxx. */
intptr_t do_kbench(uint64_t op, uint64_t n);

#endif /* !__KERN_DEBUG_KBENCH_H__ */
