/* Our own memory, which fuzz calls must leave alone, and the areas they may ruin. */
#include <defs.h>
#include <mman.h>
#include <string.h>
#include <syscall.h>
#include <ulib.h>
#include <unistd.h>

#include "fuzz.h"

/* ---- our own state -------------------------------------------------------- */

int self;                               /* our pid */
uintptr_t brk0;                         /* our heap's end at the start */
char long_name[LONG_NAME_LEN + 1];
const char no_such_program[] = "no-such-program";

/* Memory of ours that no fuzz call may change (the text is summed). */
uint64_t data_canary[CANARY_WORDS] = { [0 ... CANARY_WORDS - 1] = CANARY };
uint64_t bss_canary[CANARY_WORDS];
uint64_t *stack_canary;                 /* an array in main's frame */
uint64_t text_sum;

/* Mappings made by fuzz calls: nothing of ours lives there. */
struct fuzzmap fuzzmaps[MAX_FUZZMAPS];
int nfuzzmaps;

int fds[MAX_FDS];                       /* descriptors fuzz calls opened */
int nfds;

/* ---- the address space ---------------------------------------------------- */

/* Map len bytes read-write at exactly addr: addr, or MAP_FAILED. */
static void *map_fixed(uintptr_t addr, size_t len) {
    return mmap((void *)addr, len, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* Throw the scratch area away and map it afresh, its pages touched. */
void reset_scratch(void) {
    munmap((void *)SCRATCH_BASE, SCRATCH_SIZE);
    if (map_fixed(SCRATCH_BASE, SCRATCH_SIZE) != (void *)SCRATCH_BASE) {
        panic("cannot map the scratch area");
    }
    memset((void *)SCRATCH_BASE, 0x5c, SCRATCH_SIZE);
}

/* Fill the edge page with a string that runs into the unmapped page. */
void fill_edge(void) {
    memset((void *)EDGE_BASE, 'x', PGSIZE);
}

/* Map the scratch area and the edge page, fill the long name; panic if we cannot. */
void setup_memory(void) {
    reset_scratch();
    if (map_fixed(EDGE_BASE, PGSIZE) != (void *)EDGE_BASE) {
        panic("cannot map the edge page");
    }
    fill_edge();
    memset(long_name, 'a', LONG_NAME_LEN);
}

/* Remember a mapping a fuzz call made; the oldest goes when the table is full. */
void fuzzmap_add(uintptr_t addr, size_t len) {
    if (nfuzzmaps == MAX_FUZZMAPS) {
        munmap((void *)fuzzmaps[0].addr, fuzzmaps[0].len);
        memmove(&fuzzmaps[0], &fuzzmaps[1], (MAX_FUZZMAPS - 1) * sizeof(fuzzmaps[0]));
        nfuzzmaps--;
    }
    fuzzmaps[nfuzzmaps].addr = addr;
    fuzzmaps[nfuzzmaps].len = len;
    nfuzzmaps++;
}

static void fuzzmaps_clear(void) {
    while (nfuzzmaps > 0) {
        nfuzzmaps--;
        munmap((void *)fuzzmaps[nfuzzmaps].addr, fuzzmaps[nfuzzmaps].len);
    }
}

/* Sum the bytes of our text, up to the read-only data. */
uint64_t sum_text(void) {
    uint64_t sum = 0;
    for (const uint8_t *p = (const uint8_t *)TEXT_BASE; p < (const uint8_t *)no_such_program; p++) {
        sum = sum * 31 + *p;
    }
    return sum;
}

/* Panic if a fuzz call changed memory of ours. */
void check_own_memory(void) {
    for (int i = 0; i < CANARY_WORDS; i++) {
        if (data_canary[i] != CANARY || bss_canary[i] != CANARY || stack_canary[i] != CANARY) {
            panic("a fuzz call changed our data, bss or stack (word %d)", i);
        }
    }
    if (sum_text() != text_sum) {
        panic("a fuzz call changed our program text");
    }
    if (getpid() != self) {
        panic("getpid changed");
    }
}

/* Close what fuzz calls opened, unmap what they mapped, restore the heap. */
void clean_up(void) {
    for (int fd = 0; fd < NOFILE; fd++) {
        close(fd);
    }
    nfds = 0;
    fuzzmaps_clear();
    sys_brk(brk0);
    reset_scratch();
    fill_edge();
}
