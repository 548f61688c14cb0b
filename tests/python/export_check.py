"""Read our citation exports with independent parsers and compare with the records.

usage: export_check.py FORMAT EXPORT_FILE EXPECTED_JSON [CSL_SCHEMA]

FORMAT is bibtex (read with bibtexparser 2, LaTeX decoded by pylatexenc),
ris (rispy) or csljson (validated with jsonschema against the CSL-JSON
schema, then read). EXPECTED_JSON maps each record's landing-page URL to
{"title", "year", "authors", "bibtex_type", "ris_type", "csl_type"}, as
tests/export_parsers.rs writes it from the records the store holds.

Prints one line per disagreement and exits 1 if there is any; a missing
parser is an ImportError, so the calling test fails instead of skipping.
"""

import json
import sys
import unicodedata

from checks import finish


def norm(text):
    """Whitespace collapsed, NFC: what both sides agree a title is."""
    text = unicodedata.normalize("NFC", text or "")
    # pylatexenc decodes \textasciicircum to U+02C6 (the modifier letter),
    # not to the ASCII circumflex the command names.
    text = text.replace("\u02c6", "^")
    return " ".join(text.split())


def first_year(value):
    digits = "".join(c if c.isdigit() else " " for c in str(value or "")).split()
    years = [d for d in digits if len(d) == 4]
    return int(years[0]) if years else None


def compare(problems, where, expected, title, year, authors, kind, kind_key):
    if norm(title) != norm(expected["title"]):
        problems.append(f"{where}: title {title!r} != {expected['title']!r}")
    if year != expected["year"]:
        problems.append(f"{where}: year {year!r} != {expected['year']!r}")
    if authors != expected["authors"]:
        problems.append(f"{where}: {authors} authors != {expected['authors']}")
    if kind != expected[kind_key]:
        problems.append(f"{where}: type {kind!r} != {expected[kind_key]!r}")


def check_bibtex(text, expected, problems):
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors

    # Co-authors are split before LaTeX is decoded: decoding drops the
    # braces that keep an organisation ("{Office on Drugs and Crime}") whole.
    library = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), LatexDecodingMiddleware()]
    )
    for block in library.failed_blocks:
        problems.append(f"bibtexparser could not parse: {block.raw[:120]!r}")
    seen = []
    for entry in library.entries:
        fields = entry.fields_dict
        url = fields["url"].value if "url" in fields else None
        if url not in expected:
            problems.append(f"{entry.key}: unexpected url {url!r}")
            continue
        seen.append(url)
        authors = fields["author"].value if "author" in fields else []
        compare(
            problems,
            entry.key,
            expected[url],
            fields["title"].value if "title" in fields else None,
            first_year(fields["year"].value) if "year" in fields else None,
            len(authors),
            entry.entry_type.lower(),
            "bibtex_type",
        )
    return seen


def check_ris(text, expected, problems):
    import rispy

    seen = []
    for entry in rispy.loads(text):
        urls = entry.get("urls") or []
        url = urls[0] if urls else None
        if url not in expected:
            problems.append(f"{entry.get('id')}: unexpected url {url!r}")
            continue
        seen.append(url)
        compare(
            problems,
            entry.get("id"),
            expected[url],
            entry.get("title") or entry.get("primary_title"),
            first_year(entry.get("year")),
            # A recording's performers (A2) are its authors (Zotero's reading).
            len(entry.get("authors") or [])
            + (len(entry.get("secondary_authors") or []) if entry.get("type_of_reference") == "SOUND" else 0),
            entry.get("type_of_reference"),
            "ris_type",
        )
    return seen


def check_csljson(text, expected, problems, schema_path):
    import jsonschema

    items = json.loads(text)
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft7Validator(schema)
    for error in validator.iter_errors(items):
        path = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"schema: {path}: {error.message}")
    seen = []
    for item in items:
        url = item.get("URL")
        if url not in expected:
            problems.append(f"{item.get('id')}: unexpected URL {url!r}")
            continue
        seen.append(url)
        issued = (item.get("issued") or {}).get("date-parts") or [[None]]
        compare(
            problems,
            item.get("id"),
            expected[url],
            item.get("title"),
            first_year(issued[0][0]),
            len(item.get("author") or []),
            item.get("type"),
            "csl_type",
        )
    return seen


def main():
    fmt, export_path, expected_path = sys.argv[1:4]
    with open(export_path, encoding="utf-8", newline="") as f:
        text = f.read()
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)
    problems = []
    if fmt == "bibtex":
        seen = check_bibtex(text, expected, problems)
    elif fmt == "ris":
        seen = check_ris(text, expected, problems)
    elif fmt == "csljson":
        seen = check_csljson(text, expected, problems, sys.argv[4])
    else:
        sys.exit(f"unknown format {fmt}")
    missing = set(expected) - set(seen)
    for url in sorted(missing):
        problems.append(f"{url}: not read back")
    if len(seen) != len(set(seen)):
        problems.append("some records were read twice")
    finish(problems, f"{fmt}: {len(seen)} entries read, {len(problems)} problems")


if __name__ == "__main__":
    main()
