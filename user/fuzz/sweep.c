/* The protection sweep: mappings of every protection, written and shared every way. */
#include <defs.h>
#include <mman.h>
#include <stdio.h>
#include <ulib.h>

#include "fuzz.h"

/* ---- every protection --------------------------------------------------- */

#define NKINDS 3
#define NPROTS 8                /* every combination of PROT_READ, PROT_WRITE, PROT_EXEC */
#define SWEEP_PAGES 2

static void *sweep_maps[NKINDS * NPROTS];
static int nsweep, sweep_landed, sweep_refused;

/* Forced writes at the start, across the page boundary and in the second page. */
static void force_writes(char *p) {
    static const size_t offsets[] = { 0, PGSIZE - 4, PGSIZE + 100 };
    uint64_t word = 0x10001;            /* would point at 0x10000 if read as a PTE */
    for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
        if (memwrite(p + offsets[i], &word, sizeof(word)) == (int)sizeof(word)) {
            sweep_landed++;
        } else {
            sweep_refused++;
        }
    }
}

/* A thread that force-writes every sweep mapping. */
static int sweep_thread(void *arg) {
    (void)arg;
    for (int i = 0; i < nsweep; i++) {
        force_writes(sweep_maps[i]);
    }
    return 0;
}

/* Fork a child that runs fn (which exits) and wait for it; its exit code. */
static int sweep_child(void (*fn)(void)) {
    int code, pid = fork();
    if (pid == 0) {
        fn();
    }
    if (pid < 0 || waitpid(pid, &code) != 0) {
        panic("protection sweep: fork or wait failed");
    }
    return code;
}

/* A child that force-writes every sweep mapping, then exits. */
static void child_writes(void) {
    sweep_thread(NULL);
    exit(0);
}

/* A child that execs true: exits with exec's error, or true's 0. */
static void child_execs(void) {
    exit(exec("true"));
}

/*
 * Map two pages with every protection, anonymous, private file and
 * shared file (a shared writable one is refused: the files are
 * read-only). On each: forced writes, the kernel reading it (memwrite's
 * source) and writing it (read), madvise; then, with all of them
 * mapped, a thread and a fork that force-write them, a fork that
 * execs, and print_pgdir. Whatever the rights, nothing may panic, no
 * page may leak and no PTE without rights may appear (the audit at
 * every exit checks the tables).
 */
void protection_sweep(void) {
    static const int kinds[NKINDS] = { MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED };
    int fd = open("/etc/passwd", O_RDONLY), code;
    for (int k = 0; k < NKINDS; k++) {
        for (int prot = 0; prot < NPROTS; prot++) {
            char *p = mmap(NULL, SWEEP_PAGES * PGSIZE, prot, kinds[k], fd, 0);
            if (p == MAP_FAILED) {
                continue;
            }
            sweep_maps[nsweep++] = p;
            force_writes(p);
            memwrite((void *)SCRATCH_BASE, p + PGSIZE - 4, 8);
            read(fd, p + PGSIZE - 4, 8);
            madvise(p, SWEEP_PAGES * PGSIZE, MADV_DONTNEED);
            force_writes(p);
        }
    }
    int tid = thread_create(sweep_thread, NULL);
    if (tid < 0 || waitpid(tid, &code) != 0 || code != 0) {
        panic("protection sweep: the thread failed");
    }
    if (sweep_child(child_writes) != 0 || sweep_child(child_execs) != 0) {
        panic("protection sweep: a child failed");
    }
    print_pgdir();
    for (int i = 0; i < nsweep; i++) {
        munmap(sweep_maps[i], SWEEP_PAGES * PGSIZE);
    }
    close(fd);
    cprintf("fuzz: %d mappings of every protection: %d forced writes landed, %d refused;"
            " a thread, a fork and an exec with them mapped\n", nsweep, sweep_landed, sweep_refused);
}
