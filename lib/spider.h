/* spider.h - the public contract of libspider, the library all three
 * services share. Include this one header; each part lives in its own file
 * (unit.structure checks that every public header of lib/ is listed and
 * included here, and that this header compiles on its own):
 *
 *   building blocks
 *   buf.h      the growing byte buffer every encoder writes into
 *   arena.h    the bump allocator ads and tables live in
 *   hash.h     FNV-1a 64 and the case-folded attribute name hash
 *   clock.h    monotonic and wall clock in milliseconds
 *   utf8.h     UTF-8 validation shared by the ad parsers
 *
 *   services
 *   version.h  the git hash compiled in
 *   log.h      one line per event, key=value or JSON, secrets redacted
 *   config.h   defaults < JSON file < environment < flags, --help
 *   service.h  common start-up of a service: configuration, logging
 *   metrics.h  Prometheus /metrics and /healthz over libmicrohttpd
 *
 *   records and transports
 *   record.h   protobuf records (proto/spider.proto) helpers
 *   pbwire.h   the protobuf wire format for hand-written encoders/readers
 *   kafka.h    idempotent producer with delivery reports, committing consumer
 *   stomp.h    STOMP 1.2 client for ActiveMQ: receipts, acks, failover
 *   http.h     libcurl client for the search clusters, TLS verified
 *   esconf.h   the search clusters from es_conf.json (reference format)
 *   bulk.h     _bulk request building and per-item response parsing
 *
 *   job ads and documents
 *   adjson.h   streaming parser of condor_q/condor_history -json, -jsonl
 *   adlong.h   streaming parser of their -long text form
 *   adreader.h either parser by the first byte, one sp_ad at a time
 *   classad.h  job ads in memory: typed values, case-insensitive names
 *   classad_expr.h  the ClassAd expression evaluator (and its parse cache)
 *   rules.h    the reference's attribute lists (the files in rules/) as lookups
 *   pyfmt.h    Python's text forms (float repr, str()) used in documents
 *   pycase.h   Python's str.upper()/str.lower() of UTF-8 text
 *   docjson.h  protobuf Document -> the reference's JSON document
 *
 * Not part of it: *_internal.h (shared by the files of one part only) and
 * *_data.h (generated tables).
 *
 * Naming: every public symbol starts with sp_<part>_ (a few older names do
 * not yet: sp_ad_*, sp_cv_*, sp_hash_name, sp_record_source_name/parse, sp_hash_fnv1a64,
 * sp_config_read_file_trimmed). Every function that returns memory says who frees
 * it. */
#ifndef SPIDER_H
#define SPIDER_H

#include "buf.h"
#include "arena.h"
#include "hash.h"
#include "clock.h"
#include "utf8.h"

#include "version.h"
#include "log.h"
#include "config.h"
#include "service.h"
#include "metrics.h"

#include "record.h"
#include "pbwire.h"
#include "kafka.h"
#include "stomp.h"
#include "http.h"
#include "esconf.h"
#include "bulk.h"

#include "adjson.h"
#include "adlong.h"
#include "adreader.h"
#include "classad.h"
#include "classad_expr.h"
#include "rules.h"
#include "pyfmt.h"
#include "pycase.h"
#include "docjson.h"

#endif
