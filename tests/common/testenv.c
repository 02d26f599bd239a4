/* testenv.c - the C tests' shared set-up (see testenv.h). */
#include "testenv.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

int tc_tempdir(char *dir, size_t len, const char *what)
{
    if ((size_t)snprintf(dir, len, "/tmp/%s-XXXXXX", what) >= len || !mkdtemp(dir)) {
        fprintf(stderr, "cannot make a temp dir for %s: %s\n", what, strerror(errno));
        return -1;
    }
    return 0;
}

static int failed_removals;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0) {
        fprintf(stderr, "could not remove %s: %s\n", path, strerror(errno));
        failed_removals++;
    }
    return 0;                          /* go on: remove what can be */
}

int tc_rmtree(const char *dir)
{
    failed_removals = 0;
    if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        fprintf(stderr, "could not walk %s: %s\n", dir, strerror(errno));
        return -1;
    }
    return failed_removals ? -1 : 0;
}

void tc_unique_name(char *out, size_t len, const char *what)
{
    snprintf(out, len, "itest.%s.%d.%lld", what, (int)getpid(), sp_clock_wall_ms());
}

int tc_kafka_props(sp_kafka_props *props)
{
    const char *bootstrap = getenv("KAFKA_BOOTSTRAP");
    if (!bootstrap || !*bootstrap) {
        fprintf(stderr, "KAFKA_BOOTSTRAP is not set (run through ctest: tests/integration/run-with-stack.sh)\n");
        return -1;
    }
    sp_kafka_props_init(props);
    sp_kafka_props_set(props, "bootstrap.servers", bootstrap);
    return 0;
}

int tc_kafka_reader_props(sp_kafka_props *props)
{
    if (tc_kafka_props(props) != 0)
        return -1;
    sp_kafka_props_set(props, "enable.partition.eof", "true");
    return 0;
}

int tc_kafka_topics(const sp_kafka_props *props, int partitions, ...)
{
    va_list ap;
    va_start(ap, partitions);
    int rc = 0;
    for (const char *name; rc == 0 && (name = va_arg(ap, const char *));) {
        char err[512];
        if (sp_kafka_create_topic(props, name, partitions, NULL, 0, 15000, err, sizeof(err)) != 0) {
            fprintf(stderr, "cannot create topic %s: %s\n", name, err);
            rc = -1;
        }
    }
    va_end(ap);
    return rc;
}

int tc_kafka_read_records(const char *group, const char *const *topics, size_t ntopics, int partitions,
                          tc_record_fn *take, void *ctx)
{
    sp_kafka_props p;
    char err[512];
    if (tc_kafka_reader_props(&p) != 0)
        return -1;
    sp_kafka_consumer *c = sp_kafka_consumer_new(&p, group, (const char **)topics, ntopics, NULL, NULL, err,
                                                 sizeof(err));
    sp_kafka_props_free(&p);
    if (!c) {
        fprintf(stderr, "cannot start a consumer of group %s: %s\n", group, err);
        return -1;
    }
    int eofs = 0, idle = 0, bad = 0;
    while (eofs < partitions && idle < 200 && !bad) {
        rd_kafka_message_t *m = sp_kafka_consume(c, 100);
        if (!m) {
            idle++;
            continue;
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eofs++;
        } else if (!m->err) {
            Spider__Record *r = sp_record_unpack(m->payload, m->len);
            if (r) {
                take(ctx, rd_kafka_topic_name(m->rkt), r);
                spider__record__free_unpacked(r, NULL);
            } else {
                fprintf(stderr, "%s: a message that is not a Record\n", rd_kafka_topic_name(m->rkt));
                bad = 1;
            }
        }
        rd_kafka_message_destroy(m);
    }
    sp_kafka_consumer_free(c);
    return bad ? -1 : eofs;
}

void tc_build_path(char *out, size_t len, const char *program)
{
    const char *build = getenv("SPIDER_BUILD_DIR");
    snprintf(out, len, "%s/%s", build ? build : "build", program);
}

int tc_sim_set_step(const tc_sim *sim, int k)
{
    FILE *f = fopen(sim->stepfile, "w");
    int rc = f && fprintf(f, "%d\n", k) > 0 ? 0 : -1;
    if ((f && fclose(f) != 0) || rc != 0) {
        fprintf(stderr, "cannot write %s: %s\n", sim->stepfile, strerror(errno));
        return -1;
    }
    return 0;
}

void tc_sim_child_env(const tc_sim *sim, const char *fail)
{
    char path[4096], bin[512], n[16];
    tc_build_path(bin, sizeof(bin), "sim-bin");
    const char *old = getenv("PATH");
    snprintf(path, sizeof(path), "%s:%s", bin, old ? old : "/usr/bin:/bin");
    setenv("PATH", path, 1);
    setenv("SPIDER_SIM_STEP_FILE", sim->stepfile, 1);
    snprintf(n, sizeof(n), "%d", sim->schedds);
    setenv("SPIDER_SIM_SCHEDDS", n, 1);
    snprintf(n, sizeof(n), "%d", sim->jobs);
    setenv("SPIDER_SIM_JOBS", n, 1);
    if (fail)
        setenv("SPIDER_SIM_FAIL", fail, 1);
    else
        unsetenv("SPIDER_SIM_FAIL");
}
