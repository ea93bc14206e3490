/* Targeted checks that a failed or refused call changes nothing. */
#include <defs.h>
#include <memstat.h>
#include <mman.h>
#include <stdio.h>
#include <string.h>
#include <syscall.h>
#include <ulib.h>
#include <unistd.h>

#include "fuzz.h"

/* ---- a failed call changes nothing ---------------------------------------- */

/*
 * Addresses the kernel must not write an int or more through: read-only
 * text, the kernel, an unmapped page, two bytes before one, not Sv39.
 */
static const uint64_t unwritable[] = {
    TEXT_BASE, KERNEL_ADDR, EDGE_END + 16, EDGE_END - 2, NONCANONICAL,
};

/* Panic unless the call described by what failed. */
static void expect_error(const char *what, long ret) {
    if (ret >= 0) {
        panic("%s returned %ld, want an error", what, ret);
    }
}

/* Panic if a failed call wrote into the edge page or our text. */
static void check_unchanged(const char *what) {
    for (const char *p = (const char *)EDGE_BASE; p < (const char *)EDGE_END; p++) {
        if (*p != 'x') {
            panic("a failed %s changed the edge page at %p", what, p);
        }
    }
    if (sum_text() != text_sum) {
        panic("a failed %s changed our text", what);
    }
}

/* waitpid with a bad status pointer fails and leaves the child waitable. */
void check_failed_wait(void) {
    int pid = fork(), code = 0;

    if (pid == 0) {
        exit(CHILD_CODE);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    sleep(2);       /* let the child become a zombie */
    for (size_t i = 0; i < ARRAY_SIZE(unwritable); i++) {
        expect_error("waitpid(child, bad status)", waitpid(pid, (int *)unwritable[i]));
        expect_error("waitpid(any, bad status)", waitpid(0, (int *)unwritable[i]));
    }
    check_unchanged("waitpid");
    if (waitpid(pid, &code) != 0 || code != CHILD_CODE) {
        panic("the child was lost after the failed waitpid calls (code 0x%x)", code);
    }
    cprintf("fuzz: waitpid refused %d bad status pointers; the child stayed waitable "
            "(exit code 0x%x)\n", (int)(2 * ARRAY_SIZE(unwritable)), code);
}

/* read into memory it may not write fails, writes nothing, keeps the position. */
void check_failed_read(void) {
    char want[32], got[32];
    int fd = open("etc/passwd", O_RDONLY), fd2 = open("etc/passwd", O_RDONLY);

    if (fd < 0 || fd2 < 0 || read(fd2, want, sizeof(want)) != sizeof(want)) {
        panic("cannot read etc/passwd");
    }
    for (size_t i = 0; i < ARRAY_SIZE(unwritable); i++) {
        expect_error("read(bad buffer)", read(fd, (void *)unwritable[i], sizeof(got)));
    }
    expect_error("read(buffer off the edge)", read(fd, (void *)(EDGE_END - 8), sizeof(got)));
    check_unchanged("read");
    if (read(fd, got, sizeof(got)) != sizeof(got) || memcmp(got, want, sizeof(got)) != 0) {
        panic("a failed read moved the file position");
    }
    close(fd);
    close(fd2);
    cprintf("fuzz: read refused %d bad buffers, wrote nothing, kept the file position\n",
            (int)ARRAY_SIZE(unwritable) + 1);
}

/* memstat through a pointer it may not write fails; a good pointer still works. */
void check_failed_memstat(void) {
    struct memstat ms;

    expect_error("memstat(NULL)", memstat(NULL));
    for (size_t i = 0; i < ARRAY_SIZE(unwritable); i++) {
        expect_error("memstat(bad pointer)", memstat((struct memstat *)unwritable[i]));
    }
    check_unchanged("memstat");
    if (memstat(&ms) != 0 || ms.free_pages > ms.total_pages) {
        panic("memstat with a good pointer failed");
    }
    cprintf("fuzz: memstat refused %d bad pointers\n", (int)ARRAY_SIZE(unwritable) + 1);
}

/* Refused mmap(MAP_FIXED), munmap and madvise calls leave the mapping as it was. */
void check_refused_mappings(void) {
    const int rw = PROT_READ | PROT_WRITE, fixed = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    void *s = (void *)SCRATCH_BASE;

    expect_error("mmap(bad prot)", sys_mmap(s, PGSIZE, BAD_PROT, fixed, -1, 0));
    expect_error("mmap(bad file)", sys_mmap(s, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, -1, 0));
    expect_error("mmap(unaligned)", sys_mmap(s + 1, PGSIZE, rw, fixed, -1, 0));
    expect_error("mmap(bad offset)", sys_mmap(s, PGSIZE, rw, fixed, -1, 1));
    expect_error("mmap(shared anonymous)",
                 sys_mmap(s, PGSIZE, rw, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    expect_error("munmap(unaligned)", munmap(s + 1, PGSIZE));
    expect_error("munmap(wrapping)", munmap(s, -PGSIZE));
    expect_error("munmap(past user space)", munmap(s, USER_TOP));
    expect_error("madvise(unaligned)", madvise(s + 1, PGSIZE, MADV_DONTNEED));
    expect_error("madvise(past user space)", madvise(s, USER_TOP, MADV_DONTNEED));
    expect_error("madvise(bad advice)", madvise(s, PGSIZE, BAD_ADVICE));
    for (const uint8_t *p = s; p < (const uint8_t *)s + SCRATCH_SIZE; p++) {
        if (*p != 0x5c) {
            panic("a refused mapping call changed the scratch area at %p", p);
        }
    }
    cprintf("fuzz: 11 refused mmap/munmap/madvise calls left the mapping as it was\n");
}

/* exec of a bad name fails and we are still ourselves. */
void check_refused_exec(void) {
    fill_edge();
    expect_error("exec(NULL)", exec(NULL));
    expect_error("exec(kernel address)", exec((const char *)KERNEL_ADDR));
    expect_error("exec(name off the edge)", exec((const char *)edge_ptr()));
    expect_error("exec(unknown)", exec(no_such_program));
    expect_error("exec(long name)", exec(long_name));
    check_unchanged("exec");
    if (getpid() != self) {
        panic("exec failed but we are someone else");
    }
    cprintf("fuzz: exec refused 5 bad names and we are still pid %d\n", self);
}

/* System call numbers are 64 bits: high bits make them unknown, not exit. */
void check_numbers(void) {
    expect_error("syscall(2^32 + SYS_exit)", syscall((1ULL << 32) | SYS_exit, 0, 0, 0, 0, 0, 0));
    expect_error("syscall(-1)", syscall(-1, 0, 0, 0, 0, 0, 0));
    if (syscall((1ULL << 32) | SYS_getpid, 0, 0, 0, 0, 0, 0) == self) {
        panic("syscall(2^32 + SYS_getpid) ran getpid");
    }
    cprintf("fuzz: numbers with high bits set are unknown calls\n");
}
