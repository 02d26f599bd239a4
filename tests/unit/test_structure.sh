#!/usr/bin/env bash
# test_structure.sh - the architecture rules that hold today, so that they
# keep holding (issue 14): lib/spider.h lists and includes every public
# header of lib/ and compiles on its own; no service or tool includes
# another's header; the parts of a program (services/differ/stream/ and
# compare/) include only lib/ and themselves; no include cycle between
# files; no file of lib/ over 900 lines; the protobuf wire format (varint
# loops, hand-made keys) is written only in lib/pbwire.h. Figures come from
# docs/structure.sh.
set -uo pipefail
ROOT=${SPIDER_SOURCE_DIR:?}
BUILD=${SPIDER_BUILD_DIR:-$ROOT/build}
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$ROOT"

public=$(cd lib && ls *.h | grep -v -e '^spider\.h$' -e '_internal\.h$' -e '_data\.h$')
for h in $public; do
  check "spider.h includes $h" "grep -q '^#include \"$h\"' lib/spider.h"
  check "spider.h's list names $h" "grep -q '^ \*   $h ' lib/spider.h"
done
for h in $(sed -n 's/^#include "\(.*\)"$/\1/p' lib/spider.h); do
  check "spider.h's include $h is a public header of lib/" 'grep -qx "$h" <<<"$public"'
done

cflags=$(pkg-config --cflags rdkafka libprotobuf-c jansson libcurl libmicrohttpd openssl)
printf '#include "spider.h"\nint main(void) { return 0; }\n' > "$tmp/contract.c"
compiles() { cc -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I lib -I "$BUILD/gen" -I "$BUILD/gen/proto" $cflags \
               -fsyntax-only "$1"; }
check "spider.h compiles on its own (C11, -Wall -Wextra -Werror)" 'compiles "$tmp/contract.c"'
for h in $public; do
  printf '#include "%s"\n#include "%s"\nint main(void) { return 0; }\n' "$h" "$h" > "$tmp/one.c"
  check "$h compiles on its own, twice included" 'compiles "$tmp/one.c"'
done

docs/structure.sh --files 400 > "$tmp/structure.txt"
cross=$(sed -n '/^== includes of another service/,/^  (end)/p' "$tmp/structure.txt" | grep -c -- ' -> ')
check "no service or tool includes another's header ($cross)" '[ "$cross" -eq 0 ]'
parts=$(sed -n '/^== includes from a part of a program/,/^  (end)/p' "$tmp/structure.txt" | grep -c -- ' -> ')
check "no part of a program (subfolder) includes outside itself but lib/ ($parts)" '[ "$parts" -eq 0 ]'
check "no include cycle between files" \
  'sed -n "/^== include cycles/,/^==/p" "$tmp/structure.txt" | grep -qx "  none"'
nfuncs=$(sed -n '/^== largest functions/,/^  functions over/p' "$tmp/structure.txt" | grep -c '\.[ch]:[0-9][0-9]* ')
check "docs/structure.sh measures functions (Universal Ctags): $nfuncs listed" '[ "$nfuncs" -gt 0 ]'
big=$(sed -n '/^== largest files/,/^  files over/p' "$tmp/structure.txt" | awk '$2 ~ /^lib\// && $1 > 900 { print $2 }')
check "no file of lib/ over 900 lines (${big:-none})" '[ -z "$big" ]'

# A varint written or read by hand: v >>= 7 next to a 0x80 continuation bit,
# or a key made of (field << 3 | type), anywhere but lib/pbwire.h.
wire=$(grep -rlE '(<< 3 \| [0-9]|>>= 7)' lib services tools --include='*.c' --include='*.h' | grep -v '^lib/pbwire\.h$')
check "the wire format is written only in lib/pbwire.h (${wire:-none})" '[ -z "$wire" ]'

exit $fail
