/* samples.h - ads with every class of value HTCondor prints differently:
 * reals at the extremes (0.0, -0.0, 1e300, denormals, NaN, INF), 64-bit
 * integers, strings with quotes, backslashes, slashes, control bytes and
 * UTF-8, expressions (operators, reals and strings in them), lists,
 * undefined, attribute names in mixed case. Reproducible from the seed. */
#ifndef SPIDER_SIM_SAMPLES_H
#define SPIDER_SIM_SAMPLES_H

#include <stdint.h>
#include <stdlib.h>

#include "simad.h"

/* n ads into a new array *ads (the caller frees each ad, then the array). */
size_t sim_samples(uint64_t seed, size_t n, sim_ad **ads);

#endif
