#ifndef __KERN_SYNC_SYNC_H__
#define __KERN_SYNC_SYNC_H__

#include <defs.h>
#include <intr.h>

/*
 * The kernel runs with interrupts off, under the kernel lock
 * (spinlock.h), except at explicit preemption points (the idle loop,
 * cond_resched()). Code that may run inside such a window and touches
 * shared state brackets itself with local_intr_save/restore, which nest.
 */
static inline bool __intr_save(void) {
    if (read_csr(sstatus) & SSTATUS_SIE) {
        intr_disable();
        return true;
    }
    return false;
}

static inline void __intr_restore(bool flag) {
    if (flag) {
        intr_enable();
    }
}

#define local_intr_save(x) do { x = __intr_save(); } while (0)
#define local_intr_restore(x) __intr_restore(x)

#endif /* !__KERN_SYNC_SYNC_H__ */
