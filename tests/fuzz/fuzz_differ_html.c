/* fuzz_differ_html.c - libFuzzer target for the HTML compare report
 * (services/differ/compare/report_html.c). The input, split at newlines, gives the
 * left and right specs, then (field, id, value) triples of mismatches and
 * one-sided ids, any bytes (ids from protobuf dumps need not be UTF-8).
 * The page must never read out of bounds, and its markup must not depend
 * on those strings: its count of < > " ' equals that of the page built
 * from the same report with every string replaced by "x<i>". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "differ.h"

#define MAXPARTS 32

static size_t count_of(const char *s, size_t n, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == c;
    return k;
}

/* The page of the report made from parts (plain: "x<i>" for each). */
static char *page(char **parts, size_t n, int plain, size_t *len)
{
    char name[MAXPARTS][16];
    const char *p[MAXPARTS];
    for (size_t i = 0; i < n; i++) {
        snprintf(name[i], sizeof(name[i]), "x%zu", i);
        p[i] = plain ? name[i] : parts[i];
    }
    differ_opts o;
    differ_opts_defaults(&o);
    differ_report r;
    differ_report_init(&r, n > 0 ? p[0] : "", n > 1 ? p[1] : "", &o);
    for (size_t i = 2; i + 2 < n; i += 3) {
        json_t *v = json_stringn_nocheck(p[i + 2], strlen(p[i + 2]));
        differ_report_mismatch(&r, p[i], p[i + 1], v, NULL, i % 2, (long long)i * 3600 - 7200);
        differ_report_only(&r, (int)(i % 2), p[i + 1], strlen(p[i + 1]));
        json_decref(v);
    }
    r.left_count = r.right_count = r.matched = n;
    differ_report_finish(&r);
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        abort();
    differ_report_html(&r, f);
    fclose(f);
    differ_report_free(&r);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *parts[MAXPARTS];
    size_t n = 0;
    for (char *s = text, *nl; n < MAXPARTS; s = nl + 1) {
        nl = strchr(s, '\n');
        parts[n++] = s;
        if (!nl)
            break;
        *nl = '\0';
    }
    /* equal names would merge into one field in one page and not the other */
    for (size_t i = 2; i < n; i += 3)
        for (size_t k = 2; k < i; k += 3)
            if (strcmp(parts[i], parts[k]) == 0) {
                free(text);
                return 0;
            }
    size_t la, lb;
    char *a = page(parts, n, 0, &la), *b = page(parts, n, 1, &lb);
    const char markup[] = "<>\"'";
    for (const char *c = markup; *c; c++)
        if (count_of(a, la, *c) != count_of(b, lb, *c))
            abort();
    free(a);
    free(b);
    free(text);
    return 0;
}
