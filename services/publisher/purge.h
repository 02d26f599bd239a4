/* purge.h - disaster recovery (seed 001, "data sent wrongly"): delete every
 * document a given collector build wrote (metadata.spider_git_hash = H,
 * optionally only RecordTime >= since) from one cluster. Uses
 * _delete_by_query where the cluster has it; otherwise (the integ-test
 * distributions lack the reindex module) searches ids in pages and deletes
 * them with _bulk until none is left.
 *
 * Ownership: the caller keeps the handle; nothing is retained. */
#ifndef SPIDER_PUBLISHER_PURGE_H
#define SPIDER_PUBLISHER_PURGE_H

#include "http.h"

typedef struct {
    const char *git_hash;
    long long since;          /* RecordTime lower bound, epoch s; 0: all */
    const char *indices;      /* index pattern, e.g. "cms-*" */
    int dry_run;              /* count only */
} sp_purge_opts;

/* Matching documents (dry run) or deleted ones into *count; how in *method
 * ("count", "delete_by_query" or "search+bulk"). 0, or -1 with err. */
int sp_purge(sp_http *h, const sp_purge_opts *o, long long *count, const char **method, char *err, size_t errlen);

#endif
