#!/usr/bin/env python3
"""Summarises a schemathesis NDJSON report (scripts/schemathesis): requests sent, operations
reached, and the operations that only ever answered a refusal of the caller (401, 403, or a
303 to the sign-in page), whose handlers the run therefore never exercised; and those that
only ever answered 404 (besides 400 or 415 for input that did not parse), for which the run
had no existing id.

    schemathesis-statuses.py REPORT.ndjson OPENAPI.json
"""

import json
import re
import sys
from collections import defaultdict
from urllib.parse import urlsplit

REFUSALS = {401, 403}


def interactions(value):
    """Every (method, url, status, location) recorded anywhere in an event."""
    if isinstance(value, dict):
        request, response = value.get("request"), value.get("response")
        if isinstance(request, dict) and isinstance(response, dict) and "status_code" in response:
            headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
            location = headers.get("location", "")
            if isinstance(location, list):
                location = location[0] if location else ""
            yield (
                request.get("method", "?"),
                request.get("uri") or request.get("url", ""),
                response["status_code"],
                location,
            )
        for v in value.values():
            yield from interactions(v)
    elif isinstance(value, list):
        for v in value:
            yield from interactions(v)


def main():
    templates = []
    statuses = defaultdict(lambda: defaultdict(int))
    seen = set()
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            for method, url, status, location in interactions(event):
                key = (method, url, status, location, id(event))
                if key in seen:
                    continue
                seen.add(key)
                path = urlsplit(url).path
                if location.startswith("/dang-nhap") and status == 303:
                    status = "303→sign-in"
                statuses[(method, path)][status] += 1
    # Each concrete path to its operation in the document (the NDJSON names generated URLs).
    with open(sys.argv[2], encoding="utf-8") as f:
        paths = json.load(f)["paths"]
    shapes = []
    for template, item in paths.items():
        # A parameter is one segment; the catch-all `{path}` of the content files, several.
        pattern = re.escape(template).replace(r"\{path\}", ".+")
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", pattern)
        methods = {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete")}
        shapes.append((re.compile(f"^{pattern}$"), template, methods))
    operations = defaultdict(lambda: defaultdict(int))
    for (method, path), counts in statuses.items():
        template = next(
            (t for rx, t, ms in shapes if method in ms and rx.match(path)), path + " (undocumented)"
        )
        for status, n in counts.items():
            operations[(method, template)][status] += n
    requests = sum(sum(c.values()) for c in operations.values())
    refused = [
        op
        for op, counts in operations.items()
        if all(s in REFUSALS or s == "303→sign-in" for s in counts)
    ]
    print(f"   {requests} requests; {len(operations)} operations reached; "
          f"{len(refused)} answered only 401/403/303-to-sign-in")
    for method, template in sorted(refused):
        counts = operations[(method, template)]
        print(f"     refused only: {method} {template} {dict(counts)}")
    # Never past "no such thing": a 404 for every id tried (and 400 or 415 for input that did
    # not parse): the run had no id of theirs that exists.
    unknown = [
        op
        for op, counts in operations.items()
        if 404 in counts and all(s in (400, 404, 415) for s in counts)
    ]
    print(f"   {len(unknown)} answered only 404 (or 400/415): no id of theirs was found")
    for method, template in sorted(unknown):
        counts = operations[(method, template)]
        print(f"     not found only: {method} {template} {dict(counts)}")

if __name__ == "__main__":
    main()
