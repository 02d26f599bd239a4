/* patterns.h - the reference spider's regular expressions over job names
 * (convert_to_json.py: _camp_re, _prep_re, _rval_re, _prep_prompt_re,
 * _rereco_re, _cmssw_version, the campaign-type and task-type searches),
 * written as plain matchers. They give the groups Python's re.match gives
 * (each comment says why), at a fraction of the cost of regexec, which
 * also allocates on every call.
 *
 * A match returns 1 and the group as (offset, length) into s. */
#ifndef SPIDER_COLLECTOR_PATTERNS_H
#define SPIDER_COLLECTOR_PATTERNS_H

#include <stddef.h>

typedef struct {
    size_t off, len;
} sp_span;

int sp_pat_camp(const char *s, sp_span *g1);
int sp_pat_prep(const char *s, sp_span *g1);
int sp_pat_rval(const char *s, sp_span *g1);
int sp_pat_prep_prompt(const char *s, sp_span *g1, sp_span *g2);
int sp_pat_rereco(const char *s, sp_span *g1);
int sp_pat_cmssw_version(const char *s, sp_span *g1, sp_span *g2, sp_span *g3);
/* re.match(".*(RunIISummer[12][0-9]UL|_UL[0-9]+).*") */
int sp_pat_ultralegacy_mc(const char *s);
/* re.match(".*(RunII|(Summer|Fall|Autumn|Winter|Spring)(1[5-9]|20)).*") */
int sp_pat_run2(const char *s);
/* re.search("[1-9][0-9]" + suffix), suffix "DR" or "GS" */
int sp_pat_two_digits_then(const char *s, const char *suffix);
/* ^Chirp_WMCore_[A-Za-z0-9]+_Exception_Message$ */
int sp_pat_wmcore_exception(const char *s);
/* the digits after marker ("CPUNumber = ", "(count=" ... ")"): 1 and *n */
int sp_pat_number_after(const char *s, const char *marker, const char *closing, long long *n);

#endif
