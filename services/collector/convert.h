/* convert.h - job ClassAd -> reference document, with the rules of the
 * spider we replace (dmwm/cms-htcondor-es convert_to_json.py):
 *
 *   - every attribute not in the ignore list, evaluated when it is an
 *     expression, typed by the lists in rules/ (bool, int, string, date),
 *     MATCH_EXP_JOB_ prefix and _RAW suffix dropped, WMCore exception
 *     messages base64+zlib decoded;
 *   - the derived fields (RecordTime, CoreHr, CpuEff, Status, Site, Tier,
 *     ExitCode, ErrorType, Campaign, TaskType, Workflow, Chirp CMSSW
 *     statistics, benchmarks, CRAB_PostJobStatus, ...);
 *   - affiliation (institute, country) from the affiliation JSON.
 *
 * One file per concern implements it (convert.c the driver and the
 * attribute rules, convert_fields.c, convert_cms.c, convert_chirp.c,
 * convert_affiliation.c, convert_py.c); convert_internal.h, which only they
 * include, says what each holds.
 *
 * Time never comes from the clock or the local timezone: the caller passes
 * `now` (the poll's time), which is what the reference's launch time and
 * time.time() stand for. The same ad and `now` always give the same
 * document.
 *
 * Ownership: a converter owns its compiled rules and affiliation index and
 * is read-only while converting, so worker threads can share one. The
 * result borrows names and strings from the ad (no copies on the hot path)
 * and keeps the rest in its own arena: use it before the ad is reset. */
#ifndef SPIDER_COLLECTOR_CONVERT_H
#define SPIDER_COLLECTOR_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "classad.h"
#include "classad_expr.h"

typedef struct sp_converter sp_converter;

typedef struct {
    const char *pool_name;   /* CMS_Pool: the pool from collectors.json; "Unknown" */
    int reduce_data;         /* queue polls: keep only running_fields for live jobs */
    long long now;           /* epoch seconds of the poll */
    sp_expr_cache *cache;    /* the calling thread's parse cache, or NULL */
} sp_convert_job;

typedef struct {
    uint64_t unevaluated;    /* expressions kept as text (evaluator could not) */
    uint64_t type_errors;    /* values dropped: not convertible to the list's type */
} sp_convert_stats;

/* affiliation_path: the reference's .affiliation_dir.json
 * ({login: {institute, country, dn}}), or NULL for none. NULL + err when
 * that file cannot be read. */
sp_converter *sp_converter_new(const char *affiliation_path, char *err, size_t errlen);
void sp_converter_free(sp_converter *c);

/* Converts `ad` (which it may modify, as the reference does) into `res`
 * (reset first). 1: converted; 0: not a document (TaskType "ROOT");
 * -1: the ad cannot be a document (no GlobalJobId), err says why. */
int sp_convert(const sp_converter *c, const sp_convert_job *job, sp_ad *ad, sp_ad *res,
               sp_convert_stats *stats, char *err, size_t errlen);

#endif
