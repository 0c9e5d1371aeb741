#!/usr/bin/env python3
"""Checks Vitrine's IIIF Presentation 3.0 documents against the IIIF JSON Schema (draft-07,
../shared/schemas/iiif/presentation-3.json): the manifest of the object OBJECT_ID and
every department collection. Exit code 1 on any error, naming where it is.

  iiif_schema.py BASE_URL OBJECT_ID
"""
import json, os, sys, urllib.request

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "..", "shared", "schemas", "iiif", "presentation-3.json")


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def main():
    base, object_id = sys.argv[1], sys.argv[2]
    with open(SCHEMA) as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    docs = {f"manifest of {object_id}": get(f"{base}/iiif/3/manifest/{object_id}")}
    for dept in ("top", "history", "fine_arts", "natural_history"):
        docs[f"collection {dept}"] = get(f"{base}/iiif/3/collection/{dept}")
    failures = 0
    for name, doc in docs.items():
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors[:20]:
            print(f"{name}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}")
        failures += len(errors)
        print(f"{name}: {'valid' if not errors else f'{len(errors)} schema errors'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
