#include <sbi.h>

/* Extension ids (a7) and function ids (a6) used here. */
#define SBI_LEGACY_SET_TIMER        0x00
#define SBI_LEGACY_CONSOLE_PUTCHAR  0x01
#define SBI_LEGACY_SHUTDOWN         0x08
#define SBI_EXT_TIME                0x54494D45
#define SBI_EXT_SRST                0x53525354
#define SBI_SRST_SHUTDOWN           0
#define SBI_SRST_REASON_NONE        0
#define SBI_EXT_IPI                 0x735049
#define SBI_EXT_RFENCE              0x52464E43
#define SBI_RFENCE_SFENCE_VMA       1
#define SBI_EXT_HSM                 0x48534D
#define SBI_HSM_HART_START          0
#define SBI_HSM_HART_GET_STATUS     2

struct sbiret {
    long error;
    long value;
};

/* One ecall to the firmware; returns its (error, value) pair. */
static struct sbiret sbi_call4(long ext, long fid, long arg0, long arg1, long arg2,
                               long arg3) {
    register long a0 asm("a0") = arg0;
    register long a1 asm("a1") = arg1;
    register long a2 asm("a2") = arg2;
    register long a3 asm("a3") = arg3;
    register long a6 asm("a6") = fid;
    register long a7 asm("a7") = ext;
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(a6), "r"(a7)
                 : "memory");
    return (struct sbiret){ a0, a1 };
}

static struct sbiret sbi_call(long ext, long fid, long arg0, long arg1) {
    return sbi_call4(ext, fid, arg0, arg1, 0, 0);
}

void sbi_console_putchar(int ch) {
    sbi_call(SBI_LEGACY_CONSOLE_PUTCHAR, 0, ch, 0);
}

void sbi_set_timer(uint64_t stime_value) {
    sbi_call(SBI_EXT_TIME, 0, stime_value, 0);
}

/* Start a stopped hart at physical address start_pa in S-mode (a0 = hartid, a1 = opaque). */
long sbi_hart_start(unsigned long hartid, uintptr_t start_pa, unsigned long opaque) {
    return sbi_call4(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_pa, opaque, 0).error;
}

/* A hart's HSM state (SBI_HART_xxx), or a negative SBI error if there is no such hart. */
long sbi_hart_status(unsigned long hartid) {
    struct sbiret ret = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0);
    return ret.error != 0 ? ret.error : ret.value;
}

/* A supervisor software interrupt on every hart in mask (bit i: hart i). */
void sbi_send_ipi(unsigned long mask) {
    sbi_call(SBI_EXT_IPI, 0, mask, 0);
}

/*
 * Every hart in mask runs sfence.vma for [start, start + size) before
 * this returns (size SBI_FLUSH_ALL: all translations). The firmware
 * does it in M-mode, so it works on a hart spinning with interrupts off.
 */
void sbi_remote_sfence_vma(unsigned long mask, uintptr_t start, size_t size) {
    sbi_call4(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, mask, 0, start, size);
}

/* Power the machine off (QEMU exits, status 0); the legacy call is the fallback. */
void sbi_shutdown(void) {
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN, SBI_SRST_REASON_NONE);
    sbi_call(SBI_LEGACY_SHUTDOWN, 0, 0, 0);
    for (;;) {
    }
}
