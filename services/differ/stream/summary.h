/* summary.h - per-poll summary documents: what the time-series dashboards
 * read in changes mode, where unchanged jobs have no document of their own.
 *
 * The differ adds every document of a snapshot in progress (sp_summary_add)
 * and, once the snapshot proved complete, emits one document per group of
 * jobs (sp_summary_emit): the jobs that share the values of every dimension
 * (--summary-by; an absent attribute is a value too, the field is then left
 * out), with
 *   Count          the number of jobs,
 *   <sum field>    the sum of that attribute over the group (--summary-sums;
 *                  an integer while every value is one),
 *   RecordTime     the snapshot's time slot, ScheddName,
 * id "<schedd>#<slot>#<16 hex of the group's hash>" (the same for a replay of
 * the snapshot, so the clusters hold each group once) and index
 * "<template>-summary-YYYY-MM-DD" (the slot's UTC day). A snapshot that never
 * completes is reset (sp_summary_reset) and emits nothing.
 *
 * Ownership: a summary owns its groups and their keys; the options (names)
 * belong to the caller and must outlive it; emitted records are valid during
 * the callback only. */
#ifndef SPIDER_DIFFER_SUMMARY_H
#define SPIDER_DIFFER_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *const *by;            /* dimensions */
    size_t nby;
    const char *const *sums;          /* summed attributes */
    size_t nsums;
    const char *index_template;       /* <template>-summary-YYYY-MM-DD */
} sp_summary_opts;

/* The defaults of --summary-by and --summary-sums, comma-separated. */
#define SP_SUMMARY_BY "Status,Site,Tier,Country,CMS_JobType,CMS_WMTool,Type,CMS_CampaignType"
#define SP_SUMMARY_SUMS "RequestCpus,RequestMemory,RequestMemory_Eval,RequestDisk,CpusProvisioned,CoreHr,CommittedCoreHr"

typedef struct sp_summary sp_summary;

/* One packed Record{document}, keyed by its id. */
typedef void sp_summary_emit_fn(void *ctx, const char *key, const void *record, size_t len);

sp_summary *sp_summary_new(const sp_summary_opts *o);
void sp_summary_free(sp_summary *s);
/* Forgets the groups (the snapshot in progress was abandoned or emitted). */
void sp_summary_reset(sp_summary *s);
/* Adds one packed Document. 0, or -1 when it is not one or out of memory. */
int sp_summary_add(sp_summary *s, const uint8_t *doc, size_t len);
/* Emits a document per group, then resets. How many, or -1 (out of memory). */
long sp_summary_emit(sp_summary *s, const char *schedd, long long slot, sp_summary_emit_fn *fn, void *ctx);
/* Groups held now. */
size_t sp_summary_groups(const sp_summary *s);

#endif
