/* testenv.h - the set-up the C tests share: temp dirs (removed with nftw,
 * never through a shell), unique names for topics and groups, and the Kafka
 * properties, topics and read-back of the integration tests, which talk to
 * the local stack's real Kafka (KAFKA_BOOTSTRAP, set by run-with-stack.sh),
 * and the environment of a collector polling a spider-sim pool.
 *
 * Linked into every unit and integration test (library spider-testcommon);
 * prefix tc_. Nothing here allocates but what sp_kafka_props owns. */
#ifndef SPIDER_TESTENV_H
#define SPIDER_TESTENV_H

#include <stddef.h>

#include "kafka.h"
#include "record.h"

/* A new directory /tmp/<what>-XXXXXX, its path into dir. 0, or -1 with a
 * message on stderr. */
int tc_tempdir(char *dir, size_t len, const char *what);
/* Removes dir and everything below it, depth first, following no link.
 * 0, or -1 with a message on stderr (what could be removed is). */
int tc_rmtree(const char *dir);

/* "itest.<what>.<pid>.<epoch ms>": a prefix no other run uses. */
void tc_unique_name(char *out, size_t len, const char *what);

/* props initialised with bootstrap.servers = $KAFKA_BOOTSTRAP. 0, or -1
 * with a message on stderr when it is not set (not run through ctest). The
 * caller frees with sp_kafka_props_free. */
int tc_kafka_props(sp_kafka_props *props);
/* The same for reading a topic back to its end: enable.partition.eof. */
int tc_kafka_reader_props(sp_kafka_props *props);
/* Creates every topic named after partitions (a NULL-terminated list),
 * each with that many partitions. 0, or -1 with a message on stderr. */
int tc_kafka_topics(const sp_kafka_props *props, int partitions, ...);

/* Every Record on topics, read from the start by a new consumer group,
 * handed to take(ctx, topic, record) (the record is freed after), until
 * EOF on `partitions` partitions in all or 20 s with nothing. The number of
 * partitions that reached EOF (the caller asserts it), or -1 when the
 * consumer could not start or a message is not a Record. */
typedef void tc_record_fn(void *ctx, const char *topic, const Spider__Record *r);
int tc_kafka_read_records(const char *group, const char *const *topics, size_t ntopics, int partitions,
                          tc_record_fn *take, void *ctx);

/* A spider-sim pool the collector polls through the fake condor_q and
 * condor_history of $SPIDER_BUILD_DIR/sim-bin, at the step in stepfile. */
typedef struct {
    const char *stepfile;
    int schedds, jobs;
} tc_sim;

/* "$SPIDER_BUILD_DIR/<program>" into out. */
void tc_build_path(char *out, size_t len, const char *program);
/* Writes step k to the sim's step file. 0, or -1 with a message. */
int tc_sim_set_step(const tc_sim *sim, int k);
/* In a forked child before exec: PATH with sim-bin first, the sim's step
 * file and sizes, and its fault (SPIDER_SIM_FAIL) or none. */
void tc_sim_child_env(const tc_sim *sim, const char *fail);

#endif
