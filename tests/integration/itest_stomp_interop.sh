#!/usr/bin/env bash
# itest_stomp_interop.sh - our STOMP client and Debian's python3-stomp talk
# through the real ActiveMQ both ways: C sends, Python reads (bodies and
# headers checked); Python sends, C reads (output compared line by line).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${SPIDER_BUILD_DIR:?}/itest_stomp
PY=/usr/bin/python3     # Debian's interpreter: python3-stomp lives there
N=200
q1="/queue/spider.itest.interop.c2py.$$.$(date +%s)"
q2="/queue/spider.itest.interop.py2c.$$.$(date +%s)"

"$BIN" send "$q1" "$N"
"$PY" "$HERE/stomp_interop.py" read "$q1" "$N"

"$PY" "$HERE/stomp_interop.py" send "$q2" "$N"
got=$("$BIN" receive "$q2" "$N")
want=$(for ((i = 0; i < N; i++)); do echo "msg-$i seq=$i"; done)
if [ "$got" != "$want" ]; then
  echo "our client read something else than python3-stomp sent:" >&2
  diff <(echo "$want") <(echo "$got") | head >&2
  exit 1
fi
echo "our client read $N messages from python3-stomp, bodies and headers as sent"
