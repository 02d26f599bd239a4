/* spider.h - the public contract of libspider, the library all three
 * services share: it includes every public header of lib/, so a service's
 * main.c may include just this one; the other files of a service include
 * only the parts they use. unit.structure checks that every public header
 * of lib/ is listed and included here, and that this header compiles on
 * its own. Each part, with the prefix of its public names:
 *
 *   building blocks
 *   buf.h      sp_buf_     the growing byte buffer every encoder writes into
 *   arena.h    sp_arena_   the bump allocator ads and tables live in
 *   hash.h     sp_hash_    FNV-1a 64 and the case-folded attribute name hash
 *   clock.h    sp_clock_   monotonic and wall clock in milliseconds
 *   utf8.h     sp_utf8_    UTF-8 validation shared by the ad parsers
 *
 *   services
 *   version.h  sp_version_ the git hash compiled in
 *   log.h      sp_log_     one line per event, key=value or JSON, secrets redacted
 *   config.h   sp_config_, sp_opt_  defaults < JSON file < environment < flags, --help
 *   service.h  sp_service_ common start-up of a service: configuration, logging
 *   metrics.h  sp_metrics_, sp_metric_  Prometheus /metrics and /healthz over libmicrohttpd
 *
 *   records and transports
 *   record.h   sp_record_  protobuf records (proto/spider.proto) helpers
 *   pbwire.h   sp_pb_      the protobuf wire format for hand-written encoders/readers
 *   kafka.h    sp_kafka_   idempotent producer with delivery reports, committing consumer
 *   stomp.h    sp_stomp_   STOMP 1.2 client for ActiveMQ: receipts, acks, failover
 *   http.h     sp_http_    libcurl client for the search clusters, TLS verified
 *   esconf.h   sp_esconf_  the search clusters from es_conf.json (reference format)
 *   bulk.h     sp_bulk_    _bulk request building and per-item response parsing
 *
 *   job ads and documents
 *   adjson.h   sp_adjson_  streaming parser of condor_q/condor_history -json, -jsonl
 *   adlong.h   sp_adlong_  streaming parser of their -long text form
 *   adreader.h sp_adreader_ either parser by the first byte, one sp_ad at a time
 *   classad.h  sp_ad_, sp_cv_  job ads in memory: typed values, case-insensitive names
 *   classad_expr.h  sp_expr_  the ClassAd expression evaluator (and its parse cache)
 *   rules.h    sp_rules_   the reference's attribute lists (the files in rules/) as lookups
 *   pyfmt.h    sp_py_      Python's text forms (float repr, str()) used in documents
 *   pycase.h   sp_py_      Python's str.upper()/str.lower() of UTF-8 text
 *   docjson.h  sp_docjson_ protobuf Document -> the reference's JSON document
 *
 * Not part of it: *_internal.h (shared by the files of one part only) and
 * the generated tables in gen/ (rules.c, pycase_data.h).
 *
 * Naming: every public symbol of <part>.h starts with sp_<part>_ (macros and
 * enumerators SP_<PART>_; a type may be sp_<part> itself, as sp_buf). The
 * part is the header's name, except where the prefix listed above is
 * shorter and long established (these are deliberate, not debts):
 *   pbwire.h  sp_pb_    (the wire format's short name, in every encoder)
 *   pyfmt.h, pycase.h  sp_py_  (the two halves of "behave as Python does")
 *   classad.h sp_ad_ for the ad, sp_cv_ for its values (sp_cval)
 *   classad_expr.h  sp_expr_
 *   config.h  also sp_opt_/SP_OPT_ for the rows of an option table
 *   metrics.h sp_metrics_ for the registry and server, sp_metric_ for one
 *             metric
 *   log.h     also sp_debug, sp_info, sp_warn, sp_error: the call every file
 *             makes, named by its level
 * and SPIDER_ for include guards and the SPIDER_VERSION string. Names that
 * break the rule are renamed in one generated commit (a whole-word sed),
 * not by hand. Every function that returns memory says who frees it. */
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
