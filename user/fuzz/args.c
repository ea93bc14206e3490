/* The fuzzer's randomness: a seeded PRNG and the arguments kernels get wrong. */
#include <defs.h>

#include "fuzz.h"

/* ---- a small deterministic PRNG (xorshift64*) ----------------------------- */

uint64_t rng_state = FUZZ_SEED;

/* The next number: xorshift the state, then scramble it with a multiply. */
uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n); n > 0. */
uint64_t rnd_below(uint64_t n) {
    return rnd() % n;
}

/* True one time in n. */
bool one_in(uint64_t n) {
    return rnd_below(n) == 0;
}

/* ---- arguments ------------------------------------------------------------ */

/* An address that is never user memory. */
uint64_t bad_ptr(void) {
    switch (rnd_below(7)) {
    case 0:
        return 0;
    case 1:
        return rnd_below(USER_BASE);                      /* below user space */
    case 2:
        return KERNEL_ADDR + rnd_below(64) * PGSIZE + rnd_below(16);
    case 3:
        return NONCANONICAL | rnd_below(1UL << 20);
    case 4:
        return USER_TOP + rnd_below(4) * PGSIZE + rnd_below(8);
    case 5:
        return -(1 + rnd_below(PGSIZE));                   /* the very top */
    default:
        return rnd() | (1ULL << 63);
    }
}

/* Inside a mapping a fuzz call made, or the scratch area. */
static uint64_t fuzz_owned_ptr(void) {
    if (nfuzzmaps > 0 && one_in(2)) {
        int i = rnd_below(nfuzzmaps);
        return fuzzmaps[i].addr + rnd_below(fuzzmaps[i].len);
    }
    return SCRATCH_BASE + rnd_below(SCRATCH_SIZE);
}

/* The last bytes of the edge page: an access of more runs off its end. */
uint64_t edge_ptr(void) {
    return EDGE_END - 1 - rnd_below(16);
}

/* Our data, bss or stack: for the kernel to read only. */
static uint64_t own_ptr(void) {
    switch (rnd_below(3)) {
    case 0:
        return (uintptr_t)&data_canary[rnd_below(CANARY_WORDS)];
    case 1:
        return (uintptr_t)&bss_canary[rnd_below(CANARY_WORDS)];
    default:
        return (uintptr_t)&stack_canary[rnd_below(CANARY_WORDS)];
    }
}

/* A pointer the kernel may use as access says without harming us. */
uint64_t rnd_ptr(enum access access) {
    switch (rnd_below(8)) {
    case 0:
    case 1:
        return bad_ptr();
    case 2:
        return HOLE_BASE + rnd_below(HOLE_SIZE);
    case 3:
        return edge_ptr();
    case 4:
    case 5:
        return fuzz_owned_ptr();
    case 6:     /* our read-only text */
        return access == FORCE ? bad_ptr() : TEXT_BASE + rnd_below(PGSIZE);
    default:
        return access == READ ? own_ptr() : fuzz_owned_ptr();
    }
}

/* A length: a small one, or one of the sizes kernels get wrong. */
uint64_t rnd_len(void) {
    static const uint64_t lens[] = {
        0, 1, 2, 3, 4, 7, 8, 16, 63, 64, 255, 256, 4095, 4096, 4097, 8192, 16384, 16385,
        65536, 1UL << 20, 0x7fffffff, 0x80000000, 0xffffffff, 1ULL << 32, 1ULL << 40,
        1ULL << 63, -1ULL, -2ULL, -4096ULL,
    };
    return one_in(4) ? rnd_below(3 * PGSIZE) : PICK(lens);
}

/* An integer: a random one, or one of the values kernels get wrong. */
uint64_t rnd_int(void) {
    static const uint64_t ints[] = {
        0, 1, 2, 3, 4, 5, 8, 15, 16, 17, 31, 32, 64, 100, 255, 4096, 0x7fffffff, 0x80000000,
        0xffffffff, 1ULL << 32, (1ULL << 32) | 1, (1ULL << 32) | 2, 1ULL << 63,
        (1ULL << 63) - 1, -1ULL, -2ULL, -4096ULL,
    };
    return one_in(4) ? rnd() : PICK(ints);
}

/* A descriptor: one a fuzz call opened, or an odd number. */
uint64_t rnd_fd(void) {
    static const uint64_t odd_fds[] = {
        -1ULL, 0, 1, 2, 3, 15, 16, 17, 1000, 0x80000000, (1ULL << 32) | 3, -16ULL,
    };
    return nfds > 0 && one_in(2) ? (uint64_t)fds[rnd_below(nfds)] : PICK(odd_fds);
}

/* A program name exec must refuse: a bad pointer, unknown, or too long. */
uint64_t bad_name(void) {
    switch (rnd_below(5)) {
    case 0:
        return bad_ptr();
    case 1:
        fill_edge();
        return edge_ptr();                  /* no NUL before the unmapped page */
    case 2:
        return (uintptr_t)long_name;
    case 3:
        return HOLE_BASE + rnd_below(HOLE_SIZE);
    default:
        return (uintptr_t)no_such_program;
    }
}

/* A path for open: real files, odd names, bad pointers. */
uint64_t rnd_path(void) {
    static const char *const paths[] = {
        "etc/passwd", "/etc/passwd", "etc/motd", "/etc/motd", "proc/cmdline", "etc",
        "/", "", "etc/passwd/", "nosuch", "etc//passwd",
    };
    switch (rnd_below(4)) {
    case 0:
        return bad_ptr();
    case 1:
        return one_in(2) ? (uintptr_t)long_name : edge_ptr();
    default:
        return (uintptr_t)PICK(paths);
    }
}

/* Any argument at all, as long as it points at nothing of ours. */
uint64_t rnd_any(void) {
    switch (rnd_below(4)) {
    case 0:
        return rnd_int();
    case 1:
        return rnd_len();
    case 2:
        return bad_ptr();
    default:
        return one_in(2) ? fuzz_owned_ptr() : edge_ptr();
    }
}

/*
 * An (addr, len) to unmap or zap: if the kernel accepts it, the range
 * lies inside memory fuzz calls own; otherwise it is outside user space
 * or runs past its top, and must be refused.
 */
void rnd_range(uint64_t *addr, uint64_t *len) {
    static const uint64_t past_top[] = {
        USER_TOP, 1ULL << 40, 1ULL << 63, -1ULL, -4096ULL, -SCRATCH_BASE,
    };
    uintptr_t base = SCRATCH_BASE, size = SCRATCH_SIZE;
    int i;

    switch (rnd_below(4)) {
    case 0:
        *addr = bad_ptr();
        *len = rnd_len();
        return;
    case 1:
        *addr = SCRATCH_BASE + rnd_below(SCRATCH_PAGES) * PGSIZE;
        *len = PICK(past_top);
        return;
    case 2:
        if (nfuzzmaps > 0) {
            i = rnd_below(nfuzzmaps);
            base = fuzzmaps[i].addr;
            size = fuzzmaps[i].len;
        }
        break;
    default:
        break;
    }
    uintptr_t off = rnd_below(size / PGSIZE) * PGSIZE + (one_in(8) ? rnd_below(PGSIZE) : 0);
    *addr = base + off;
    *len = rnd_below(size - off + 1);
}
