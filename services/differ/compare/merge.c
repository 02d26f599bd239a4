/* merge.c - `spider-differ merge REPORT...`: parcel reports (compare with
 * --parcel-id i --parcel-count n) into one report and one verdict. Counts
 * and per-field raw counts and date deltas add up, so the merge of all n
 * parcels equals the report of a single run (examples are a subset);
 * findings and the verdict are computed again on the sums. The parcels must
 * agree on LEFT, RIGHT and n, each parcel id at most once; missing parcels
 * are a finding and fail the verdict. The threshold is the reports' unless
 * o->min_match >= 0.
 *
 * Ownership: the reports read are freed here; the merged report is the
 * caller's (differ_report_free). */
#include <stdlib.h>
#include <string.h>

#include "differ.h"

static int check_parcel(json_t *j, const char *path, differ_report *r, unsigned char *seen,
                        size_t i, char *err, size_t errlen)
{
    const char *left = json_string_value(json_object_get(j, "left"));
    const char *right = json_string_value(json_object_get(j, "right"));
    uint32_t id = (uint32_t)json_integer_value(json_object_get(j, "parcel_id"));
    uint32_t count = (uint32_t)json_integer_value(json_object_get(j, "parcel_count"));
    if (count == 0)
        count = 1;
    if (i == 0) {
        free(r->left);
        free(r->right);
        r->left = strdup(left ? left : "");
        r->right = strdup(right ? right : "");
        r->parcel_count = count;
        r->min_match = json_number_value(json_object_get(j, "min_match"));
        r->shift_min = (uint64_t)json_integer_value(json_object_get(j, "shift_min"));
    } else if (count != r->parcel_count || strcmp(left ? left : "", r->left) || strcmp(right ? right : "", r->right)) {
        snprintf(err, errlen, "%s: another comparison (left, right or parcel count differ from the first report)", path);
        return -1;
    }
    if (id >= count || seen[id]) {
        snprintf(err, errlen, "%s: parcel %u %s", path, id, id >= count ? "out of range" : "given twice");
        return -1;
    }
    seen[id] = 1;
    return 0;
}

static int merge_file(const char *path, differ_report *r, unsigned char **seen, size_t i,
                      char *err, size_t errlen)
{
    char e[512];
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return -1;
    }
    uint32_t count = (uint32_t)json_integer_value(json_object_get(j, "parcel_count"));
    if (i == 0) {
        *seen = calloc(count ? count : 1, 1);
        if (!*seen)
            abort();
    }
    int rc = check_parcel(j, path, r, *seen, i, err, errlen);
    if (rc == 0 && differ_report_from_json(r, j, e, sizeof(e)) != 0) {
        snprintf(err, errlen, "%s: %s", path, e);
        rc = -1;
    }
    json_decref(j);
    return rc;
}

int differ_merge(const char *const *paths, size_t n, const differ_opts *o,
                 differ_report *r, char *err, size_t errlen)
{
    unsigned char *seen = NULL;
    differ_report_init(r, "", "", o);
    int rc = n ? 0 : -1;
    if (!n)
        snprintf(err, errlen, "no report to merge");
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = merge_file(paths[i], r, &seen, i, err, errlen);
    if (rc == 0) {
        r->parcel_id = 0;
        if (o->min_match >= 0)
            r->min_match = o->min_match;   /* given on the merge command line */
        differ_report_finish(r);
        uint32_t missing = 0;
        for (uint32_t p = 0; p < r->parcel_count; p++)
            missing += !seen[p];
        if (missing) {
            char text[128];
            snprintf(text, sizeof(text), "%u of %u parcels missing: the verdict covers part of the ids only",
                     missing, r->parcel_count);
            r->findings = realloc(r->findings, (r->nfindings + 1) * sizeof(char *));
            r->findings[r->nfindings++] = strdup(text);
            differ_report_fail(r, "missing parcels", text);
        }
        if (!missing)
            r->parcel_count = 0;      /* the whole key space, as a single run */
    }
    free(seen);
    return rc;
}
