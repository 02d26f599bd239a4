/* setup.c - index template, alias and retention policy of the daily index
 * family on one cluster (see setup.h). Bodies are small: jansson. */
#include "setup.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"

#define MANAGED_BY "spider-publisher setup"

const char *sp_setup_change_name(sp_setup_change c)
{
    static const char *const names[] = { "none", "created", "updated", "unchanged" };
    return names[c];
}

void sp_setup_names(const char *tpl, sp_setup_result *r)
{
    snprintf(r->template_name, sizeof(r->template_name), "spider-%s-daily", tpl);
    snprintf(r->policy_name, sizeof(r->policy_name), "spider-%s-retention", tpl);
    snprintf(r->pattern, sizeof(r->pattern), "%s-2*", tpl);
    snprintf(r->alias, sizeof(r->alias), "%s", tpl);
}

void sp_setup_digest(const json_t *body, char out[17])
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    uint64_t h = 14695981039346656037ull;
    for (const char *p = text ? text : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    free(text);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* _meta {"managed_by", "digest"} of obj, the digest taken before. */
static void stamp_meta(json_t *obj, const json_t *digested)
{
    char d[17];
    sp_setup_digest(digested, d);
    json_object_set_new(obj, "_meta", json_pack("{s:s,s:s}", "managed_by", MANAGED_BY, "digest", d));
}

json_t *sp_setup_template_body(const char *tpl, const char *es_policy)
{
    sp_setup_result n;
    sp_setup_names(tpl, &n);
    json_t *index = sp_mapping_index_body();   /* {"mappings", "settings"}: what run creates an index with */
    if (!index)
        return NULL;
    json_t *settings = json_object_get(index, "settings");
    if (es_policy)
        json_object_set_new(json_object_get(settings, "index"), "lifecycle.name", json_string(es_policy));
    json_t *body = json_pack("{s:[s],s:i,s:{s:O,s:O,s:{s:{}}}}", "index_patterns", n.pattern, "priority",
                             SP_SETUP_PRIORITY, "template", "settings", settings, "mappings",
                             json_object_get(index, "mappings"), "aliases", n.alias);
    json_decref(index);
    if (body)
        stamp_meta(body, body);
    return body;
}

static void age(int days, char *out, size_t len)
{
    snprintf(out, len, "%dd", days);
}

json_t *sp_setup_ilm_body(int days)
{
    char min_age[32];
    age(days, min_age, sizeof(min_age));
    json_t *body = json_pack("{s:{s:{s:{s:s,s:{s:{}}}}}}", "policy", "phases", "delete", "min_age", min_age,
                             "actions", "delete");
    if (body)
        stamp_meta(json_object_get(body, "policy"), body);
    return body;
}

json_t *sp_setup_ism_body(const char *tpl, int days)
{
    sp_setup_result n;
    sp_setup_names(tpl, &n);
    char min_age[32];
    age(days, min_age, sizeof(min_age));
    json_t *body = json_pack("{s:{s:s,s:[{s:s,s:[],s:[{s:s,s:{s:s}}]},{s:s,s:[{s:{}}],s:[]}],s:[{s:[s],s:i}]}}",
                             "policy", "default_state", "hot", "states",
                             "name", "hot", "actions", "transitions", "state_name", "delete", "conditions",
                             "min_index_age", min_age,
                             "name", "delete", "actions", "delete", "transitions",
                             "ism_template", "index_patterns", n.pattern, "priority", SP_SETUP_PRIORITY);
    if (!body)
        return NULL;
    char d[17], desc[512];
    sp_setup_digest(body, d);
    snprintf(desc, sizeof(desc), MANAGED_BY ": delete %s indices %d days after their creation (digest %s)",
             n.pattern, days, d);
    json_object_set_new(json_object_get(body, "policy"), "description", json_string(desc));
    return body;
}

/* ---------- on a cluster ---------- */

/* METHOD path with an optional body. 0 when the cluster answered (*status,
 * *out its JSON body or NULL), -1 with err when it did not. */
static int call(sp_http *h, const char *method, const char *path, const json_t *body, long *status, json_t **out,
                char *err, size_t errlen)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    sp_http_response r;
    int rc = sp_http_request(h, method, path, NULL, text, text ? strlen(text) : 0, &r, err, errlen);
    free(text);
    *out = NULL;
    if (rc != 0)
        return -1;
    *status = r.status;
    *out = json_loadb(r.body, r.len, 0, NULL);
    if (r.status >= 300)  /* kept for the caller's message */
        snprintf(err, errlen, "%s %s%s answered %ld: %.300s", method, sp_http_base_url(h), path, r.status, r.body);
    return 0;
}

/* The cluster has no handler for the path: the API's module is missing. */
static int no_api(long status, const char *err)
{
    return (status == 400 || status == 404 || status == 405) &&
           (strstr(err, "no handler found") || strstr(err, "Incorrect HTTP method"));
}

/* The digest an object on the cluster carries: its _meta.digest, or the
 * one in an ISM description. "" when none. */
static void digest_of(const json_t *obj, int ism, char out[17])
{
    const char *d = json_string_value(json_object_get(json_object_get(obj, "_meta"), "digest"));
    const char *desc = ism ? json_string_value(json_object_get(obj, "description")) : NULL;
    const char *at = desc ? strstr(desc, "(digest ") : NULL;
    if (at)
        d = at + 8;
    snprintf(out, 17, "%.16s", d ? d : "");
}

/* The digest a body carries (as it is written). */
static void body_digest(const json_t *body, int ism, int ilm, char out[17])
{
    digest_of(ism || ilm ? json_object_get(body, "policy") : body, ism, out);
}

/* GETs what is at path and PUTs body unless the object there carries
 * body's digest. kind says which API ("ILM", "ISM", "index template") for
 * messages. */
static int install(sp_http *h, const char *kind, const char *path, json_t *body, sp_setup_change *change,
                   char *err, size_t errlen)
{
    int ism = !strcmp(kind, "ISM"), ilm = !strcmp(kind, "ILM");
    long status = 0;
    json_t *got;
    if (call(h, "GET", path, NULL, &status, &got, err, errlen) != 0)
        return -1;
    char want[17], have[17] = "", put_path[600];
    body_digest(body, ism, ilm, want);
    snprintf(put_path, sizeof(put_path), "%s", path);
    if (status == 200) {
        const json_t *obj = ism ? json_object_get(got, "policy")
                          : ilm ? json_object_get(json_object_iter_value(json_object_iter(got)), "policy")
                                : json_object_get(json_array_get(json_object_get(got, "index_templates"), 0),
                                                  "index_template");
        digest_of(obj, ism, have);
        if (ism)   /* an ISM policy is replaced only at the version read */
            snprintf(put_path, sizeof(put_path), "%s?if_seq_no=%lld&if_primary_term=%lld", path,
                     (long long)json_integer_value(json_object_get(got, "_seq_no")),
                     (long long)json_integer_value(json_object_get(got, "_primary_term")));
    }
    json_decref(got);
    if (status == 200 && !strcmp(have, want)) {
        *change = SP_SETUP_UNCHANGED;
        return 0;
    }
    if (status != 200 && status != 404) {
        if (no_api(status, err)) {
            char why[700];
            snprintf(why, sizeof(why), "%s", err);
            snprintf(err, errlen, "no %s API (%s): %s; install it, or run setup --retention-days 0 for the template "
                     "without retention", kind, why,
                     ism ? "this OpenSearch lacks the Index State Management plugin (opensearch-index-management)"
                         : "this Elasticsearch lacks index lifecycle management (the x-pack-ilm module)");
        }
        return -1;
    }
    *change = status == 200 ? SP_SETUP_UPDATED : SP_SETUP_CREATED;
    long put_status = 0;
    if (call(h, "PUT", put_path, body, &put_status, &got, err, errlen) != 0)
        return -1;
    json_decref(got);
    if (put_status != 200 && put_status != 201)
        return -1;
    return 0;
}

/* 0 unless an index (not an alias) has the alias's name: a cluster refuses
 * to create an index with such an alias, so run could write nothing. */
static int check_alias(sp_http *h, const char *alias, char *err, size_t errlen)
{
    char path[400];
    long status = 0;
    json_t *got;
    snprintf(path, sizeof(path), "/_resolve/index/%s", alias);
    if (call(h, "GET", path, NULL, &status, &got, err, errlen) != 0)
        return -1;
    int clash = 0;
    size_t i;
    json_t *idx;
    json_array_foreach(json_object_get(got, "indices"), i, idx) {
        const char *name = json_string_value(json_object_get(idx, "name"));
        clash |= name && !strcmp(name, alias);
    }
    json_decref(got);
    if (status != 200 && status != 404)
        return -1;
    if (clash) {
        snprintf(err, errlen, "an index named %s exists, so no new index could have the alias %s (the cluster would "
                 "refuse to create it): delete or rename that index, or choose another --index-template", alias, alias);
        return -1;
    }
    return 0;
}

int sp_setup_cluster(sp_http *h, int opensearch, const sp_setup_opts *o, sp_setup_result *r, char *err,
                     size_t errlen)
{
    char path[600];
    sp_setup_names(o->index_template, r);
    r->policy = r->template = SP_SETUP_NONE;
    int rc = check_alias(h, r->alias, err, errlen);
    if (rc == 0 && o->retention_days > 0) {   /* first: the template names the policy */
        json_t *p = opensearch ? sp_setup_ism_body(o->index_template, o->retention_days)
                               : sp_setup_ilm_body(o->retention_days);
        snprintf(path, sizeof(path), opensearch ? "/_plugins/_ism/policies/%s" : "/_ilm/policy/%s", r->policy_name);
        rc = p ? install(h, opensearch ? "ISM" : "ILM", path, p, &r->policy, err, errlen)
               : (snprintf(err, errlen, "out of memory"), -1);
        json_decref(p);
    }
    if (rc == 0) {
        int ilm = !opensearch && o->retention_days > 0;
        json_t *t = sp_setup_template_body(o->index_template, ilm ? r->policy_name : NULL);
        snprintf(path, sizeof(path), "/_index_template/%s", r->template_name);
        rc = t ? install(h, "index template", path, t, &r->template, err, errlen)
               : (snprintf(err, errlen, "out of memory"), -1);
        json_decref(t);
    }
    return rc;
}
