"""sim_oracle.py - the oracle side of unit.sim_oracle: HTCondor's own ClassAd
library (the htcondor 23.0.28 wheel, classic `classad` module) re-prints the
ads spider-sim printed, and the bytes must be spider-sim's.

    sim_oracle.py [--parse-long] TOOL LONG JSON JSONL
TOOL is condor_q or condor_history (their -json framing differs when there are
no ads). LONG, JSON, JSONL are spider-sim's -long, -json and -jsonl outputs of
the same ads. The ads are JSON's (json module; values handed to the library:
"\\/Expr(..)\\/" through its expression parser, lists, null as undefined).
With --parse-long, the ads libclassad parses from LONG (parseOldAds) must be
the same ads (not for ads whose strings hold newlines or a backslash before a
quote: HTCondor's -long form cannot carry those, it prints them raw). Each ad is then printed as the
real tools print it (src/condor_utils/compat_classad.cpp,
CondorClassAdListWriter::appendAd; src/condor_tools/history.cpp, printJob):
  - attributes sorted case-insensitively (classad::References, CaseIgnLTStr);
  - -long: "Name = <printOld of the value>" lines, then a blank line;
  - -json: "[\\n" {ad} "\\n", ",\\n" {ad} "\\n" ..., "]\\n"; no ads: nothing
    from condor_q, "[\\n]\\n" from condor_history;
  - -jsonl: ClassAdJsonUnParser(oneline=true): the -json text of the ad with
    every newline+indent outside strings dropped (the only difference between
    the two modes in jsonSink.cpp; the classic module has no one-line printer).
Each value is printed by the library itself (printOld/printJson of a one-
attribute ad, spliced). Prints one line per difference and exits 1 on any;
else prints "ok N ads".
"""
import json
import re
import sys
import warnings

warnings.simplefilter("ignore")
import classad  # noqa: E402


def sort_key(name):
    return name.encode().lower()          # strcasecmp: ASCII case folding only


def one_attr(ad, name):
    one = classad.ClassAd()
    one[name] = ad.lookup(name)
    return one


def long_ad(ad):
    out = []
    for name in sorted(ad.keys(), key=sort_key):
        line = one_attr(ad, name).printOld()
        assert line.startswith(name + " = ") and line.endswith("\n"), line
        out.append(line)
    return "".join(out) + "\n"


def json_ad(ad):
    parts = []
    for name in sorted(ad.keys(), key=sort_key):
        text = one_attr(ad, name).printJson()
        assert text.startswith("{\n  ") and text.endswith("\n}"), text
        parts.append("\n  " + text[4:-2])
    return "{" + ",".join(parts) + "\n}"


def oneline(text):
    """Drops newline+indent outside JSON strings."""
    out, i, in_str = [], 0, False
    while i < len(text):
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == "\n":
            while i + 1 < len(text) and text[i + 1] == " ":
                i += 1
        else:
            out.append(c)
            in_str = c == '"'
        i += 1
    return "".join(out)


def frame_json(ads, tool):
    if not ads:
        return "[\n]\n" if tool == "condor_history" else ""
    return "".join(("," if i else "[") + "\n" + json_ad(ad) + "\n" for i, ad in enumerate(ads)) + "]\n"


EXPR_MARK = "\0Expr("     # no C string holds a NUL: cannot clash with a real value


def mark_exprs(text):
    """HTCondor's JSON parser reads an expression only from a string whose raw
    text is \\/Expr(...)\\/ (util.cpp convert_escapes_json): marks those before
    the json module decodes the escapes away (a string "/Expr(x)/" stays one)."""
    return re.sub(r'"\\/Expr\(((?:[^"\\]|\\.)*)\)\\/"', lambda m: '"\\u0000Expr(' + m.group(1) + ')/"', text)


def to_value(v):
    if isinstance(v, str) and v.startswith(EXPR_MARK) and v.endswith(")/"):
        return classad.ExprTree(v[6:-2])
    if v is None:
        return classad.Value.Undefined
    if isinstance(v, list):
        return [to_value(x) for x in v]
    if isinstance(v, dict):
        return to_ad(v)
    return v


def to_ad(obj):
    ad = classad.ClassAd()
    for k, v in obj.items():
        ad[k] = to_value(v)
    return ad


def unique(pairs):
    names = [k.lower() for k, _ in pairs]
    assert len(set(names)) == len(names), "an attribute twice in one ad: %r" % names
    return dict(pairs)


def first_diff(a, b):
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
    line = a.count("\n", 0, i) + 1
    return "at byte %d (line %d): libclassad %r, spider-sim %r" % (i, line, a[max(0, i - 60):i + 60], b[max(0, i - 60):i + 60])


def main():
    args = sys.argv[1:]
    parse_long = args[0] == "--parse-long"
    tool, paths = args[parse_long], args[parse_long + 1:parse_long + 4]
    texts = [open(p, "rb").read().decode("utf-8", "surrogateescape") for p in paths]
    ads = [to_ad(o) for o in json.loads(mark_exprs(texts[1]) or "[]", object_pairs_hook=unique)]
    bad = 0
    if parse_long:
        from_long = list(classad.parseOldAds(texts[0]))
        if len(from_long) != len(ads):
            print("ad count: %d in -long, %d in -json" % (len(from_long), len(ads)))
            bad += 1
        for i, (a, b) in enumerate(zip(from_long, ads)):
            if json_ad(a) != json_ad(b):
                print("ad %d: -long and -json are not the same ad: %s" % (i, first_diff(json_ad(a), json_ad(b))))
                bad += 1
    want = {
        "-long": "".join(long_ad(ad) for ad in ads),
        "-json": frame_json(ads, tool),
        "-jsonl": "".join(oneline(json_ad(ad)) + "\n" for ad in ads),
    }
    for (fmt, expect), got in zip(want.items(), texts):
        if expect != got:
            print("%s %s differs %s" % (tool, fmt, first_diff(expect, got)))
            bad += 1
    print("ok %d ads" % len(ads) if not bad else "%d differences" % bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
