#include <defs.h>
#include <stdio.h>
#include <syscall.h>
#include <ulib.h>

/* End this process with error_code; the parent's waitpid sees it. */
void exit(int error_code) {
    sys_exit(error_code);
    cprintf("BUG: exit returned.\n");
    for (;;) {
    }
}

/* 0 in the child, the child's pid in the parent, -E_xxx on failure. */
int fork(void) {
    return sys_fork();
}

/* Wait for any child to exit; 0 on success, -E_xxx if there is none. */
int wait(void) {
    return sys_wait(0, NULL);
}

/*
 * Wait for child pid (0 = any) to exit and store its exit code in
 * *store unless store is NULL. Returns 0 or -E_xxx.
 */
int waitpid(int pid, int *store) {
    return sys_wait(pid, store);
}

void yield(void) {
    sys_yield();
}

/* Ask the kernel to kill process pid; 0 or -E_xxx. */
int kill(int pid) {
    return sys_kill(pid);
}

int getpid(void) {
    return sys_getpid();
}

/* The kernel prints this process's page table on the console. */
void print_pgdir(void) {
    sys_pgdir();
}

/* Sleep for time timer ticks (100 a second); 0 or -E_xxx. */
int sleep(unsigned int time) {
    return sys_sleep(time);
}

/* Milliseconds since boot. */
unsigned int gettime_msec(void) {
    return sys_gettime();
}

/* Replace this program with the built-in program name; returns only on error. */
int exec(const char *name) {
    return sys_exec(name);
}

/*
 * Move the end of the heap by increment bytes (either sign). Returns
 * the old end, or (void *)-1 if the kernel refused.
 */
void *sbrk(intptr_t increment) {
    long old = sys_brk(0);
    uintptr_t want = (uintptr_t)old + (uintptr_t)increment;

    if (old < 0) {
        return (void *)-1;
    }
    if (increment == 0) {
        return (void *)old;
    }
    /* the new end must not wrap around either end of the address space */
    if ((increment > 0 && want < (uintptr_t)old) ||
        (increment < 0 && want > (uintptr_t)old)) {
        return (void *)-1;
    }
    if (sys_brk(want) != (long)want) {
        return (void *)-1;
    }
    return (void *)old;
}

/* Copy the kernel's memory counters into *st; 0 or -E_xxx. */
int memstat(struct memstat *st) {
    return sys_memstat(st);
}
