/* mapping.h - the body that creates a daily index with the reference
 * spider's mapping and settings (es.py make_mappings/make_settings):
 * int attributes long, date attributes date (epoch_second), booleans
 * boolean, no_idx strings text without index, no_analysis strings keyword,
 * Args/Cmd/StartdPrincipal/StartdIpAddr not indexed, metadata.spider_runtime
 * date (epoch_millis), every other string a keyword (dynamic template),
 * 2000 fields at most. Names as documents carry them (MATCH_EXP_JOB_ and
 * _RAW dropped). The reference's analyzer, which no field uses and which
 * needs the analysis-common module, is left out, so the index also works on
 * the integ-test distributions.
 *
 * Ownership: the caller frees the returned body with json_decref. */
#ifndef SPIDER_PUBLISHER_MAPPING_H
#define SPIDER_PUBLISHER_MAPPING_H

#include <jansson.h>

/* {"mappings": {...}, "settings": {"index": {...}}}; NULL on ENOMEM. */
json_t *sp_mapping_index_body(void);
/* The body of a summary index (<template>-summary-YYYY-MM-DD, written by
 * the differ's summaries, services/differ/stream/summary.h): strings keyword,
 * every other number double (a group's sum may be an integer in one poll
 * and not in the next), Count long, RecordTime a date (epoch_second). */
json_t *sp_mapping_summary_body(void);

#endif
