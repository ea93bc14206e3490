#include <stdio.h>
#include <ulib.h>
#include <unistd.h>

/*
 * Pages are freed only after every hart has dropped its translations.
 * A thread keeps storing into the first page of a large anonymous range
 * while the main thread drops the whole range: madvise(MADV_DONTNEED),
 * and mmap(MAP_FIXED) over a second range, which unmaps it first (a
 * plain munmap would kill the program at the thread's next store). If the kernel freed the page before the
 * other hart's TLB was flushed, the thread's stores would land in a free
 * page; booted with pagepoison, the next allocation of that page finds
 * its poison overwritten and the kernel stops ("written after it was
 * freed"). So the main thread allocates a lot of memory afterwards.
 * With one hart there is no other hart to keep a translation: the test
 * then only checks that nothing breaks.
 */

#define PGSIZE  4096
#define NPAGES  1024                /* freeing them takes the zap a while */
#define ROUNDS  4
#define REFILL  (3 * NPAGES)        /* pages allocated after each round */
#define GIVE_UP_MSEC 2000

static volatile char *range;        /* what the storer stores into */
static volatile int stop, storing, storer_hart = -1;

/*
 * Store into range[0] without pause. It asks for its hart only now and
 * then: a system call could wait for the kernel while the range is
 * dropped, and a store that waits is no test.
 */
static int storer(void *arg) {
    (void)arg;
    storer_hart = getcpu();
    for (unsigned int n = 1; !stop; n++) {
        range[0] = (char)n;
        storing = 1;
        if (n % (1U << 22) == 0) {
            storer_hart = getcpu();
        }
    }
    return 0;
}

static char *map_touched(size_t npages) {
    char *p = mmap(NULL, npages * PGSIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert(p != MAP_FAILED);
    for (size_t i = 0; i < npages; i++) {
        p[i * PGSIZE] = 1;
    }
    return p;
}

/* Wait for the storer to be storing again (on another hart if there is one). */
static bool storer_running(void) {
    unsigned int start = gettime_msec();
    storing = 0;
    while (!storing) {
        if (gettime_msec() - start > GIVE_UP_MSEC) {
            return false;
        }
        yield();
    }
    return true;
}

int main(void) {
    int tid, code, overlapped = 0;
    char *first = map_touched(NPAGES), *second = map_touched(NPAGES);
    range = first;
    assert((tid = thread_create(storer, NULL)) > 0);
    for (int round = 0; round < ROUNDS; round++) {
        assert(storer_running());
        overlapped += storer_hart != getcpu();
        assert(madvise(first, NPAGES * PGSIZE, MADV_DONTNEED) == 0);
        char *fill = map_touched(REFILL);   /* reuses what was freed */
        assert(munmap(fill, REFILL * PGSIZE) == 0);
        for (size_t i = 0; i < NPAGES; i++) {
            first[i * PGSIZE] = 1;          /* the storer's page comes back */
        }
    }
    range = second;
    assert(storer_running());
    overlapped += storer_hart != getcpu();
    assert(mmap(second, NPAGES * PGSIZE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == second);
    char *fill = map_touched(REFILL);
    stop = 1;
    assert(waitpid(tid, &code) == 0 && code == 0);
    assert(munmap(fill, REFILL * PGSIZE) == 0 && munmap(first, NPAGES * PGSIZE) == 0 &&
           munmap(second, NPAGES * PGSIZE) == 0);
    cprintf("unmapflush: %d of %d drops while the storer ran on another hart\n", overlapped,
            ROUNDS + 1);
    cprintf("unmapflush pass.\n");
    return 0;
}
