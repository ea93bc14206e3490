#include <stdio.h>
#include <ulib.h>

/*
 * Threads share the address space: each of NTHREAD threads writes its
 * own slot of a global array and returns a value; the main thread sees
 * every write, and waitpid(tid, &code) reaps each thread with exactly
 * the value its function returned. A fork from the main thread still
 * gets a private copy-on-write address space.
 */
#define NTHREAD 4

static volatile int slots[NTHREAD];

/* A thread: mark its slot with a value only it computes, return another. */
static int worker(void *arg) {
    int id = (int)(intptr_t)arg;
    int local = id * 100;           /* on this thread's own stack */
    for (int i = 0; i < 3; i++) {
        yield();
    }
    slots[id] = local + 7;
    return 1000 + id;
}

int main(void) {
    int tids[NTHREAD], code;
    for (int i = 0; i < NTHREAD; i++) {
        tids[i] = thread_create(worker, (void *)(intptr_t)i);
        assert(tids[i] > 0);
    }
    for (int i = 0; i < NTHREAD; i++) {
        assert(waitpid(tids[i], &code) == 0);
        assert(code == 1000 + i);
        assert(slots[i] == i * 100 + 7);
        cprintf("thread %d returned %d and wrote %d\n", i, code, slots[i]);
    }
    int pid = fork();
    if (pid == 0) {
        slots[0] = -1;              /* the child's own copy */
        exit(slots[0] == -1 ? 0 : 1);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0 && code == 0);
    assert(slots[0] == 7);
    cprintf("threadtest pass.\n");
    return 0;
}
