/* pool.h - spider-sim's simulated HTCondor pool: schedds whose jobs evolve
 * poll after poll, reproducibly from a seed.
 *
 * Every job's whole life is a pure function of (seed, schedd, job number):
 * when it is submitted, how long it idles and runs, whether it restarts,
 * how it ends (completed, removed, held then removed) and how late its
 * history record shows up. So the queue and history of any schedd at any
 * step can be produced directly, and the truth about what changed between
 * two steps is known exactly (that is what tests compare against).
 *
 * Time: step k is the poll at t0 + k * interval seconds. */
#ifndef SPIDER_SIM_POOL_H
#define SPIDER_SIM_POOL_H

#include <stdint.h>

#include "simad.h"

typedef struct {
    uint64_t seed;
    int schedds;         /* number of schedds */
    int jobs;            /* jobs in each queue in the steady state */
    long long t0;        /* epoch seconds of step 0 */
    int interval;        /* seconds between steps (polls) */
    /* Jobs with a huge ad (robustness tests): job `job` of schedd index
     * `schedd` carries an Args of `bytes` seeded characters. From
     * SPIDER_SIM_HUGE="SCHEDD_INDEX:JOB:BYTES[,...]" (at most 4). */
    struct { int schedd; long long job, bytes; } huge[4];
    int nhuge;
} sim_pool;

/* The defaults, and the huge job of SPIDER_SIM_HUGE if set. */
void sim_pool_defaults(sim_pool *p);
/* Name of schedd i: every third one is a CRAB schedd ("crab3@..."). */
void sim_schedd_name(const sim_pool *p, int i, char *out, size_t len);
/* Index of a schedd by name, or -1. */
int sim_schedd_index(const sim_pool *p, const char *name);

/* Job states as HTCondor numbers them. */
enum { SIM_IDLE = 1, SIM_RUNNING = 2, SIM_REMOVED = 3, SIM_COMPLETED = 4, SIM_HELD = 5 };

typedef struct {
    long long number;        /* job number on its schedd (ClusterId) */
    int status;              /* JobStatus at the step asked for; 0 = not in queue */
    long long qdate;         /* submit time */
    long long entered;       /* EnteredCurrentStatus */
    long long start;         /* JobStartDate, 0 if never started */
    long long end;           /* when it left the queue (0 if it did not yet) */
    int end_status;          /* how it ends */
    long long history_time;  /* when its history record becomes visible */
    int starts;              /* NumJobStarts so far */
    int crab;                /* 1: CRAB analysis job, 0: WMAgent production */
} sim_job;

/* The state of job number j of schedd s at step k. */
void sim_job_at(const sim_pool *p, int s, long long j, long long k, sim_job *out);
/* Job numbers to consider for the queue at step k: [first, last). */
void sim_job_range(const sim_pool *p, long long k, long long *first, long long *last);

/* The queue of schedd s at step k as ads (caller frees each with
 * sim_ad_free and the array with free). Returns the number of ads. */
size_t sim_queue(const sim_pool *p, int s, long long k, sim_ad **ads);
/* History of schedd s visible at step k with end time > since. */
size_t sim_history(const sim_pool *p, int s, long long k, long long since, sim_ad **ads);
/* The ad of job j of schedd s at step k (status from sim_job_at). */
void sim_job_ad(const sim_pool *p, int s, const sim_job *job, long long k, sim_ad *ad);

/* The truth the differ is tested against: what happened to job j of
 * schedd s between polls `from` and `to`, as its queue ad shows it apart
 * from the clock (JobStatus, EnteredCurrentStatus, NumJobStarts). The
 * kinds are numbered as proto ChangeEvent.Kind; 0: nothing. */
enum { SIM_ADDED = 1, SIM_CHANGED = 2, SIM_GONE = 3 };
typedef struct {
    int kind;
    char gjid[128];          /* GlobalJobId */
} sim_change;
/* The changes of schedd s between polls from and to (caller frees *out).
 * Returns how many. */
size_t sim_changes(const sim_pool *p, int s, long long from, long long to, sim_change **out);

#endif
