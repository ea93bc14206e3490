#ifndef __KERN_SCHEDULE_DEFAULT_SCHED_H__
#define __KERN_SCHEDULE_DEFAULT_SCHED_H__

#include <sched.h>

extern const struct sched_class default_sched_class;

#endif /* !__KERN_SCHEDULE_DEFAULT_SCHED_H__ */
