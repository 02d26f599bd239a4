/* clock.c - the monotonic and the wall clock in ms (see clock.h). */
#include <time.h>

#include "clock.h"

static long long ms_of(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long sp_clock_mono_ms(void) { return ms_of(CLOCK_MONOTONIC); }
long long sp_clock_wall_ms(void) { return ms_of(CLOCK_REALTIME); }
