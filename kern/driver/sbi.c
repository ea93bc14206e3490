#include <sbi.h>

/* Extension ids (a7) and function ids (a6) used here. */
#define SBI_LEGACY_SET_TIMER        0x00
#define SBI_LEGACY_CONSOLE_PUTCHAR  0x01
#define SBI_LEGACY_SHUTDOWN         0x08
#define SBI_EXT_TIME                0x54494D45
#define SBI_EXT_SRST                0x53525354
#define SBI_SRST_SHUTDOWN           0
#define SBI_SRST_REASON_NONE        0

struct sbiret {
    long error;
    long value;
};

/* One ecall to the firmware; returns its (error, value) pair. */
static struct sbiret sbi_call(long ext, long fid, long arg0, long arg1) {
    register long a0 asm("a0") = arg0;
    register long a1 asm("a1") = arg1;
    register long a6 asm("a6") = fid;
    register long a7 asm("a7") = ext;
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
    return (struct sbiret){ a0, a1 };
}

void sbi_console_putchar(int ch) {
    sbi_call(SBI_LEGACY_CONSOLE_PUTCHAR, 0, ch, 0);
}

void sbi_set_timer(uint64_t stime_value) {
    sbi_call(SBI_EXT_TIME, 0, stime_value, 0);
}

/* Power the machine off (QEMU exits, status 0); the legacy call is the fallback. */
void sbi_shutdown(void) {
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN, SBI_SRST_REASON_NONE);
    sbi_call(SBI_LEGACY_SHUTDOWN, 0, 0, 0);
    for (;;) {
    }
}
