/* fake.h - spider-sim answering as condor_q / condor_history /
 * condor_status (see fake.c). */
#ifndef SPIDER_SIM_FAKE_H
#define SPIDER_SIM_FAKE_H

/* tool: "condor_q", "condor_history" or "condor_status". Exit status. */
int sim_fake_main(const char *tool, int argc, char **argv);

#endif
