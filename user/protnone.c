#include <stdio.h>
#include <string.h>
#include <ulib.h>
#include <error.h>

/*
 * Memory mapped PROT_NONE allows no access at all, forced or not: a
 * page there would need a PTE with none of R, W, X, which the hardware
 * reads as a pointer to a page table. A forced write (memwrite) into
 * it is refused with -E_FAULT and maps nothing; so are the kernel's
 * copies, and a load kills the program. The kernel's page-table walks
 * (print_pgdir, the audit at exit) never see such an entry. Memory
 * mapped PROT_EXEC alone still takes a forced write, as a debugger's
 * breakpoint in program text would.
 */

#define PGSIZE 4096

static size_t free_pages(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.free_pages;
}

/* A forced write of a word that, read as a page-table entry, points at 0x10000. */
static int force_word(void *addr) {
    uint64_t word = 0x10001;
    return memwrite(addr, &word, sizeof(word));
}

static void anonymous(void) {
    char *p = mmap(NULL, 2 * PGSIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(p != MAP_FAILED);
    size_t before = free_pages();
    int ret = force_word(p);
    cprintf("protnone: a forced write into PROT_NONE memory returned %d; %d pages allocated\n",
            ret, (int)(before - free_pages()));
    assert(ret == -E_FAULT && free_pages() == before);

    int fd = open("/etc/passwd", O_RDONLY);
    assert(fd >= 0);
    int r = read(fd, p, 8), w = write(1, p, 8);
    close(fd);
    cprintf("protnone: read() into it returned %d, write() from it %d\n", r, w);
    assert(r == -E_FAULT && w == -E_FAULT);

    int code, pid = fork();
    if (pid == 0) {
        cprintf("protnone: FAIL: a load from PROT_NONE memory read %d\n", *(volatile char *)p);
        exit(0);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0);
    cprintf("protnone: a load from it ended the child with %d\n", code);
    assert(code == -E_KILLED);
}

static void file(void) {
    int fd = open("/etc/passwd", O_RDONLY);
    assert(fd >= 0);
    char *p = mmap(NULL, PGSIZE, PROT_NONE, MAP_PRIVATE, fd, 0);
    close(fd);
    assert(p != MAP_FAILED);
    int ret = force_word(p);
    cprintf("protnone: a forced write into a PROT_NONE file mapping returned %d\n", ret);
    assert(ret == -E_FAULT);
}

static void exec_only(void) {
    char *p = mmap(NULL, PGSIZE, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(p != MAP_FAILED);
    int ret = force_word(p);
    cprintf("protnone: a forced write into PROT_EXEC memory returned %d\n", ret);
    assert(ret == (int)sizeof(uint64_t));
}

int main(void) {
    anonymous();
    file();
    exec_only();
    print_pgdir();
    cprintf("protnone pass.\n");
    return 0;
}
