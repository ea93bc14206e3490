#include <stdio.h>
#include <ulib.h>
#include <error.h>

/*
 * The threads of a program live and die together (a thread group):
 *  1. a thread started by a thread ends when the program's main returns;
 *  2. a thread that runs out of memory takes the whole program with it;
 *  3. kill() of one thread ends the whole program;
 *  4. a bad access in one thread ends the whole program.
 * Each case runs in a child program; its exit code tells what happened.
 */

#define HEAP_STEP (64 * 4096)

static int sleep_forever(void *arg) {
    (void)arg;
    for (;;) {
        sleep(1);
    }
    return 0;
}

/* Case 1: a thread that starts a sleeping thread and returns its id. */
static int starter(void *arg) {
    (void)arg;
    return thread_create(sleep_forever, NULL);
}

/* Case 2: grow the heap and touch every page until memory runs out. */
static int eat_memory(void *arg) {
    (void)arg;
    for (;;) {
        volatile char *p = sbrk(HEAP_STEP);
        if (p == (void *)-1) {
            cprintf("threadgroup: sbrk refused before memory ran out\n");
            return 1;
        }
        for (int off = 0; off < HEAP_STEP; off += 4096) {
            p[off] = 1;
        }
    }
}

/* Case 4: a store to address 0. */
static int bad_access(void *arg) {
    (void)arg;
    *(volatile int *)0 = 1;
    return 1;
}

/* The main thread of cases 2 and 4: wait long enough, then complain. */
static void outlive(const char *what) {
    for (int i = 0; i < 300; i++) {
        sleep(1);
    }
    cprintf("threadgroup: FAIL: the program survived %s\n", what);
    exit(1);
}

/* Run fn in a child program and return its exit code. */
static int run_child(void (*fn)(void)) {
    int code, pid = fork();
    if (pid == 0) {
        fn();
        exit(0);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0);
    return code;
}

static void case_thread_of_thread(void) {
    int code, tid = thread_create(starter, NULL);
    assert(tid > 0 && waitpid(tid, &code) == 0 && code > 0);
    exit(code);             /* main returns; the sleeping thread `code` must end too */
}

static void case_oom(void) {
    assert(thread_create(eat_memory, NULL) > 0);
    outlive("its thread's out-of-memory death");
}

static void case_kill(void) {
    int tid = thread_create(sleep_forever, NULL);
    assert(tid > 0);
    kill(tid);
    cprintf("threadgroup: FAIL: the program survived kill(%d) of its thread\n", tid);
    exit(1);
}

static void case_bad_access(void) {
    assert(thread_create(bad_access, NULL) > 0);
    outlive("its thread's bad access");
}

/* Print what a case showed; count it as a failure unless ok. */
static int report(bool ok, const char *what) {
    cprintf("threadgroup: %s%s\n", ok ? "" : "FAIL: not so: ", what);
    return !ok;
}

int main(void) {
    int failures = 0;
    int tid = run_child(case_thread_of_thread);
    assert(tid > 0);
    sleep(2);
    int ret = kill(tid);        /* -E_INVAL: no such process any more */
    failures += report(ret == -E_INVAL, "a thread started by a thread ended with its program");
    failures += report(run_child(case_oom) == -E_KILLED,
                       "a thread that ran out of memory took its program with it");
    failures += report(run_child(case_kill) == -E_KILLED,
                       "kill() of one thread ended the whole program");
    failures += report(run_child(case_bad_access) == -E_KILLED,
                       "a bad access in one thread ended the whole program");
    if (failures == 0) {
        cprintf("threadgroup pass.\n");
    }
    return failures;
}
