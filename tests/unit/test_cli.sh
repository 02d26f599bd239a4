#!/usr/bin/env bash
# test_cli.sh - every binary answers --help and --version (with the git hash
# compiled in), and rejects unknown flags and bad configuration with exit 2
# and a message that names the problem.
set -uo pipefail
B=${SPIDER_BUILD_DIR:?}
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi; }
hash=$(git -C "${SPIDER_SOURCE_DIR:?}" rev-parse HEAD 2>/dev/null || echo unknown)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo '{"log": {"level": 3}}' > "$tmp/bad.json"
for svc in collector publisher differ; do
  bin="$B/spider-$svc"
  out=$("$bin" --help); rc=$?
  check "$svc --help exits 0" '[ $rc -eq 0 ]'
  check "$svc --help shows usage" '[[ $out == *"Usage: spider-$svc"* ]]'
  out=$("$bin" --version); rc=$?
  check "$svc --version exits 0" '[ $rc -eq 0 ]'
  check "$svc --version prints the git hash" '[[ $out == *"git $hash"* ]]'
  out=$("$bin" --no-such-flag 2>&1); rc=$?
  check "$svc rejects unknown flags" '[ $rc -eq 2 ] && [[ $out == *"unknown option --no-such-flag"* ]]'
  out=$("$bin" --log-level loud 2>&1); rc=$?
  check "$svc rejects a bad log level" '[ $rc -eq 2 ] && [[ $out == *"log.level\" (flag): expected debug, info, warn or error"* ]]'
  out=$(SPIDER_LOG_FORMAT=xml "$bin" run 2>&1); rc=$?
  check "$svc names the environment as origin" '[ $rc -eq 2 ] && [[ $out == *"log.format\" (env)"* ]]'
  out=$("$bin" --config "$tmp/bad.json" 2>&1); rc=$?
  check "$svc names file and key of a bad config" \
    '[ $rc -eq 2 ] && [[ $out == *"bad.json: key \"log.level\": expected a string, got integer"* ]]'
done
# spider-collector modes, against spider-sim's fake tools (no Kafka needed)
export SPIDER_SIM_SCHEDDS=3 SPIDER_SIM_JOBS=20 SPIDER_SIM_STEP=4
C="$B/spider-collector"
now=$((1763800000 + 4 * 720))
out=$("$C" run --once --dry-run --source "exec:$B/sim-bin" --checkpoint-file "$tmp/cp.json" 2>&1); rc=$?
check "collector --dry-run shows the queries and runs none" \
  '[ $rc -eq 0 ] && [[ $out == *"would_run"*"condor_q -allusers -name"*"JobUniverse == 5"* ]] && [ ! -e "$tmp/cp.json" ]'
out=$("$C" run --once --read-only --now $now --source "exec:$B/sim-bin" --checkpoint-file "$tmp/cp.json" 2>&1); rc=$?
check "collector --read-only converts but keeps checkpoints" \
  '[ $rc -eq 0 ] && [[ $out == *"event=cycle.done"*"documents="* ]] && [ ! -e "$tmp/cp.json" ]'
"$C" run --once --now $now --source "exec:$B/sim-bin" --output jsonl --output-file "$tmp/out.jsonl" \
  --checkpoint-file "$tmp/cp.json" --max-documents 5 --process-history=false 2>/dev/null; rc=$?
check "collector --max-documents caps each poll" '[ $rc -eq 0 ] && [ "$(wc -l < "$tmp/out.jsonl")" -eq 15 ]'
out=$("$C" run --once --source "ftp://nowhere" 2>&1); rc=$?
check "collector names a bad source" '[ $rc -eq 2 ] && [[ $out == *"source \"ftp://nowhere\": expected exec"* ]]'
out=$("$C" run --once --index-template CMS --output jsonl --output-file /dev/null 2>&1); rc=$?
check "collector refuses an --index-template the clusters refuse" '[ $rc -eq 2 ] && [[ $out == *"--index-template \"CMS\": "*"lowercase"* ]]'
out=$("$C" run --once --source "exec:$B/sim-bin" --output jsonl --output-file /dev/null --schedds nosuch \
  --checkpoint-file "$tmp/cp2.json" 2>&1); rc=$?
check "collector --once exits 1 when a schedd fails" '[ $rc -eq 1 ] && [[ $out == *"Couldn'"'"'t contact the condor_schedd on nosuch"* ]]'
# strict command lines (issue 13): ranges, stray arguments, per-command help, Kafka properties
for a in "--workers 0" "--workers -3" "--schedd-timeout -1" "--cycle-timeout 0" "--interval 0" "--kafka-timeout 0"; do
  out=$("$C" run --once $a 2>&1); rc=$?
  check "collector rejects $a, naming the range" '[ $rc -eq 2 ] && [[ $out == *"(flag ${a%% *}): expected an integer in "*", got ${a#* }"* ]]'
done
out=$(SPIDER_WORKERS=0 "$C" run --once 2>&1); rc=$?
check "collector rejects an out-of-range value from the environment too" '[ $rc -eq 2 ] && [[ $out == *"key \"workers\" (env --workers): expected an integer in 1..1024, got 0"* ]]'
echo '{"workers": 2000}' > "$tmp/workers.json"
out=$("$C" run --once --config "$tmp/workers.json" 2>&1); rc=$?
check "collector rejects an out-of-range value from the file" '[ $rc -eq 2 ] && [[ $out == *"(file --workers): expected an integer in 1..1024, got 2000"* ]]'
out=$("$C" run --once collector.json 2>&1); rc=$?
check "collector rejects a stray argument (run --once collector.json)" \
  '[ $rc -eq 2 ] && [[ $out == *"run: unexpected argument \"collector.json\" (a configuration file is given with --config FILE)"* ]]'
out=$("$B/spider-differ" stream extra 2>&1); rc=$?
check "differ stream rejects a stray argument" '[ $rc -eq 2 ] && [[ $out == *"stream: unexpected argument \"extra\""* ]]'
out=$("$B/spider-differ" compare a b c 2>&1); rc=$?
check "differ compare rejects a third input" '[ $rc -eq 2 ] && [[ $out == *"compare: unexpected argument \"c\""* ]]'
out=$("$B/spider-differ" compare a 2>&1); rc=$?
check "differ compare names what it needs" '[ $rc -eq 2 ] && [[ $out == *"compare needs LEFT RIGHT"* ]]'
out=$("$B/spider-publisher" run extra 2>&1); rc=$?
check "publisher run rejects a stray argument" '[ $rc -eq 2 ] && [[ $out == *"run: unexpected argument \"extra\""* ]]'
out=$("$B/spider-differ" compare --help); rc=$?
check "differ compare --help is compare's: its usage and options, not stream's" \
  '[ $rc -eq 0 ] && [[ $out == "Usage: spider-differ [OPTIONS] compare LEFT RIGHT"* ]] && [[ $out == *"--min-match"* ]] && [[ $out != *"--topic-changes"* ]]'
out=$("$B/spider-differ" stream --help); rc=$?
check "differ stream --help lists stream's options only" \
  '[ $rc -eq 0 ] && [[ $out == "Usage: spider-differ [OPTIONS] stream"* ]] && [[ $out == *"--lost-grace"* ]] && [[ $out != *"--min-match"* ]]'
out=$("$B/spider-publisher" purge --help); rc=$?
check "publisher purge --help is purge's" \
  '[ $rc -eq 0 ] && [[ $out == "Usage: spider-publisher [OPTIONS] purge --git-hash H"* ]] && [[ $out == *"--git-hash"* ]] && [[ $out != *"--batch-docs"* ]]'
out=$("$C" run --help); rc=$?
check "collector run --help is run's" '[ $rc -eq 0 ] && [[ $out == "Usage: spider-collector [OPTIONS] run [--once]"* ]] && [[ $out == *"--kafka-timeout"* ]]'
out=$("$C" run --once --kafka-producer-property session.timeout.ms=6000 2>&1); rc=$?
check "a consumer property given as a producer property is an error" \
  '[ $rc -eq 2 ] && [[ $out == *"--kafka-producer-property session.timeout.ms: a consumer property (give it with --kafka-consumer-property)"* ]]'
out=$("$B/spider-differ" stream --kafka-consumer-property linger.ms=5 2>&1); rc=$?
check "a producer property given as a consumer property is an error" '[ $rc -eq 2 ] && [[ $out == *"linger.ms: a producer property"* ]]'
out=$("$C" run --once --kafka-property no.such.property=1 2>&1); rc=$?
check "an unknown Kafka property is an error at start" '[ $rc -eq 2 ] && [[ $out == *"no.such.property: librdkafka has no such property"* ]]'
out=$("$C" run --once --dry-run --source "exec:$B/sim-bin" --checkpoint-file "$tmp/cp.json" 2>&1); rc=$?
check "no -pool argument when no pool is configured" '[ $rc -eq 0 ] && [[ $out == *"condor_q -allusers -name"* ]] && [[ $out != *"-pool"* ]]'
echo '{"Global": ["collector.example:9620"]}' > "$tmp/collectors.json"
out=$("$C" run --once --dry-run --source "exec:$B/sim-bin" --collectors-file "$tmp/collectors.json" --checkpoint-file "$tmp/cp.json" 2>&1); rc=$?
check "-pool HOST with a configured pool" '[ $rc -eq 0 ] && [[ $out == *"-pool collector.example:9620"* ]]'
# a checkpoint that cannot be saved fails the history polls (exit 1, logged as errors)
mkdir -p "$tmp/ro/cp.json.tmp"        # the temporary file cannot be created, even by root
out=$("$C" run --once --now $now --source "exec:$B/sim-bin" --output jsonl --output-file /dev/null \
  --checkpoint-file "$tmp/ro/cp.json" 2>&1); rc=$?
check "collector: an unsaved checkpoint is a failed poll (exit 1, 3 of 6 failed, each an error)" \
  '[ $rc -eq 1 ] && [[ $out == *"polls_ok=3 polls_failed=3"* ]] && [ "$(grep -c "level=error.*event=checkpoint.save_failed" <<<"$out")" -eq 3 ] &&
   [ "$(grep -c "level=error.*event=poll.failed.*kind=history.*checkpoint not saved" <<<"$out")" -eq 3 ]'
# spider-publisher commands that fail before any server is asked
P="$B/spider-publisher"
echo '[{"host": "es1.example", "port": 9203}, {"host": "os1.example/es"}]' > "$tmp/es_conf.json"
out=$("$P" replay --from 0 2>&1); rc=$?
check "publisher replay needs --cluster" '[ $rc -eq 2 ] && [[ $out == *"--cluster is required"* ]]'
out=$("$P" replay --cluster amq --from yesterday 2>&1); rc=$?
check "publisher replay rejects a bad --from" '[ $rc -eq 2 ] && [[ $out == *"--from: epoch seconds or YYYY-MM-DDTHH:MM:SSZ"* ]]'
out=$("$P" replay --es-conf "$tmp/es_conf.json" --cluster nosuch --from 2026-11-20T00:00:00Z 2>&1); rc=$?
check "publisher replay names the outputs there are" \
  '[ $rc -eq 2 ] && [[ $out == *"no output \"nosuch\"; the outputs are amq and: es1.example:9203 os1.example"* ]]'
out=$("$P" run --es-conf "$tmp/es_conf.json" --amq-brokers 127.0.0.1:1 --amq-username-file "$tmp/nofile" 2>&1); rc=$?
check "publisher names a missing AMQ credentials file" '[ $rc -eq 2 ] && [[ $out == *"amq credentials"*"$tmp/nofile"* ]]'
exit $fail
