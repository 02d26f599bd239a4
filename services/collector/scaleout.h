/* scaleout.h - several collector instances sharing the schedds through one
 * Kafka consumer group, with the history checkpoints in a compacted topic.
 *
 * The topic collector.checkpoints has N partitions; schedd S lives in
 * partition fnv1a64(S) % N, where its checkpoints are written (key = S,
 * value = epoch seconds as text), and next to it, under key S + "#seen",
 * the overlap window's records Kafka acknowledged (checkpoint.h's seen set
 * as JSON, written before the checkpoint; a reader without it finds no
 * number there and skips it). Instances subscribe to the topic in one
 * group: the partitions assigned to an instance are the schedds it polls.
 * On assignment it reads those partitions from the start (nothing is ever
 * committed), so a schedd that moves from a dead instance arrives with its
 * checkpoint; it is polled only once its partition has been read to the end.
 * A background thread keeps consuming, so membership and new checkpoints
 * stay current between cycles.
 *
 * store_kafka.c makes this the checkpoint store of --scale-out (store.h).
 *
 * Ownership: the scale-out state owns its consumer, producer, thread and
 * checkpoint map. */
#ifndef SPIDER_COLLECTOR_SCALEOUT_H
#define SPIDER_COLLECTOR_SCALEOUT_H

#include <stddef.h>

#include "checkpoint.h"
#include "kafka.h"

#define SP_SEEN_SUFFIX "#seen"

typedef struct sp_scaleout sp_scaleout;

/* Creates the topic when missing (compacted, `partitions` partitions). */
sp_scaleout *sp_scaleout_new(const sp_kafka_props *props, const char *group, const char *topic,
                             int partitions, char *err, size_t errlen);
void sp_scaleout_free(sp_scaleout *s);
/* 1 when this instance polls the schedd now (assigned, checkpoints loaded). */
int sp_scaleout_owns(sp_scaleout *s, const char *schedd);
/* Partitions assigned and loaded; and assigned in all. */
int sp_scaleout_loaded(sp_scaleout *s, int *assigned);
/* Where the schedd's history starts (checkpoint.h rules over the loaded map). */
double sp_scaleout_history_start(sp_scaleout *s, const char *schedd, double now, long max_minutes);
/* A copy of the schedd's seen set (empty without one); NULL on ENOMEM. */
sp_seen *sp_scaleout_seen(sp_scaleout *s, const char *schedd);
/* Writes the schedd's seen set and new checkpoint and waits for Kafka's
 * acks. 0 or -1. */
int sp_scaleout_save(sp_scaleout *s, const char *schedd, double t, const sp_seen *seen, char *err, size_t errlen);

#endif
