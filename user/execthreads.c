#include <stdio.h>
#include <ulib.h>

/*
 * exec ends every other thread of the calling program, and the caller
 * becomes an ordinary process:
 *  1. A process whose thread sleeps calls exec: the thread must end
 *     before the new program runs (it would print FAIL if it lived on).
 *  2. A thread calls exec: the program it belonged to ends (its main is
 *     killed), and the new program (execnew) is a process of its own,
 *     whose thread ends when its main returns.
 */

static volatile int exec_started;

/* Case 1's thread: sleeps until the exec, then would complain forever. */
static int old_thread(void *arg) {
    (void)arg;
    while (!exec_started) {
        sleep(1);
    }
    for (int i = 0; i < 50; i++) {
        sleep(1);
        cprintf("execthreads: FAIL: the old program's thread still runs after exec\n");
    }
    return 1;
}

/* Case 2's thread: replaces the whole program with execnew. */
static int exec_thread(void *arg) {
    (void)arg;
    int ret = exec("execnew");
    cprintf("execthreads: FAIL: exec from a thread returned %d\n", ret);
    return 1;
}

int main(void) {
    int code;
    int pid = fork();
    if (pid == 0) {
        assert(thread_create(old_thread, NULL) > 0);
        sleep(2);
        exec_started = 1;
        exec("execnew");
        exit(1);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0);
    assert(code == 0);
    cprintf("execthreads: exec from a process with a thread: the thread ended, execnew exited 0\n");

    pid = fork();
    if (pid == 0) {
        int tid = thread_create(exec_thread, NULL);
        assert(tid > 0);
        waitpid(tid, &code);
        cprintf("execthreads: FAIL: main outlived its thread's exec (thread exit code %d)\n", code);
        exit(1);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0);
    cprintf("execthreads: exec from a thread: the program's main was killed (exit code %d)\n",
            code);
    assert(code == -9);
    cprintf("execthreads pass.\n");
    return 0;
}
