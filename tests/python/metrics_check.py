"""Parse a /metrics scrape with prometheus_client's text parser and check it.

Usage: metrics_check.py SCRAPE.txt EXPECTATIONS.json

EXPECTATIONS.json: {"families": [names that must be present],
                    "samples": [[sample name, {labels}, op, value], ...]}
with op one of "==", ">=". Labels not given are not compared, and the values
of every sample matching the given ones are added up (so
["palermo_http_requests_total", {"route": "/sparql"}, "==", 8] counts every
status). Prints what failed and exits 1; exits 0 when everything holds.
"""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

from checks import finish


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    expect = json.load(open(sys.argv[2], encoding="utf-8"))
    # The parser raises on anything malformed: that is a failure too.
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = [s for f in families.values() for s in f.samples]
    failures = []
    for name in expect["families"]:
        if name not in families:
            failures.append(f"family {name} missing (have: {sorted(families)})")
    for name, labels, op, value in expect["samples"]:
        matching = [
            s
            for s in samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        ]
        if not matching:
            failures.append(f"no sample {name}{labels}")
            continue
        total = sum(s.value for s in matching)
        ok = total == value if op == "==" else total >= value
        if not ok:
            failures.append(f"{name}{labels}: {total}, expected {op} {value}")
    finish(
        failures,
        f"{len(families)} families, {len(samples)} samples, {len(failures)} failures",
    )


if __name__ == "__main__":
    main()
