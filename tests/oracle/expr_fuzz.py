"""expr_fuzz.py - the differential fuzz loop of the ClassAd oracle
(tests/oracle/README.md): random ads and expressions, evaluated by our
evaluator (expr_driver.c) and by HTCondor's libclassad (expr_oracle.py),
for a bounded time from a seed. Run by hand with the oracle venv, not in
make test; every disagreement is printed and, with --save, appended to the
corpus as a case (then fix it, and the committed corpus keeps it fixed).

  expr_fuzz.py --driver build/oracle-expr-driver --seconds 300 --seed 1 \\
               [--save tests/oracle/corpus/fuzz.jsonl]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import expr_oracle  # noqa: E402  (imports htcondor and classad)

NAMES = ["A", "B", "C", "Mem", "Cpus", "S", "T", "L", "N", "Sites", "x", "Status"]
STRINGS = ["", "a", "A", "abc", "ABC", "Hello", "hello", "a,b,c", "a, B ,c", "T2_US_UCSD,T1_US_FNAL",
           "42", " 7 ", "3.5e2", "1e3x", "-0", "true", "x y", "a;b", "^a.*", "[0-9]+", "T2_.*",
           "\\\\d+", "(", "a|b", "l+", "undefined", "0.1"]
INTS = ["0", "1", "-1", "2", "7", "-7", "3", "64", "63", "-64", "1000", "2147483647", "2147483648",
        "-2147483649", "9223372036854775807", "-9223372036854775808", "4294967296"]
REALS = ["0.0", "-0.0", "0.5", "2.5", "-2.5", "1.5", "3.0", "1e300", "-1e300", "1e308", "1e-308",
         "1e-320", "9.2e18", "9.3e18", "-9.3e18", "0.1", "100.0", "1e16"]
BINARY = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "=?=", "=!=", "is", "isnt",
          "&&", "||", "&", "|", "^", "<<", ">>", ">>>"]
UNARY = ["-", "+", "!", "~"]
FUNCTIONS = {
    "isUndefined": (1, 1), "isError": (1, 1), "isString": (1, 1), "isInteger": (1, 1),
    "isReal": (1, 1), "isBoolean": (1, 1), "isList": (1, 1), "isClassAd": (1, 1),
    "ifThenElse": (3, 3), "int": (1, 1), "real": (1, 1), "string": (1, 1), "floor": (1, 1),
    "ceil": (1, 1), "ceiling": (1, 1), "round": (1, 1), "pow": (2, 2), "min": (1, 1),
    "max": (1, 1), "sum": (1, 1), "avg": (1, 1), "size": (1, 1), "strcat": (0, 4),
    "toLower": (1, 1), "toUpper": (1, 1), "substr": (2, 3), "strcmp": (2, 2), "stricmp": (2, 2),
    "member": (2, 2), "identicalMember": (2, 2), "regexp": (2, 3), "stringListSize": (1, 2),
    "stringListMember": (2, 3), "stringListIMember": (2, 3), "stringListsIntersect": (2, 3),
}


def quote(s):
    return '"' + s.replace('"', '\\"') + '"'


ORACLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expr_oracle.py")


def oracle_run(cases, timeout):
    """libclassad's results, id -> canonical, from a child process (some
    expressions hang libclassad: `S = false ? 1 : (S ?: 2)`); None when it
    took longer than timeout."""
    text = "".join(json.dumps(c) + "\n" for c in cases)
    try:
        proc = subprocess.run([sys.executable, ORACLE, "eval", "-"], input=text.encode(),
                              stdout=subprocess.PIPE, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    out = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    return dict(line.partition("\t")[::2] for line in out)


def oracle_results(cases):
    """As oracle_run over a batch, halved until the case that hangs is
    alone; that one gives "hang"."""
    res = oracle_run(cases, 3 + len(cases) / 50)
    if res is not None:
        return res
    if len(cases) == 1:
        return {cases[0]["id"]: "hang"}
    half = len(cases) // 2
    res = oracle_results(cases[:half])
    res.update(oracle_results(cases[half:]))
    return res


class Gen:
    def __init__(self, rng):
        self.r = rng

    def name(self):
        n = self.r.choice(NAMES)
        return self.r.choice([n, n.lower(), n.upper()])

    def literal(self):
        r = self.r
        kind = r.randrange(10)
        if kind < 3:
            return r.choice(INTS)
        if kind < 5:
            return r.choice(REALS)
        if kind < 7:
            return quote(r.choice(STRINGS))
        return r.choice(["true", "false", "undefined", "error", "{}", "{1, 2.5, \"a\"}"])

    def ref(self):
        scope = self.r.choice(["", "", "", "MY.", "my.", "TARGET.", "target."])
        return scope + self.name()

    def expr(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.25:
            return self.literal() if r.random() < 0.55 else self.ref()
        kind = r.randrange(12)
        if kind < 4:
            return "(%s %s %s)" % (self.expr(depth - 1), r.choice(BINARY), self.expr(depth - 1))
        if kind < 5:
            return "%s%s" % (r.choice(UNARY), self.expr(depth - 1))
        if kind < 6:
            return "(%s ? %s : %s)" % (self.expr(depth - 1), self.expr(depth - 1), self.expr(depth - 1))
        if kind < 7:
            return "(%s ?: %s)" % (self.expr(depth - 1), self.expr(depth - 1))
        if kind < 8:
            return "{%s}" % ", ".join(self.expr(depth - 1) for _ in range(r.randrange(4)))
        if kind < 9:
            return "%s[%s]" % (self.expr(depth - 1), r.choice(["0", "1", "2", "-1", "\"a\""]))
        return self.call(depth)

    def call(self, depth):
        fn = self.r.choice(list(FUNCTIONS))
        lo, hi = FUNCTIONS[fn]
        if self.r.random() < 0.05:
            lo, hi = max(0, lo - 1), hi + 1          # wrong argument counts too
        n = self.r.randint(lo, hi)
        name = self.r.choice([fn, fn.lower(), fn.upper()])
        return "%s(%s)" % (name, ", ".join(self.expr(depth - 1) for _ in range(n)))

    def ad(self):
        lines = []
        for n in self.r.sample(NAMES, self.r.randrange(len(NAMES))):
            if self.r.random() < 0.6:
                value = self.literal()
            elif self.r.random() < 0.1:
                value = "[ x = %s; y = %s ]" % (self.literal(), self.literal())
            else:
                value = self.expr(2)
            lines.append("%s = %s" % (n, value))
        return "\n".join(lines) + ("\n" if lines else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=400)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--save", help="append disagreements to this corpus file")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    gen = Gen(rng)
    deadline = time.monotonic() + args.seconds
    total, hangs, found, seen = 0, 0, [], set()
    while time.monotonic() < deadline:
        cases = []
        for _ in range(args.batch):
            expr = gen.expr(rng.randint(1, args.depth))
            cases.append({"id": "fuzz-%d-%d" % (args.seed, total + len(cases)), "ad": gen.ad(), "expr": expr})
        ours = expr_oracle.run_driver(args.driver, cases)
        oracle = oracle_results(cases)
        for c in cases:
            theirs = oracle.get(c["id"], "missing")
            mine = ours.get(c["id"], "missing")
            hangs += theirs == "hang"
            if theirs == "hang" or mine == theirs:
                continue
            if mine.startswith("unsupported:") and theirs != "syntax-error":
                key = ("unsupported", mine)
            else:
                key = (c["expr"], c["ad"])
            if key in seen:
                continue
            seen.add(key)
            found.append((c, mine, theirs, "differs"))
            expr_oracle.report(found[-1:])
            sys.stdout.flush()
        total += len(cases)
    if args.save and found:
        with open(args.save, "a", encoding="utf-8") as f:
            for c, _, _, _ in found:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print("expr_fuzz: seed %d, %d cases in %.0f s, %d disagreements, %d hung libclassad"
          % (args.seed, total, args.seconds, len(found), hangs))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
