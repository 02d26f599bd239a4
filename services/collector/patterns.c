/* patterns.c - the reference's regular expressions as plain matchers (see
 * patterns.h). Python matches greedily with backtracking; in each pattern
 * here every group is bounded by a character its class cannot contain, so
 * there is one possible match and scanning finds it. */
#include "patterns.h"

#include <stdlib.h>
#include <string.h>

static int alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int word(char c) { return alnum(c) || c == '_'; }
static int upper_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
static int upper(char c) { return c >= 'A' && c <= 'Z'; }
static int digit(char c) { return c >= '0' && c <= '9'; }

static size_t span(const char *s, size_t i, int (*cls)(char))
{
    while (s[i] && cls(s[i]))
        i++;
    return i;
}

/* The leading run of [A-Za-z0-9_] must end at '-'; the last '_' in it
 * starts the part the class after it must cover whole ("_[A-Z0-9]+-"). */
static int word_then_dash(const char *s, int (*tail)(char), size_t *us, size_t *dash)
{
    size_t k = span(s, 0, word);
    if (s[k] != '-')
        return 0;
    size_t i = k;
    while (i > 0 && s[i - 1] != '_')
        i--;
    if (i < 2 || i == k)                          /* need "x_" before and a char after '_' */
        return 0;
    for (size_t j = i; j < k; j++)
        if (!tail(s[j]))
            return 0;
    *us = i - 1;
    *dash = k;
    return 1;
}

int sp_pat_camp(const char *s, sp_span *g1)
{
    size_t us, dash;
    if (!word_then_dash(s, upper_digit, &us, &dash))
        return 0;
    size_t e = span(s, dash + 1, alnum);
    if (e == dash + 1 || s[e] != '-')
        return 0;
    *g1 = (sp_span){ dash + 1, e - dash - 1 };
    return 1;
}

int sp_pat_prep(const char *s, sp_span *g1)
{
    size_t us, dash;
    if (!word_then_dash(s, upper, &us, &dash))
        return 0;
    size_t e = span(s, dash + 1, alnum);
    if (e == dash + 1 || s[e] != '-')
        return 0;
    size_t d = span(s, e + 1, digit);
    if (d == e + 1)
        return 0;
    *g1 = (sp_span){ us + 1, d - us - 1 };
    return 1;
}

int sp_pat_rval(const char *s, sp_span *g1)
{
    size_t k = span(s, 0, alnum);
    if (k == 0 || s[k] != '_' || strncmp(s + k + 1, "RVCMSSW_", 8))
        return 0;
    size_t i = k + 9;
    for (int part = 0; part < 3; part++) {
        size_t e = span(s, i, digit);
        if (e == i || (part < 2 && s[e] != '_'))
            return 0;
        i = part < 2 ? e + 1 : e;
    }
    *g1 = (sp_span){ k + 1, i - k - 1 };
    return 1;
}

int sp_pat_prep_prompt(const char *s, sp_span *g1, sp_span *g2)
{
    static const char *const kinds[] = { "PromptReco", "Repack", "Express" };
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(kinds[k]);
        if (strncmp(s, kinds[k], n) || s[n] != '_')
            continue;
        size_t a = span(s, n + 1, alnum);
        if (a == n + 1 || s[a] != '_')
            return 0;
        size_t b = span(s, a + 1, alnum);
        if (b == a + 1)
            return 0;
        *g1 = (sp_span){ 0, n };
        *g2 = (sp_span){ a + 1, b - a - 1 };
        return 1;
    }
    return 0;
}

static int word_or_dash(char c) { return word(c) || c == '-'; }

/* [A-Za-z0-9_]+_Run20[A-Za-z0-9-_]+-([A-Za-z0-9]+): Python takes the last
 * "_Run20" of the leading word run that allows a match, then the last '-'
 * after it (inside the run of word chars and dashes) followed by an alnum. */
int sp_pat_rereco(const char *s, sp_span *g1)
{
    size_t k = span(s, 0, word), m = span(s, 0, word_or_dash);
    for (size_t p = k >= 6 ? k - 6 : 0; p >= 1 && k >= 6; p--) {
        if (strncmp(s + p, "_Run20", 6) == 0) {
            for (size_t q = m; q-- > p + 7;)
                if (s[q] == '-' && alnum(s[q + 1])) {
                    *g1 = (sp_span){ q + 1, span(s, q + 1, alnum) - q - 1 };
                    return 1;
                }
        }
        if (p == 1)
            break;
    }
    return 0;
}

int sp_pat_cmssw_version(const char *s, sp_span *g1, sp_span *g2, sp_span *g3)
{
    if (strncmp(s, "CMSSW_", 6))
        return 0;
    size_t a = span(s, 6, digit);
    if (s[a] != '_')
        return 0;
    size_t b = span(s, a + 1, digit);
    if (s[b] != '_')
        return 0;
    *g1 = (sp_span){ 6, strlen(s) - 6 };
    *g2 = (sp_span){ 6, a - 6 };
    *g3 = (sp_span){ a + 1, b - a - 1 };
    return 1;
}

int sp_pat_ultralegacy_mc(const char *s)
{
    for (const char *p = s; (p = strstr(p, "RunIISummer")); p++)
        if ((p[11] == '1' || p[11] == '2') && digit(p[12]) && p[13] == 'U' && p[14] == 'L')
            return 1;
    for (const char *p = s; (p = strstr(p, "_UL")); p++)
        if (digit(p[3]))
            return 1;
    return 0;
}

int sp_pat_run2(const char *s)
{
    static const char *const seasons[] = { "Summer", "Fall", "Autumn", "Winter", "Spring" };
    if (strstr(s, "RunII"))
        return 1;
    for (size_t k = 0; k < 5; k++) {
        size_t n = strlen(seasons[k]);
        for (const char *p = s; (p = strstr(p, seasons[k])); p++)
            if ((p[n] == '1' && p[n + 1] >= '5' && p[n + 1] <= '9') || (p[n] == '2' && p[n + 1] == '0'))
                return 1;
    }
    return 0;
}

int sp_pat_two_digits_then(const char *s, const char *suffix)
{
    for (const char *p = s; (p = strstr(p, suffix)); p++)
        if (p - s >= 2 && p[-2] >= '1' && p[-2] <= '9' && digit(p[-1]))
            return 1;
    return 0;
}

int sp_pat_wmcore_exception(const char *s)
{
    static const char suffix[] = "_Exception_Message";
    if (strncmp(s, "Chirp_WMCore_", 13))
        return 0;
    size_t e = span(s, 13, alnum);
    return e > 13 && strcmp(s + e, suffix) == 0;
}

int sp_pat_number_after(const char *s, const char *marker, const char *closing, long long *n)
{
    const char *p = strstr(s, marker);
    if (!p)
        return 0;
    p += strlen(marker);
    size_t e = span(p, 0, digit);
    if (e == 0 || (closing && strncmp(p + e, closing, strlen(closing))))
        return 0;
    *n = atoll(p);
    return 1;
}
