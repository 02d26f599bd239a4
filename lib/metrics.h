/* metrics.h - counters, gauges and histograms with labels, rendered in the
 * Prometheus text format (0.0.4) and served on /metrics, with /healthz and
 * /readyz, by
 * libmicrohttpd. Shared by all services.
 *
 *   sp_metrics *m = sp_metrics_new();
 *   sp_metric *docs = sp_metrics_counter(m, "spider_documents_total", "Documents produced",
 *                                        (const char *[]){ "schedd", NULL });
 *   sp_metric_add(docs, (const char *[]){ "vocms01" }, 1);
 *
 * Thread-safe: one mutex per registry. Ownership: the registry owns its
 * metrics (freed with it) and copies names and label values; the server
 * borrows the registry, which must outlive it. */
#ifndef SPIDER_METRICS_H
#define SPIDER_METRICS_H

#include <stddef.h>

#include "buf.h"

typedef struct sp_metrics sp_metrics;
typedef struct sp_metric sp_metric;

sp_metrics *sp_metrics_new(void);
void sp_metrics_free(sp_metrics *m);

/* label_names: NULL-terminated, or NULL for none (at most 8). Registering a
 * name twice returns the existing metric. */
sp_metric *sp_metrics_counter(sp_metrics *m, const char *name, const char *help, const char *const *label_names);
sp_metric *sp_metrics_gauge(sp_metrics *m, const char *name, const char *help, const char *const *label_names);
/* buckets: ascending upper bounds; +Inf is implied. */
sp_metric *sp_metrics_histogram(sp_metrics *m, const char *name, const char *help,
                                const char *const *label_names, const double *buckets, size_t nbuckets);

/* label_values: as many as the metric has label names (NULL when none). */
void sp_metric_add(sp_metric *metric, const char *const *label_values, double v);  /* counter, gauge */
void sp_metric_set(sp_metric *metric, const char *const *label_values, double v);  /* gauge */
void sp_metric_observe(sp_metric *metric, const char *const *label_values, double v); /* histogram */
/* Creates the series at 0, so that it is exported before its first event
 * (rate() then sees the first increment). Any kind. */
void sp_metric_declare(sp_metric *metric, const char *const *label_values);
/* Current value (counter/gauge) or observation count (histogram); 0 if unseen. */
double sp_metric_value(sp_metric *metric, const char *const *label_values);

/* Registers spider_build_info{version,git_hash} 1 and Prometheus' standard
 * process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds
 * and process_start_time_seconds, read from /proc at every render.
 * sp_metrics_serve calls it; calling it again is harmless. */
void sp_metrics_standard(sp_metrics *m);

/* v in the fewest digits that read back as v ("0.1", "1e-07"), or "+Inf",
 * "-Inf", "NaN" as the text format spells them. len >= 32. */
void sp_metrics_format_double(double v, char *buf, size_t len);

/* Appends the exposition text of every metric to out. 0 or -1 (ENOMEM). */
int sp_metrics_render(sp_metrics *m, sp_buf *out);

/* ---- HTTP: /metrics, /healthz and /readyz ---- */

/* Returns 1 when healthy; otherwise 0 with why filled in (503 body). */
typedef int sp_metrics_health_fn(void *ctx, char *why, size_t whylen);

typedef struct sp_metrics_server sp_metrics_server;

/* Listens on address:port (port 0: any free port). health may be NULL
 * (always healthy). NULL with err set when the port cannot be bound. */
sp_metrics_server *sp_metrics_serve(sp_metrics *m, const char *address, int port,
                                    sp_metrics_health_fn *health, void *ctx, char *err, size_t errlen);
int sp_metrics_server_port(const sp_metrics_server *s);
/* /readyz: 200 when ready (NULL: as /healthz) says so, else 503 with its
 * reason. /healthz is liveness (the process serves), /readyz is readiness
 * (Kafka reachable, every output progressing or idle). s may be NULL. */
void sp_metrics_server_set_ready(sp_metrics_server *s, sp_metrics_health_fn *ready, void *ctx);
void sp_metrics_server_stop(sp_metrics_server *s);

#endif
