#!/usr/bin/env python3
"""Calibrates a mixed dichotomous / partial-credit data set with girth, for
`irt-bench --gpcm` (parameter recovery of binhdan-irt's GPCM).

Input: a long-format CSV written by irt-bench, header `person,item,score`,
0-based indices, scores 0..m per item. Unanswered (person, item) cells are
girth's INVALID_RESPONSE (-99999).

girth 0.8's `pcm_mml` is a *generalized* partial credit model: per item a
discrimination `a` (bounded to [0.25, 4]) and thresholds `b_1..b_m`, with
P(score = c | theta) proportional to exp(sum_{v <= c} a (theta - b_v)),
logistic metric without the 1.7 constant, abilities N(0, 1) on 41 points
over [-4.5, 4.5]. That is binhdan-irt's GPCM parameterisation exactly, and
a dichotomous item is the case m = 1 (the 2PL), so the whole mixed matrix
is calibrated in one call. girth recodes each item's *observed* distinct
scores to 0..k-1 (`condition_polytomous_response`), so an item with an
unobserved middle category would lose a step: such items are listed in
`collapsed` and their steps are not comparable.

Output (stdout): one JSON object
    {"girth_version", "function", "options", "seconds", "persons", "items",
     "a": [...], "steps": [[...], ...], "ability": [...], "collapsed": [...]}
Only the calibration call is timed. Exit status 3 if girth cannot be imported.

Usage: python3 girth_recovery.py RESPONSES.csv [--max-iteration N]
"""
import argparse
import csv
import json
import math
import sys
import time

try:
    import numpy as np
    import girth
    from girth.utilities import INVALID_RESPONSE
except ImportError as err:  # pragma: no cover - depends on the machine
    print(f"girth is not importable ({err}); install it with "
          "`python3 -m pip install girth==0.8.0`", file=sys.stderr)
    sys.exit(3)


def read_matrix(path):
    """Long CSV -> (items x persons int matrix with INVALID_RESPONSE holes)."""
    persons, items, scores = [], [], []
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        if header != ["person", "item", "score"]:
            raise SystemExit(f"unexpected header {header!r}")
        for row in reader:
            persons.append(int(row[0]))
            items.append(int(row[1]))
            scores.append(int(row[2]))
    persons = np.asarray(persons)
    items = np.asarray(items)
    data = np.full((int(items.max()) + 1, int(persons.max()) + 1),
                   INVALID_RESPONSE, dtype=int)
    data[items, persons] = np.asarray(scores)
    return data


def girth_version():
    try:
        from importlib.metadata import version
        return version("girth")
    except Exception:  # noqa: BLE001 - informative only
        return "unknown"


def finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv")
    parser.add_argument("--max-iteration", type=int, default=25,
                        help="girth's EM cycles (its default is 25)")
    args = parser.parse_args()

    data = read_matrix(args.csv)
    n_items, n_persons = data.shape
    valid = data != INVALID_RESPONSE
    # girth subtracts the global minimum score and recodes each item's
    # observed scores to 0..k-1; our scores start at 0, so the recoding is
    # the identity exactly when every category 0..max was observed.
    collapsed = []
    for i in range(n_items):
        observed = np.unique(data[i][valid[i]])
        if observed.size == 0 or observed.size != observed.max() + 1:
            collapsed.append(i)

    options = {"max_iteration": args.max_iteration}
    start = time.perf_counter()
    result = girth.pcm_mml(data, options)
    seconds = time.perf_counter() - start

    steps = []
    for i, row in enumerate(result["Difficulty"]):
        m = int(data[i][valid[i]].max()) if valid[i].any() else 0
        steps.append([finite_or_none(b) for b in row[:m]])
    report = {
        "girth_version": girth_version(),
        "function": "girth.pcm_mml",
        "options": options,
        "seconds": seconds,
        "persons": int(n_persons),
        "items": int(n_items),
        "a": [finite_or_none(a) for a in result["Discrimination"]],
        "steps": steps,
        "ability": [finite_or_none(t) for t in result["Ability"]],
        "collapsed": collapsed,
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
