"""expr_oracle.py - HTCondor's libclassad side of the ClassAd oracle test
(tests/oracle/README.md), run with the oracle venv's Python (the htcondor
23.0.28 wheel, classic `classad` bindings, as the reference spider uses).

Each corpus case is a JSON line {"id", "ad", "expr"[, "unsupported"]}: the
ad in -long (old ClassAd) syntax, the expression put into it as the
attribute OracleExpr and evaluated with ad.eval("OracleExpr"), no target ad,
as the reference's convert_to_json evaluates attributes. `htcondor` is
imported first, as in the reference's process (spider_cms.py imports it):
that import configures libclassad the way HTCondor does (old-ClassAd MY./
TARGET. semantics, HTCondor's own stringList* functions), which changes
results.

  expr_oracle.py eval CORPUS...            print "<id>\\t<value>" per case (- is stdin)
  expr_oracle.py check --driver D CORPUS.. run D (tests/oracle/expr_driver.c)
                                           on the same cases, compare, print
                                           every disagreement, exit 1 on any
  expr_oracle.py check --ours F CORPUS...  the same with D's output saved in F
"""
import argparse
import json
import math
import os
import subprocess
import sys
import warnings

os.environ.setdefault("CONDOR_CONFIG", "/dev/null")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import htcondor  # noqa: F401  (configures libclassad as in the reference)
import classad

ORACLE_ATTR = "OracleExpr"
ITEM_ATTR = "OracleItem"


def canon_string(s):
    out = ['"']
    for c in s.encode("utf-8", "surrogateescape"):
        if c in (0x22, 0x5C):
            out.append("\\" + chr(c))
        elif c < 0x20 or c > 0x7E:
            out.append("\\x%02x" % c)
        else:
            out.append(chr(c))
    out.append('"')
    return "".join(out)


def canon_real(r):
    if math.isnan(r):
        return "real nan"
    if math.isinf(r):
        return "real -inf" if r < 0 else "real inf"
    return "real %.17g" % r


def canon(v, ad=None):
    """The canonical text of a value as the bindings return it; ad is the
    scope of unevaluated list items."""
    if v is classad.Value.Undefined:
        return "undefined"
    if v is classad.Value.Error:
        return "error"
    if isinstance(v, bool):
        return "bool true" if v else "bool false"
    if isinstance(v, int):
        return "int %d" % v
    if isinstance(v, float):
        return canon_real(v)
    if isinstance(v, str):
        return "string " + canon_string(v)
    if isinstance(v, list):
        return "list [" + ", ".join(canon(x, ad) for x in v) + "]"
    if isinstance(v, (classad.ClassAd, dict)):
        return "ad [" + "; ".join(sorted(k.lower() for k in v.keys())) + "]"
    if isinstance(v, classad.ExprTree):
        # a list item the bindings left unevaluated: evaluated as an
        # attribute of the ad (ExprTree.eval() of a circular one hangs)
        ad[ITEM_ATTR] = v
        try:
            return canon(ad.eval(ITEM_ATTR), ad)
        except classad.ClassAdEvaluationError:
            return "error"
    return "unknown %r" % (v,)


def evaluate(case):
    try:
        ad = classad.parseOne(case.get("ad", ""), classad.Parser.Old)
    except Exception as exc:  # noqa: BLE001 - reported as the result
        return "bad-ad: %s" % exc
    try:
        tree = classad.ExprTree(case["expr"])
    except Exception:  # noqa: BLE001
        return "syntax-error"
    ad[ORACLE_ATTR] = tree
    try:
        return canon(ad.eval(ORACLE_ATTR), ad)
    except classad.ClassAdEvaluationError:
        # Evaluate() failed (a circular reference): the reference's
        # `except: continue` drops the field as it drops an ERROR value, and
        # int() of either raises; so our evaluator gives ERROR for it.
        return "error"
    except Exception as exc:  # noqa: BLE001
        return "exception: %s" % exc


def load(paths):
    cases = []
    for path in paths:
        with (sys.stdin if path == "-" else open(path, encoding="utf-8")) as f:
            for n, line in enumerate(f, 1):
                if not line.strip() or line.startswith("#"):
                    continue
                try:
                    case = json.loads(line)
                except ValueError as exc:
                    sys.exit("%s:%d: %s" % (path, n, exc))
                case.setdefault("id", "%s:%d" % (os.path.basename(path), n))
                cases.append(case)
    return cases


def run_driver(driver, cases):
    """Our evaluator's results, id -> canonical text (argv, no shell)."""
    text = "".join(json.dumps({"id": c["id"], "ad": c.get("ad", ""), "expr": c["expr"]}) + "\n"
                   for c in cases)
    proc = subprocess.run([driver, "-"], input=text.encode(), stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        sys.exit("%s exited with %d" % (driver, proc.returncode))
    ours = {}
    for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
        cid, _, val = line.partition("\t")
        ours[cid] = val
    return ours


def agrees(case, ours, theirs):
    """None when our result is the oracle's (or a declared unsupported case
    is unsupported in ours), else what is wrong."""
    if case.get("unsupported"):
        # refused, or evaluated without reaching what is unsupported (a
        # short-circuit): then the value must be the oracle's
        if ours.startswith("unsupported:") or ours == theirs:
            return None
        return "declared unsupported (%s): ours must refuse it or agree" % case["unsupported"]
    return None if ours == theirs else "differs"


def compare(cases, ours):
    """The disagreements: (case, ours, theirs, why)."""
    bad = []
    for case in cases:
        mine = ours.get(case["id"], "missing from the driver's output")
        theirs = evaluate(case)
        why = agrees(case, mine, theirs)
        if why:
            bad.append((case, mine, theirs, why))
    return bad


def report(bad, out=sys.stdout):
    for case, mine, theirs, why in bad:
        out.write("DISAGREE %s (%s)\n  ad:   %s\n  expr: %s\n  ours:      %s\n  libclassad: %s\n"
                  % (case["id"], why, json.dumps(case.get("ad", "")), case["expr"], mine, theirs))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("eval")
    ev.add_argument("corpus", nargs="+")
    ck = sub.add_parser("check")
    who = ck.add_mutually_exclusive_group(required=True)
    who.add_argument("--driver")
    who.add_argument("--ours", help="a saved output of the driver")
    ck.add_argument("corpus", nargs="+")
    args = ap.parse_args()
    cases = load(args.corpus)
    if args.cmd == "eval":
        for case in cases:
            print("%s\t%s" % (case["id"], evaluate(case)), flush=True)
        return 0
    ids = [c["id"] for c in cases]
    if len(set(ids)) != len(ids):
        sys.exit("duplicate case ids in the corpus")
    if args.ours:
        with open(args.ours, encoding="utf-8", errors="surrogateescape") as f:
            ours = dict(line.rstrip("\n").partition("\t")[::2] for line in f)
    else:
        ours = run_driver(args.driver, cases)
    bad = compare(cases, ours)
    report(bad)
    unsupported = sum(1 for c in cases if c.get("unsupported"))
    print("classad oracle: %d cases (%d declared unsupported), %d disagreements"
          % (len(cases), unsupported, len(bad)))
    return 1 if bad or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
