#!/usr/bin/env python3
"""Reference IRT calibration with girth, for the irt-bench comparison.

Reads a long-format response CSV (header `person,item,correct`, 0-based
indices, correct in {0,1}), builds girth's dense items x persons matrix
(unanswered cells are girth's INVALID_RESPONSE), calibrates with girth's
marginal maximum likelihood functions and prints one JSON object on stdout:

    {"girth_version": "...", "persons": P, "items": I,
     "results": [{"name": "girth.twopl_mml", "model": "2pl", "seconds": t,
                  "a": [...], "b": [...]}, ...]}

Only the calibration call is timed (not the CSV parsing). If girth is not
importable it prints an explanation on stderr and exits with status 3.

Usage: python3 reference.py RESPONSES.csv [--skip NAME ...]
"""
import argparse
import csv
import json
import sys
import time

try:
    import numpy as np
    import girth
    from girth.utilities import INVALID_RESPONSE
except ImportError as err:  # pragma: no cover - depends on the machine
    print(
        f"girth is not importable ({err}); install it with "
        "`pip install -r bench/irt/requirements.txt` (girth==0.8.0)",
        file=sys.stderr,
    )
    sys.exit(3)


def read_matrix(path):
    persons, items, correct = [], [], []
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if [h.strip() for h in header] != ["person", "item", "correct"]:
            raise SystemExit(f"unexpected header {header!r}")
        for row in reader:
            persons.append(int(row[0]))
            items.append(int(row[1]))
            correct.append(int(row[2]))
    persons = np.asarray(persons)
    items = np.asarray(items)
    n_persons = int(persons.max()) + 1
    n_items = int(items.max()) + 1
    data = np.full((n_items, n_persons), INVALID_RESPONSE, dtype=int)
    data[items, persons] = np.asarray(correct)
    return data


def girth_version():
    try:
        from importlib.metadata import version
        return version("girth")
    except Exception:  # noqa: BLE001 - informative only
        return "unknown"


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--skip", action="append", default=[],
                        help="skip an implementation by name")
    args = parser.parse_args()

    data = read_matrix(args.csv)
    n_items, n_persons = data.shape
    results = []

    if "girth.twopl_mml" not in args.skip:
        secs, out = timed(girth.twopl_mml, data)
        results.append({
            "name": "girth.twopl_mml", "model": "2pl", "seconds": secs,
            "a": np.atleast_1d(out["Discrimination"]).astype(float).tolist(),
            "b": np.atleast_1d(out["Difficulty"]).astype(float).tolist(),
        })
    if "girth.twopl_mml_eap" not in args.skip:
        secs, out = timed(girth.twopl_mml_eap, data)
        results.append({
            "name": "girth.twopl_mml_eap", "model": "2pl", "seconds": secs,
            "a": np.atleast_1d(out["Discrimination"]).astype(float).tolist(),
            "b": np.atleast_1d(out["Difficulty"]).astype(float).tolist(),
        })
    if "girth.rasch_mml" not in args.skip:
        secs, out = timed(girth.rasch_mml, data)
        b = np.atleast_1d(out["Difficulty"]).astype(float)
        results.append({
            "name": "girth.rasch_mml", "model": "rasch", "seconds": secs,
            "a": [1.0] * len(b), "b": b.tolist(),
        })

    json.dump({
        "girth_version": girth_version(),
        "persons": n_persons, "items": n_items, "results": results,
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
