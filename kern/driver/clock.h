#ifndef __KERN_DRIVER_CLOCK_H__
#define __KERN_DRIVER_CLOCK_H__

#include <defs.h>

#define TICKS_PER_SEC 100

extern volatile size_t ticks;

void clock_init(uint64_t timebase_hz);
void clock_start(void);
void clock_set_next_event(void);
uint64_t clock_msec(void);
uint64_t clock_usec(uint64_t time_ticks);    /* rdtime ticks in microseconds */

#endif /* !__KERN_DRIVER_CLOCK_H__ */
