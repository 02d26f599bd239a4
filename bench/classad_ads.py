"""classad_ads.py - a baseline of bench/collector_process.sh: HTCondor's own
libclassad (the htcondor wheel's bindings, what the reference spider links)
parsing the same ads. The bindings have no JSON parser (classad.Parser has
Auto, Old and New only), so each schedd's ads are read in the -long form
the same simulator prints for the same poll: the least the reference pays
before it converts anything. Times this process's own CPU.

    python classad_ads.py FILE...     prints "ads N cpu_seconds S"
"""
import sys
import time

import classad


def main():
    ads, cpu = 0, 0.0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        t0 = time.process_time()
        for ad in classad.parseAds(text, classad.Parser.Old):
            ads += 1
        cpu += time.process_time() - t0
    print(f"ads {ads} cpu_seconds {cpu:.4f}")


if __name__ == "__main__":
    main()
