#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * NCYCLES rounds of fork, exit, wait. Each child does something a little
 * different before it exits (nothing; write a heap page, so copy-on-write
 * copies it; write deep into the stack; read every heap page) and exits
 * with its own code, which the parent must get back. The parent reaps in
 * turn by pid and by "any child", sometimes before the child can have
 * exited and sometimes after. Every CHECK_EVERY rounds the free pages
 * must be exactly what they were before the first: a round that left
 * one page behind would show.
 */
#define NCYCLES      1000
#define CHECK_EVERY  100
#define HEAP_PAGES   8
#define PGSIZE       4096

static char *heap;

/* The exit code of the child of round i (never 0, never negative). */
static int code_of(int i) {
    return 0x100 + (i & 0xff);
}

/* Write a page's worth of stack: the child's stack pages get copied. */
static __noinline int use_stack(int i) {
    volatile char buf[2 * PGSIZE];

    memset((char *)buf, i, sizeof(buf));
    return buf[i % sizeof(buf)];
}

/* The child of round i: touch memory one of four ways, then exit. */
static void __noreturn child(int i) {
    volatile char *h = heap;

    switch (i % 4) {
    case 1:
        h[(i / 4 % HEAP_PAGES) * PGSIZE] = (char)i;
        break;
    case 2:
        use_stack(i);
        break;
    case 3:
        for (int p = 0; p < HEAP_PAGES; p++) {
            (void)h[p * PGSIZE];
        }
        break;
    default:
        break;
    }
    exit(code_of(i));
}

/* One round: fork a child and reap it. */
static void cycle(int i) {
    int pid, code = -1, ret;

    if ((pid = fork()) == 0) {
        child(i);
    }
    if (pid < 0) {
        panic("fork in round %d failed: %e", i, pid);
    }
    if (i % 3 == 0) {
        yield();        /* let the child run (and maybe exit) before we wait */
    }
    ret = i % 2 == 0 ? waitpid(pid, &code) : waitpid(0, &code);
    if (ret != 0 || code != code_of(i)) {
        panic("round %d: waitpid returned %e, code 0x%x (want 0x%x)", i, ret, code, code_of(i));
    }
}

static size_t free_pages(void) {
    struct memstat ms;

    if (memstat(&ms) != 0) {
        panic("memstat failed");
    }
    return ms.free_pages;
}

int main(void) {
    size_t before, now;

    heap = sbrk(HEAP_PAGES * PGSIZE);
    if (heap == (char *)-1) {
        panic("sbrk failed");
    }
    memset(heap, 1, HEAP_PAGES * PGSIZE);
    cycle(0);           /* warm up: our own pages are all touched now */
    cprintf("forkcycle: %d rounds of fork, exit and wait\n", NCYCLES);
    before = free_pages();
    for (int i = 1; i <= NCYCLES; i++) {
        cycle(i);
        if (i % CHECK_EVERY == 0 && (now = free_pages()) != before) {
            panic("after %d rounds %d pages are free, %d were before", i, (int)now, (int)before);
        }
    }
    if (wait() == 0) {
        panic("wait found a child after all were reaped");
    }
    cprintf("forkcycle: %d children reaped with their exit codes; free pages %d before and after\n",
            NCYCLES, (int)before);
    cprintf("forkcycle pass.\n");
    return 0;
}
