#include <stdio.h>
#include <ulib.h>

/*
 * A program that execthreads starts with exec, twice: once from a
 * process, once from a thread. It starts a thread that would sleep
 * forever and returns from main: the thread must end with it (the
 * machine only powers off once every process is gone).
 */

static int sleeper(void *arg) {
    (void)arg;
    for (;;) {
        sleep(1);
    }
    return 0;
}

int main(void) {
    int tid = thread_create(sleeper, NULL);
    assert(tid > 0);
    cprintf("execnew: pid %d runs the new program; its thread %d sleeps; main returns\n",
            getpid(), tid);
    return 0;
}
