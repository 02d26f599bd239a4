/* pycase.h - Python's str.upper() and str.lower() of UTF-8 text: full
 * Unicode case mapping ("ß" -> "SS", "Σ" at a word's end -> "ς"), as the
 * reference spider applies them to CRAB_PostJobStatus and CMS_Type. The
 * tables are data: lib/pycase_data.txt, written from Python's own Unicode
 * database by lib/gen_pycase.py, compiled into gen/pycase_data.h by
 * cmake/pycase.cmake (the build needs no Python).
 *
 * Bytes that are not UTF-8 are copied as they are. Ownership: appends to
 * the caller's buffer. */
#ifndef SPIDER_PYCASE_H
#define SPIDER_PYCASE_H

#include <stddef.h>

#include "buf.h"

/* Append upper(s[0..len)) / lower(s[0..len)); 0, or -1 when out of memory. */
int sp_py_upper(sp_buf *out, const char *s, size_t len);
int sp_py_lower(sp_buf *out, const char *s, size_t len);

#endif
