#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * Grow a binary tree of processes DEPTH levels below the root. Each
 * process is named by its path from the root ("" for the root, then
 * "0", "1", "00", ...), prints it, forks its two children, yields,
 * and waits for both. The root prints the pass line once the whole
 * tree has reported back.
 */
#define DEPTH 4

static void grow(const char *path);

/* Fork the child of path on branch '0' or '1'; returns its pid or panics. */
static int fork_branch(const char *path, char branch) {
    char child[DEPTH + 1];
    int pid;

    snprintf(child, sizeof(child), "%s%c", path, branch);
    pid = fork();
    if (pid == 0) {
        grow(child);
        exit(0);
    }
    if (pid < 0) {
        panic("'%s' could not fork '%s': %e", path, child, pid);
    }
    return pid;
}

/* Report as path, then (above the leaves) make and reap two children. */
static void grow(const char *path) {
    int pid[2], code;

    cprintf("%04x: I am '%s'\n", getpid(), path);
    if (strlen(path) == DEPTH) {
        yield();
        return;
    }
    pid[0] = fork_branch(path, '0');
    pid[1] = fork_branch(path, '1');
    yield();
    for (int i = 0; i < 2; i++) {
        if (waitpid(pid[i], &code) != 0 || code != 0) {
            panic("'%s': child %d did not exit cleanly", path, pid[i]);
        }
    }
}

int main(void) {
    grow("");
    cprintf("forktree pass.\n");
    return 0;
}
