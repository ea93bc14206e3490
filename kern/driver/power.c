#include <power.h>
#include <sbi.h>
#include <pmm.h>

/*
 * Powering off with an exit status. SBI's system reset ends QEMU with
 * status 0 whatever reason it is given; QEMU's virt machine also has a
 * test device (compatible "sifive,test0") whose register ends QEMU with
 * any status: a write of (status << 16) | TEST_FAIL. So `make qemu`, the
 * grader and other scripts can tell a panic from a clean run. A clean run
 * writes TEST_PASS there too: QEMU stops at once, whatever the other
 * harts are doing, where the SBI's reset would first stop each of them.
 */
#define TEST_PASS   0x5555
#define TEST_FAIL   0x3333

static volatile uint32_t *test_reg;

/* Map the test device's register (physical address test_pa; 0: none). */
void power_init(uint64_t test_pa) {
    if (test_pa != 0) {
        test_reg = boot_map_mmio(test_pa, PGSIZE);
    }
}

void power_off(int status) {
    if (test_reg != NULL) {
        *test_reg = status == EXIT_OK ? TEST_PASS : ((uint32_t)status << 16) | TEST_FAIL;
    }
    sbi_shutdown();
}
