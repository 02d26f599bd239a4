/* options.c - defaults of the compare options and the parsers of their
 * text forms (tolerance, fractions, sizes). Owns nothing. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "differ.h"

static const char *const default_ignore[] = { "metadata.*" };

void differ_opts_defaults(differ_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->ignore = default_ignore;
    o->nignore = 1;
    o->min_match = 0.995;
    o->shift_min = 10;
    o->max_examples = 5;
    o->memory_limit = 1ULL << 30;
}

static int number(const char *s, size_t n, double *out)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, &end);
    return *end || !isfinite(*out) || *out < 0 ? -1 : 0;
}

int differ_parse_tolerance(const char *s, double *rel, double *abs_)
{
    *rel = *abs_ = 0;
    while (s && *s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        double v;
        if (strncmp(s, "abs:", 4) == 0 && number(s + 4, n - 4, &v) == 0)
            *abs_ = v;
        else if (strncmp(s, "rel:", 4) == 0 && number(s + 4, n - 4, &v) == 0)
            *rel = v;
        else if (number(s, n, &v) == 0)
            *rel = v;
        else
            return -1;
        s = comma ? comma + 1 : NULL;
    }
    return 0;
}

int differ_parse_fraction(const char *s, double *out)
{
    size_t n = strlen(s);
    int percent = n > 0 && s[n - 1] == '%';
    double v;
    if (number(s, n - (size_t)percent, &v) != 0)
        return -1;
    if (percent || v > 1)
        v /= 100;
    if (v > 1)
        return -1;
    *out = v;
    return 0;
}

int differ_parse_size(const char *s, uint64_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    switch (toupper((unsigned char)*end)) {
    case 'K': v *= 1024; end++; break;
    case 'M': v *= 1024 * 1024; end++; break;
    case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
    case 'T': v *= 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (toupper((unsigned char)*end) == 'B' || toupper((unsigned char)*end) == 'I')
        end++;
    if (*end == 'B')
        end++;
    if (*end || v < 1)
        return -1;
    *out = (uint64_t)v;
    return 0;
}
