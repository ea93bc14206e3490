#ifndef __LIBS_RISCV_H__
#define __LIBS_RISCV_H__

/* RISC-V supervisor-mode registers and instructions, by name. */

/* sstatus bits */
#define SSTATUS_SIE     (1UL << 1)      /* interrupts enabled in S-mode */
#define SSTATUS_SPIE    (1UL << 5)      /* SIE before the trap */
#define SSTATUS_SPP     (1UL << 8)      /* trap came from S-mode */

/* sie / sip bits */
#define SIE_SSIE        (1UL << 1)      /* software interrupt (IPI) enable */
#define SIE_STIE        (1UL << 5)      /* timer interrupt enable */
#define SIP_SSIP        (1UL << 1)      /* software interrupt pending */

/* scause: interrupt bit and codes */
#define CAUSE_INTERRUPT_FLAG        (1UL << 63)
#define IRQ_S_SOFT                  1
#define IRQ_S_TIMER                 5
#define IRQ_S_EXT                   9

#define CAUSE_MISALIGNED_FETCH      0
#define CAUSE_FETCH_ACCESS          1
#define CAUSE_ILLEGAL_INSTRUCTION   2
#define CAUSE_BREAKPOINT            3
#define CAUSE_MISALIGNED_LOAD       4
#define CAUSE_LOAD_ACCESS           5
#define CAUSE_MISALIGNED_STORE      6
#define CAUSE_STORE_ACCESS          7
#define CAUSE_USER_ECALL            8
#define CAUSE_SUPERVISOR_ECALL      9
#define CAUSE_FETCH_PAGE_FAULT      12
#define CAUSE_LOAD_PAGE_FAULT       13
#define CAUSE_STORE_PAGE_FAULT      15

/* scounteren: which counters user programs may read (rdcycle, rdtime, rdinstret) */
#define SCOUNTEREN_CY   (1UL << 0)
#define SCOUNTEREN_TM   (1UL << 1)
#define SCOUNTEREN_IR   (1UL << 2)

/* satp: Sv39 mode */
#define SATP_SV39       (8UL << 60)
#define SATP_PPN        ((1UL << 44) - 1)   /* the root table's physical page number */

#ifndef __ASSEMBLY__

#define read_csr(reg) ({ unsigned long __v;                     \
            asm volatile("csrr %0, " #reg : "=r"(__v));         \
            __v; })

#define write_csr(reg, val) ({                                  \
            asm volatile("csrw " #reg ", %0" :: "rK"(val)); })

#define set_csr(reg, bit) ({ unsigned long __v;                 \
            asm volatile("csrrs %0, " #reg ", %1"               \
                         : "=r"(__v) : "rK"(bit));              \
            __v; })

#define clear_csr(reg, bit) ({ unsigned long __v;               \
            asm volatile("csrrc %0, " #reg ", %1"               \
                         : "=r"(__v) : "rK"(bit));              \
            __v; })

/* The time CSR: ticks of the platform timebase (10 MHz on virt). */
static inline unsigned long rdtime(void) {
    unsigned long t;
    asm volatile("rdtime %0" : "=r"(t));
    return t;
}

/* Forget every cached translation. */
static inline void sfence_vma(void) {
    asm volatile("sfence.vma" ::: "memory");
}

/* Forget the cached translation of one virtual address. */
static inline void sfence_vma_addr(unsigned long va) {
    asm volatile("sfence.vma %0" :: "r"(va) : "memory");
}

static inline void wfi(void) {
    asm volatile("wfi");
}

#endif /* !__ASSEMBLY__ */

#endif /* !__LIBS_RISCV_H__ */
