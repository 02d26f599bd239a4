/* clock.h - the clocks of libspider and the services, in milliseconds:
 * the monotonic one for timeouts, deadlines and durations, the wall clock
 * for what is written down (timestamps in records and alerts). */
#ifndef SPIDER_CLOCK_H
#define SPIDER_CLOCK_H

/* CLOCK_MONOTONIC in ms: for deadlines and durations, never for records. */
long long sp_clock_mono_ms(void);
/* CLOCK_REALTIME in ms since the epoch. */
long long sp_clock_wall_ms(void);

#endif
