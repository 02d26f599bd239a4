/* pyfmt.h - Python's text forms of values, where the reference spider's
 * documents show them: float repr (shortest round-trip, "1.0", "1e+16"),
 * str()/repr() of ClassAd values and of bytes, int() and float() of strings.
 * Used by the conversion (str() of string fields) and by the JSON writers,
 * so our numbers print exactly as Python's json.dumps prints them.
 *
 * Ownership: output is appended to a caller-owned sp_buf. */
#ifndef SPIDER_PYFMT_H
#define SPIDER_PYFMT_H

#include <stddef.h>

#include "classad.h"
#include "buf.h"

/* repr(float) into out (at least 32 bytes); "inf", "-inf", "nan" when not finite.
 * Returns the length. */
int sp_py_float_repr(double v, char *out, size_t outlen);
/* str() of a value: True/False, 12, 1.5, the string itself, ['a', 1], ... */
int sp_py_repr(sp_buf *b, const sp_cval *v);
/* repr() of a string: 'text' with Python's quoting and escapes. */
int sp_py_str_repr(sp_buf *b, const char *s, size_t len);
/* str() of bytes in Python 3: b'...'. */
int sp_py_bytes_repr(sp_buf *b, const unsigned char *s, size_t len);
/* int(s): 1 and *out, or 0 where Python raises ValueError. */
int sp_py_parse_int(const char *s, long long *out);
/* float(s): 1 and *out, or 0 where Python raises ValueError. */
int sp_py_parse_float(const char *s, double *out);

#endif
