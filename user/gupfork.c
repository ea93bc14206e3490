#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * A forced write in flight must not reach a child forked meanwhile.
 *
 * The writer thread force-writes (memwrite) a 16-byte record that
 * straddles two pages: its first half lands in a read-only private
 * mapping of /etc/passwd (get-user-pages breaks COW there, as for
 * Dirty COW), its second half in the writable anonymous page after it.
 * Both halves hold the same counter, so every completed memwrite leaves
 * them equal. The main thread forks children meanwhile; each child's
 * memory is a snapshot taken at fork, which must show equal halves and
 * keep showing them.
 *
 * Linux's get-user-pages ran with mmap_sem held for reading and fork
 * takes it for writing, so a fork never lands inside a forced write.
 * Without that lock, under dirtycow=fix2016, a fork landing while the
 * write waits at the loop's resched point (FOLL_COW already set) lets
 * the first half go into the page the child now shares: the child sees
 * its record change after fork.
 */

#define PATH "/etc/passwd"
#define PGSIZE 4096
#define NFORK 60              /* boot argument forks=N changes it */

static volatile uint64_t *record;  /* record[0] in the file mapping, record[1] after it */
static volatile int stop;
static volatile int writes;
static volatile int writer_failed;

/* The writer thread: force-write records 1, 2, 3, ... until told to stop. */
static int writer(void *arg) {
    (void)arg;
    for (uint64_t n = 1; !stop; n++) {
        uint64_t rec[2] = { n, n };
        if (memwrite((void *)record, rec, sizeof(rec)) != (int)sizeof(rec)) {
            cprintf("gupfork: FAIL: memwrite of record %d failed\n", (int)n);
            writer_failed = 1;
            return 1;
        }
        writes++;
    }
    return 0;
}

/* In a child: the snapshot must be whole now and stay so while the parent writes on. */
static int check_snapshot(int round) {
    uint64_t a = record[0], b = record[1];
    yield();                        /* the parent's writer finishes what it had in flight */
    if (a != b || record[0] != a || record[1] != b) {
        cprintf("gupfork: FAIL: fork %d: the child's record was (%d, %d) and is now (%d, %d)\n",
                round, (int)a, (int)b, (int)record[0], (int)record[1]);
        return 1;
    }
    return 0;
}

/* Two adjacent pages: /etc/passwd mapped read-only and private, then anonymous memory. */
static void map_pages(void) {
    char *base = mmap(NULL, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(base != MAP_FAILED);
    int fd = open(PATH, O_RDONLY);
    assert(fd >= 0);
    assert(mmap(base, PGSIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == base);
    close(fd);
    record = (volatile uint64_t *)(base + PGSIZE - sizeof(uint64_t));
}

int main(void) {
    map_pages();
    int nfork = bootarg_long("forks", NFORK);
    int tid = thread_create(writer, NULL), code, bad = 0;
    assert(tid > 0);
    while (writes == 0 && !writer_failed) {   /* under failalloc the first write may fail */
        yield();
    }
    for (int round = 0; round < nfork; round++) {
        int pid = fork();
        if (pid == 0) {
            exit(check_snapshot(round));
        }
        assert(pid > 0 && waitpid(pid, &code) == 0);
        bad += code != 0;
    }
    stop = 1;
    assert(waitpid(tid, &code) == 0 && code == 0);
    assert(record[0] == record[1]);
    cprintf("gupfork: %d forks during %d forced writes, %d children saw their memory change\n",
            nfork, writes, bad);
    if (bad == 0) {
        cprintf("gupfork pass.\n");
    }
    return bad != 0;
}
