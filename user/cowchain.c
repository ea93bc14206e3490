#include <defs.h>
#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * A chain of NGEN generations, each the child of the one before, all
 * sharing NGEN heap pages. Generation g fills page g with its marker
 * and forks generation g + 1 and a twin of it; then, while they run,
 * it fills every later page with its "late" byte. The twin overwrites
 * every page and exits. So:
 *  - generation g starts with pages 0..g-1 holding the markers of its
 *    ancestors and the rest still blank: exactly what its parent had
 *    when it forked (no ancestor's late bytes travel down);
 *  - at its end generation g holds only its own and its ancestors'
 *    bytes: no descendant's byte travelled up, and no twin's bytes
 *    travelled up or sideways (to the twin's sibling).
 * Every check compares every byte.
 */
#define PGSIZE 4096
#define NGEN   6
#define BLANK  0x00

static char *heap;

static int generation(int g);

static char marker(int g) {
    return (char)(0x10 + g);
}

static char late(int g) {
    return (char)(0xa0 + g);
}

static char twin_byte(int g) {
    return (char)(0xe0 + g);
}

/* What page p holds in generation g: at its start, or once it wrote all. */
static char expected(int g, int p, bool written) {
    if (p < g || (p == g && written)) {
        return marker(p);
    }
    return written ? late(g) : (char)BLANK;
}

/* Panic unless every byte of every page is what expected() says. */
static void check_pages(int g, bool written) {
    for (int p = 0; p < NGEN; p++) {
        char want = expected(g, p, written);
        for (int j = 0; j < PGSIZE; j++) {
            char got = heap[p * PGSIZE + j];
            if (got != want) {
                panic("generation %d (%s): page %d byte %d is 0x%x, want 0x%x", g,
                      written ? "at the end" : "at its start", p, j, got & 0xff, want & 0xff);
            }
        }
    }
}

/* Fill the pages after page g with late(g), yielding between pages. */
static void write_late(int g) {
    for (int p = g + 1; p < NGEN; p++) {
        memset(heap + p * PGSIZE, late(g), PGSIZE);
        yield();
    }
}

/* Panic unless child pid (generation g's child, what) exited with 0. */
static void reap(int g, int pid, const char *what) {
    int code = -1;

    if (waitpid(pid, &code) != 0 || code != 0) {
        panic("generation %d: its %s failed (code %d)", g, what, code);
    }
}

/* A twin of generation g: it starts as g does, then overwrites all. */
static void __noreturn twin(int g) {
    check_pages(g, false);
    memset(heap, twin_byte(g), NGEN * PGSIZE);
    for (int j = 0; j < NGEN * PGSIZE; j++) {
        assert(heap[j] == twin_byte(g));
    }
    exit(0);
}

/* Fork a child that runs generation g, or a twin of it; returns its pid. */
static int fork_child(int g, bool is_twin) {
    int pid = fork();

    if (pid == 0) {
        if (is_twin) {
            twin(g);
        }
        exit(generation(g));
    }
    if (pid < 0) {
        panic("generation %d: fork failed: %e", g - 1, pid);
    }
    return pid;
}

/* Generation g: check, mark, fork the next, write, reap, check; returns 0. */
static int generation(int g) {
    int next = 0, sibling = 0;

    check_pages(g, false);
    memset(heap + g * PGSIZE, marker(g), PGSIZE);
    if (g + 1 < NGEN) {
        next = fork_child(g + 1, false);
        sibling = fork_child(g + 1, true);
    }
    write_late(g);
    check_pages(g, true);
    if (next > 0) {
        reap(g, next, "next generation");
        reap(g, sibling, "twin");
    }
    check_pages(g, true);
    cprintf("cowchain: generation %d saw only its own and its ancestors' writes\n", g);
    return 0;
}

int main(void) {
    heap = sbrk(NGEN * PGSIZE);
    assert(heap != (void *)-1);
    memset(heap, BLANK, NGEN * PGSIZE);
    generation(0);
    cprintf("cowchain pass.\n");
    return 0;
}
