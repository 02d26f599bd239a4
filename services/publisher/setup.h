/* setup.h - `spider-publisher setup`: what one cluster holds for an index
 * family before its first daily index, installed idempotently.
 *
 * The family is the daily job indices <template>-YYYY-MM-DD, the only
 * indices the publisher writes (the collector names them; dead letters go
 * to Kafka). On a cluster setup installs:
 *   - a retention policy deleting an index --retention-days after its
 *     creation: Elasticsearch ILM (PUT _ilm/policy/spider-<t>-retention), or
 *     OpenSearch ISM (PUT _plugins/_ism/policies/spider-<t>-retention, which
 *     attaches itself through its ism_template);
 *   - the composable index template spider-<t>-daily for <t>-2* (not <t>-*,
 *     so a family "cms-test" beside "cms" is not caught by cms's), priority
 *     200: the publisher's own index body (mapping.h, one source), the alias
 *     <t> over the family, and on Elasticsearch index.lifecycle.name.
 * An index named like the alias makes setup fail (no index of the family
 * could be created with the alias). Each object carries a digest of its body (the template's and the ILM
 * policy's _meta.digest, the ISM policy's description): one that already
 * carries the digest of what would be written is left alone ("unchanged"),
 * so a second setup changes nothing.
 *
 * Ownership: every json_t returned belongs to the caller (json_decref). */
#ifndef SPIDER_PUBLISHER_SETUP_H
#define SPIDER_PUBLISHER_SETUP_H

#include <jansson.h>

#include "http.h"

#define SP_SETUP_PRIORITY 200

typedef struct {
    const char *index_template;   /* "cms": indices cms-YYYY-MM-DD */
    int retention_days;           /* 0: no policy */
} sp_setup_opts;

typedef enum {
    SP_SETUP_NONE = 0,            /* not asked for (retention 0) */
    SP_SETUP_CREATED,
    SP_SETUP_UPDATED,
    SP_SETUP_UNCHANGED,
} sp_setup_change;

typedef struct {
    char template_name[300], policy_name[300], pattern[300], alias[300];
    sp_setup_change policy, template;
} sp_setup_result;

const char *sp_setup_change_name(sp_setup_change c);

/* The names of the family's objects into r (template, policy, pattern, alias). */
void sp_setup_names(const char *index_template, sp_setup_result *r);

/* The bodies, each with its digest already in (see above). es_policy: the
 * ILM policy the template attaches, NULL for none (OpenSearch, or no
 * retention). NULL on ENOMEM. */
json_t *sp_setup_template_body(const char *index_template, const char *es_policy);
json_t *sp_setup_ilm_body(int retention_days);
json_t *sp_setup_ism_body(const char *index_template, int retention_days);

/* 16 hex digits of FNV-1a 64 over body's compact JSON with sorted keys. */
void sp_setup_digest(const json_t *body, char out[17]);

/* Installs the family on one cluster (opensearch: ISM, else ILM). 0 with
 * what changed in *r, or -1 with err (what failed, and what to do). */
int sp_setup_cluster(sp_http *h, int opensearch, const sp_setup_opts *o, sp_setup_result *r, char *err,
                     size_t errlen);

#endif
