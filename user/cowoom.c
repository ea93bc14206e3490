#include <defs.h>
#include <error.h>
#include <stdio.h>
#include <ulib.h>

/*
 * Running out of memory inside a copy-on-write fault. The parent
 * fills 60% of free memory and forks; the child then stores to every
 * page, so it needs more copies than there are free pages. The kernel
 * must kill the child (out of memory) and give back every page it
 * took: the parent reaps exit code -E_KILLED, finds as many free pages
 * as before the fork, and can still write all of its own pages.
 * With eager copy (cow=off) the fork itself must fail with -E_NO_MEM
 * and give back everything it took.
 */
#define PGSIZE 4096
#define CHILD_HEAD_START 10     /* yields: let the parent reach waitpid */

static size_t *heap;
static size_t npages;

static size_t *page_word(size_t i) {
    return heap + i * (PGSIZE / sizeof(size_t));
}

/* Store value + i into the first word of every page i. */
static void write_all(size_t value) {
    for (size_t i = 0; i < npages; i++) {
        *page_word(i) = value + i;
    }
}

/* Panic unless the first word of every page i is value + i. */
static void check_all(const char *who, size_t value) {
    for (size_t i = 0; i < npages; i++) {
        if (*page_word(i) != value + i) {
            panic("%s: page %d holds 0x%lx, want 0x%lx", who, (int)i, *page_word(i), value + i);
        }
    }
}

static size_t free_pages(void) {
    struct memstat st;
    assert(memstat(&st) == 0);
    return st.free_pages;
}

/* A child that copies pages until memory runs out; it must be killed. */
static void __noreturn child(void) {
    for (int i = 0; i < CHILD_HEAD_START; i++) {
        yield();
    }
    check_all("child", 0xa000);
    write_all(0xc000);
    panic("FAIL: the child copied all %d pages", (int)npages);
}

/* Returns the fork's result after checking the child was killed. */
static int fork_and_reap(void) {
    int pid = fork(), code = 0;

    if (pid == 0) {
        child();
    }
    if (pid < 0) {
        return pid;
    }
    if (waitpid(pid, &code) != 0) {
        panic("waitpid failed");
    }
    cprintf("cowoom: the child exited with %d\n", code);
    assert(code == -E_KILLED);
    return pid;
}

int main(void) {
    size_t free_before;
    struct memstat st;
    int ret;

    npages = free_pages() * 6 / 10;
    heap = sbrk((intptr_t)(npages * PGSIZE));
    assert(heap != (void *)-1);
    write_all(0xa000);
    assert(memstat(&st) == 0);
    cprintf("cowoom: filled %d pages, %d pages free\n", (int)npages, (int)st.free_pages);

    free_before = free_pages();
    ret = fork_and_reap();
    if (st.cow_enabled) {
        assert(ret > 0);
    } else {
        cprintf("cowoom: eager fork failed: %e\n", ret);
        assert(ret == -E_NO_MEM);
    }
    cprintf("cowoom: %d pages free before the fork, %d after\n", (int)free_before,
            (int)free_pages());
    assert(free_pages() == free_before);

    check_all("parent", 0xa000);
    write_all(0xb000);
    check_all("parent", 0xb000);
    cprintf("cowoom: the parent wrote all of its pages\n");
    cprintf("cowoom pass.\n");
    return 0;
}
