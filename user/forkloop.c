#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * forkloop: how many rounds of a fork pattern fit in a fixed time, for
 * make bench's figures that compare boots (harts, the audit, cow=pt).
 * Boot arguments choose the pattern:
 *
 *   loop=cycle    fork, the child exits at once, waitpid (the default)
 *   loop=exec     fork, the child execs `true`, waitpid
 *   loop=write    fork, the child writes every page of the heap, exits, waitpid
 *   pages=N       touched heap pages of the forking process (default 0)
 *   procs=P       P processes run the loop side by side (default 1)
 *   msec=T        how long (default 3000; under -icount, virtual time)
 *
 * It prints "forkloop: R rounds in T ms, U ns a round" (R summed over
 * the processes) and "forkloop pass." once every round went right: each
 * child exited 0 (a writing child first checks the heap's bytes), and
 * the heap held its own bytes at the end. Only loop=write touches the
 * heap in the rounds: the cycle is the "the child writes nothing".
 */

#define PGSIZE 4096

enum { CYCLE, EXEC, WRITE };

/* One round: fork, the child's part, waitpid. True if it went right. */
static bool round_once(int loop, char *heap, int pages) {
    int code, pid = fork();
    if (pid == 0) {
        if (loop == EXEC) {
            exec("true");
            exit(99);
        }
        bool ok = loop != WRITE || pages == 0 || heap[0] == 1;
        for (int i = 0; loop == WRITE && i < pages; i++) {
            heap[i * PGSIZE] = 2;
        }
        exit(ok ? 0 : 1);
    }
    return pid > 0 && waitpid(pid, &code) == 0 && code == 0;
}

/* Run rounds for msec; exit code 0 and the count, through *rounds. */
static int run_loop(int loop, int pages, unsigned int msec, unsigned int *rounds) {
    char *heap = NULL;
    if (pages > 0) {
        heap = sbrk((intptr_t)pages * PGSIZE);
        if (heap == (char *)-1) {
            return 2;
        }
        for (int i = 0; i < pages; i++) {
            heap[i * PGSIZE] = 1;
        }
    }
    unsigned int start = gettime_msec();
    for (*rounds = 0; gettime_msec() - start < msec; (*rounds)++) {
        if (!round_once(loop, heap, pages)) {
            return 1;
        }
    }
    for (int i = 0; i < pages; i++) {
        if (heap[i * PGSIZE] != 1) {
            return 3;               /* a child's write reached the parent */
        }
    }
    return 0;
}

int main(void) {
    int loop = bootarg_has("loop=exec") ? EXEC : bootarg_has("loop=write") ? WRITE : CYCLE;
    int pages = (int)bootarg_long("pages", 0), procs = (int)bootarg_long("procs", 1);
    unsigned int msec = (unsigned int)bootarg_long("msec", 3000), total = 0, rounds;
    int pids[8], code, failed = 0;
    procs = procs < 1 ? 1 : procs > 8 ? 8 : procs;
    for (int i = 0; i < procs; i++) {
        if ((pids[i] = fork()) == 0) {
            int ret = run_loop(loop, pages, msec, &rounds);
            exit(ret != 0 ? -ret : (int)rounds);
        }
    }
    for (int i = 0; i < procs; i++) {
        if (pids[i] <= 0 || waitpid(pids[i], &code) != 0 || code < 0) {
            failed++;
        } else {
            total += code;
        }
    }
    cprintf("forkloop: %d rounds in %d ms, %d ns a round\n", total, msec,
            total ? (int)((uint64_t)msec * 1000000 * procs / total) : 0);
    if (failed == 0 && total > 0) {
        cprintf("forkloop pass.\n");
    }
    return failed;
}
