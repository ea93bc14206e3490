#include <defs.h>
#include <memstat.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * Every system call that takes a pointer must reject one it cannot
 * use -- not ours, not mapped, not writable, or running off the end
 * of our memory -- with a negative error, and change nothing: the
 * memory stays as it was and a child we failed to reap stays waitable.
 */
#define PGSIZE        4096
#define CHILD_CODE    0x5a5a
#define BAD_LOW       0x1UL                 /* page 0 is never mapped */
#define BAD_KERNEL    0xffffffffc0200000UL  /* kernel text */
#define BAD_UNMAPPED  0x10000000UL          /* above our program, below the stack */
#define LONG_NAME_LEN 3000                  /* longer than any program name */

#define WINDOW 64   /* bytes watched around a target we can read */

/*
 * A bad pointer to try, and for one that is partly ours, the window
 * of our memory around it whose contents must not change.
 */
struct target {
    const char *what;
    uintptr_t addr;
    uint8_t *window;            /* NULL: none of it is ours to read */
    uint8_t saved[WINDOW];
};

/* The last two get their addresses in main. */
static struct target targets[] = {
    { "address 0x1", BAD_LOW, NULL, {0} },
    { "a kernel address", BAD_KERNEL, NULL, {0} },
    { "an unmapped address", BAD_UNMAPPED, NULL, {0} },
    { "read-only program text", 0, NULL, {0} },
    { "a pointer running off the heap", 0, NULL, {0} },
};
#define TEXT_TARGET 3
#define EDGE_TARGET 4

/* Panic unless the call described by what returned an error. */
static void expect_error(const char *call, const char *what, long ret) {
    if (ret >= 0) {
        panic("%s with %s returned %ld, want an error", call, what, ret);
    }
    cprintf("badptr: %s with %s: %e (ok)\n", call, what, (int)ret);
}

static void save_targets(void) {
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        if (targets[i].window != NULL) {
            memcpy(targets[i].saved, targets[i].window, WINDOW);
        }
    }
}

/* Panic if a failed call wrote into memory we can see. */
static void check_targets_unchanged(const char *call) {
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        struct target *t = &targets[i];
        if (t->window != NULL && memcmp(t->saved, t->window, WINDOW) != 0) {
            panic("%s changed the memory at %s (%p)", call, t->what, (void *)t->addr);
        }
    }
}

/*
 * Make the heap end on a page boundary with one page of ours below it;
 * returns that boundary (the page above it is unmapped).
 */
static char *heap_edge(void) {
    char *brk = sbrk(0);
    intptr_t grow = (ROUNDUP((uintptr_t)brk, PGSIZE) - (uintptr_t)brk) + PGSIZE;

    if (brk == (char *)-1 || sbrk(grow) != brk) {
        panic("could not grow the heap");
    }
    return brk + grow;
}

static void check_waitpid(int pid) {
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        expect_error("waitpid store", targets[i].what,
                     waitpid(pid, (int *)targets[i].addr));
    }
    check_targets_unchanged("waitpid");
}

static void check_exec(char *edge) {
    char *long_name = edge - PGSIZE;

    expect_error("exec name", "NULL", exec(NULL));
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        if (i != TEXT_TARGET) {     /* program text is readable: no bad string */
            expect_error("exec name", targets[i].what, exec((const char *)targets[i].addr));
        }
    }
    expect_error("exec name", "an unknown program", exec("no-such-program"));
    memset(long_name, 'a', LONG_NAME_LEN);
    long_name[LONG_NAME_LEN] = '\0';
    expect_error("exec name", "a 3000-character name", exec(long_name));
    check_targets_unchanged("exec");
}

static void check_memstat(void) {
    struct memstat ms;

    expect_error("memstat", "NULL", memstat(NULL));
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        expect_error("memstat", targets[i].what, memstat((struct memstat *)targets[i].addr));
    }
    check_targets_unchanged("memstat");
    if (memstat(&ms) != 0 || ms.total_pages == 0 || ms.free_pages > ms.total_pages) {
        panic("memstat with a good pointer failed");
    }
}

int main(void) {
    char *edge;
    int pid, code = 0;

    pid = fork();
    if (pid == 0) {
        exit(CHILD_CODE);
    }
    if (pid < 0) {
        panic("fork failed: %e", pid);
    }
    sleep(10);      /* let the child become a zombie */

    edge = heap_edge();
    memset(edge - WINDOW, 'x', WINDOW);     /* a string with no NUL before the edge */
    targets[TEXT_TARGET].addr = (uintptr_t)main;
    targets[TEXT_TARGET].window = (uint8_t *)main;
    targets[EDGE_TARGET].addr = (uintptr_t)edge - 2;   /* 2 bytes ours, the rest not */
    targets[EDGE_TARGET].window = (uint8_t *)edge - WINDOW;
    save_targets();

    check_waitpid(pid);
    check_exec(edge);
    check_memstat();

    if (waitpid(pid, &code) != 0 || code != CHILD_CODE) {
        panic("the child was lost after the bad waitpid calls (code 0x%x)", code);
    }
    cprintf("badptr: the child was still waitable and exited with 0x%x\n", code);
    cprintf("badptr pass.\n");
    return 0;
}
