/* fake.h - spider-sim answering as condor_q / condor_history /
 * condor_status (see fake.c). */
#ifndef SPIDER_SIM_FAKE_H
#define SPIDER_SIM_FAKE_H

#include <stdio.h>

/* tool: "condor_q", "condor_history" or "condor_status". Exit status. */
int sim_fake_main(const char *tool, int argc, char **argv);

/* The HTTP ad source's answer: what is "queue", "history" or "schedds";
 * -json into out; non-zero (with the reason in errout) on failure. */
int sim_fake_http(const char *what, const char *schedd, const char *pool, const char *constraint,
                  FILE *out, FILE *errout);

#endif
