#ifndef __KERN_DRIVER_INTR_H__
#define __KERN_DRIVER_INTR_H__

#include <riscv.h>

/* Supervisor interrupts on and off (sstatus.SIE). */
static inline void intr_enable(void) { set_csr(sstatus, SSTATUS_SIE); }
static inline void intr_disable(void) { clear_csr(sstatus, SSTATUS_SIE); }

#endif /* !__KERN_DRIVER_INTR_H__ */
