"""The W3C SPARQL query-evaluation tests against a SPARQL endpoint or the CLI (tests/w3c.rs).

Runs every mf:QueryEvaluationTest of the SPARQL 1.0 suite (dawg-data-r2,
manifest-evaluation.ttl and its includes) and of the SPARQL 1.1 suite
(sparql11, manifest-all.ttl and its includes), as shipped in rdflib's source
distribution (scripts/install-test-deps.sh puts them in
$HOME/.cache/palermo/w3c, or $PALERMO_W3C_SUITES).

Not run: sparql11/service (federated queries need the network and remote
endpoints, qt:serviceData), sparql11/entailment (another entailment regime
than simple entailment), and any other test with qt:serviceData.

usage:
  w3c_sparql.py --endpoint URL [--token T] [--out F] [--failures F] [--only S]
      HTTP: every data file is PUT once into {URL}/store?graph=<its file: URL>
      (Graph Store Protocol), then every query is POSTed to {URL}/sparql
      with its dataset named by default-graph-uri / named-graph-uri.
  w3c_sparql.py --endpoint URL --virtuoso --user U --password P [...]
      Virtuoso 7.2 itself (see VIRTUOSO below): the same, through its own
      endpoints and as Palermo's client (src/remote) talks to it.
  w3c_sparql.py --cli PALERMO --data-dir DIR [--out F] [--failures F] [--only S]
      CLI: `PALERMO --data-dir DIR query --default-graph .. --named-graph ..`
      over the store an earlier HTTP run filled (nothing is uploaded).

VIRTUOSO. Virtuoso's default graph, when a request names none, is the
union of every graph, its ~2,500 system triples included, so every test's
data goes into a named graph (its file: URL, as above) and every query is
given its dataset, as the protocol allows: default-graph-uri (the test's
qt:data, or urn:x-w3c:empty when it has none) and named-graph-uri, or the
query's own FROM / FROM NAMED. That is how this runner gives every engine
its dataset, so Virtuoso runs exactly the requests Oxigraph does; where
Virtuoso still sees other graphs (GRAPH ?g ranges over every graph when
the dataset names none), that is its own difference and is counted.
Requests go where Palermo's client sends them: data by the Graph Store
Protocol to /sparql-graph-crud-auth (Digest auth), as N-Triples that rdflib
wrote from the file (Virtuoso's Turtle parser rewrites file:/// base IRIs
as file:/, which Palermo, parsing the data itself, would never send);
queries as a form POST to /sparql (a POST of application/sparql-query
hangs). Result sets are asked as SPARQL XML and graphs as N-Triples, as
src/remote asks for them, and a CSV or TSV test compares the XML answer's
terms as that format would show them: Palermo on Virtuoso writes CSV, TSV
and JSON itself from what the engine answers, so the engine's own writers
(its JSON writes true as "1"^^xsd:boolean) are not what is measured.

Test ids are the manifest's path relative to the suites' root, without
extension, '#' and the test's fragment: sparql11/aggregates/manifest#agg01.
--out gets the sorted ids that pass, one a line; --failures gets
"id<TAB>reason" for the others; stdout gets one summary line. Exits 0
unless the runner itself broke.
"""
import argparse
import collections
import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import rdflib

# Lexical forms are what the engine must return: "01"^^xsd:integer is not
# "1"^^xsd:integer, so rdflib must not rewrite them while parsing.
rdflib.NORMALIZE_LITERALS = False

from rdflib import RDF, BNode, Literal, Namespace, URIRef  # noqa: E402
from rdflib.collection import Collection  # noqa: E402
from rdflib.compare import isomorphic  # noqa: E402

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SRX = "{http://www.w3.org/2005/sparql-results#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EMPTY_GRAPH = "urn:x-w3c:empty"
XML_RESULTS = "application/sparql-results+xml"
TIMEOUT = 30
SUITES = [
    ("dawg-data-r2", "manifest-evaluation.ttl"),
    ("sparql11", "manifest-all.ttl"),
]
SKIPPED_DIRS = {"sparql11/service", "sparql11/entailment"}
RESULT_MEDIA = {
    "srx": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "application/n-triples",
    "rdf": "application/n-triples",
    "nt": "application/n-triples",
}
CLI_FORMAT = {
    "application/sparql-results+json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/n-triples": "ntriples",
}


class Failure(Exception):
    """A test that does not pass, with the reason."""


# ---------------------------------------------------------------- manifests


class Test:
    def __init__(self, tid, query, data, graph_data, result, lax):
        self.id = tid
        self.query = query  # Path
        self.data = data  # [Path]
        self.graph_data = graph_data  # [Path]
        self.result = result  # Path
        self.lax = lax  # mf:LaxCardinality: duplicates are not counted


def url_to_path(url):
    return Path(urllib.parse.unquote(urllib.parse.urlparse(str(url)).path))


def file_url(path):
    return Path(path).resolve().as_uri()


def read_manifest(path, root, tests, skipped):
    g = rdflib.Graph()
    g.parse(str(path), format="turtle", publicID=file_url(path))
    rel = path.relative_to(root)
    manifest_id = str(rel.with_suffix(""))
    for m in g.subjects(RDF.type, MF.Manifest):
        for inc in g.objects(m, MF.include):
            for f in Collection(g, inc):
                sub = url_to_path(f)
                if str(sub.parent.relative_to(root)) in SKIPPED_DIRS:
                    continue
                read_manifest(sub, root, tests, skipped)
        for entries in g.objects(m, MF.entries):
            for t in Collection(g, entries):
                if g.value(t, RDF.type) != MF.QueryEvaluationTest:
                    continue
                tid = f"{manifest_id}#{urllib.parse.urldefrag(str(t)).fragment}"
                action = g.value(t, MF.action)
                if g.value(action, QT.serviceData) is not None:
                    skipped.append(tid)
                    continue
                tests.append(
                    Test(
                        tid,
                        url_to_path(g.value(action, QT.query)),
                        sorted(url_to_path(d) for d in g.objects(action, QT.data)),
                        sorted(url_to_path(d) for d in g.objects(action, QT.graphData)),
                        url_to_path(g.value(t, MF.result)),
                        g.value(t, MF.resultCardinality) == MF.LaxCardinality,
                    )
                )


def load_tests(root):
    tests, skipped = [], []
    for suite, manifest in SUITES:
        read_manifest(root / suite / manifest, root, tests, skipped)
    ids = [t.id for t in tests]
    dup = [i for i, n in collections.Counter(ids).items() if n > 1]
    if dup:
        sys.exit(f"duplicate test ids: {dup}")
    return tests, skipped


# ------------------------------------------------------------ query lexing

TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<word>[A-Za-z_][\w\-.]*:?[\w\-.:%]*|:[\w\-.:%]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def tokens(text):
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, m.group()


def query_shape(text, base):
    """(FROM graph IRIs, FROM NAMED graph IRIs, ordered at top level)."""
    prefixes, froms, named = {}, [], []
    toks = list(tokens(text))
    depth, ordered = 0, False
    for i, (kind, tok) in enumerate(toks):
        up = tok.upper()
        if i and toks[i - 1][1] in "?$":
            continue  # a variable such as ?order or ?from
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif kind == "word" and up == "PREFIX" and i + 2 < len(toks) and toks[i + 2][0] == "iri":
            prefixes[toks[i + 1][1][:-1]] = toks[i + 2][1][1:-1]
        elif kind == "word" and up == "BASE" and i + 1 < len(toks):
            base = urllib.parse.urljoin(base, toks[i + 1][1][1:-1])
        elif kind == "word" and up == "ORDER" and depth == 0:
            if i + 1 < len(toks) and toks[i + 1][1].upper() == "BY":
                ordered = True
        elif kind == "word" and up == "FROM" and depth == 0 and i + 1 < len(toks):
            into, j = froms, i + 1
            if toks[j][1].upper() == "NAMED":
                into, j = named, j + 1
            k, t = toks[j]
            if k == "iri":
                into.append(urllib.parse.urljoin(base, t[1:-1]))
            elif ":" in t:
                p, local = t.split(":", 1)
                into.append(urllib.parse.urljoin(base, prefixes.get(p, "") + local))
    return froms, named, ordered


# ------------------------------------------------------------------- terms
# A term is a tuple: ("I", iri), ("B", label) or ("L", lexical, datatype,
# language). Plain literals and xsd:string are the same term (RDF 1.1), and
# language-tagged literals carry no datatype; tags compare case-insensitively.


def lit(lexical, datatype=None, lang=None):
    if lang:
        return ("L", lexical, "", lang.lower())
    if datatype in (None, "", XSD + "string", RDF_LANG_STRING):
        datatype = ""
    return ("L", lexical, datatype, "")


def from_rdflib(t):
    if isinstance(t, URIRef):
        return ("I", str(t))
    if isinstance(t, BNode):
        return ("B", str(t))
    if isinstance(t, Literal):
        return lit(str(t), str(t.datatype) if t.datatype else None, t.language)
    raise Failure(f"unexpected term {t!r}")


def show(t):
    if t[0] == "I":
        return f"<{t[1]}>"
    if t[0] == "B":
        return f"_:{t[1]}"
    if t[0] == "S":
        return repr(t[1])
    s = json.dumps(t[1], ensure_ascii=False)
    if t[3]:
        return f"{s}@{t[3]}"
    if t[2]:
        return f"{s}^^<{t[2]}>"
    return s


# --------------------------------------------------------- result parsing
# A parsed result is ("bool", b), ("rows", variables, [dict var->term]) or
# ("graph", rdflib.Graph).


def parse_json_results(text):
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise Failure(f"not JSON: {e}: {text[:200]!r}")
    if "boolean" in doc:
        return ("bool", bool(doc["boolean"]))
    variables = doc.get("head", {}).get("vars", [])
    rows = []
    for b in doc["results"]["bindings"]:
        row = {}
        for v, t in b.items():
            kind = t["type"]
            if kind == "uri":
                row[v] = ("I", t["value"])
            elif kind == "bnode":
                row[v] = ("B", t["value"])
            elif kind in ("literal", "typed-literal"):
                row[v] = lit(t["value"], t.get("datatype"), t.get("xml:lang"))
            else:
                raise Failure(f"unknown term type {kind} in JSON results")
        rows.append(row)
    return ("rows", variables, rows)


def parse_srx(path):
    root = ET.parse(path).getroot()
    boolean = root.find(f"{SRX}boolean")
    if boolean is not None:
        return ("bool", boolean.text.strip() == "true")
    variables = [v.get("name") for v in root.iter(f"{SRX}variable")]
    rows = []
    for r in root.iter(f"{SRX}result"):
        row = {}
        for b in r.findall(f"{SRX}binding"):
            (t,) = list(b)
            tag = t.tag[len(SRX):]
            text = t.text or ""
            if tag == "uri":
                row[b.get("name")] = ("I", text.strip())
            elif tag == "bnode":
                row[b.get("name")] = ("B", text.strip())
            elif tag == "literal":
                row[b.get("name")] = lit(text, t.get("datatype"), t.get(XML_LANG))
            else:
                raise Failure(f"{path}: unknown SRX term {tag}")
        rows.append(row)
    return ("rows", variables, rows)


def parse_graph(path, fmt):
    g = rdflib.Graph()
    g.parse(str(path), format=fmt, publicID=file_url(path))
    return g


def result_set_graph(g):
    """The DAWG result-set vocabulary (rs:ResultSet) as a parsed result."""
    rs = g.value(None, RDF.type, RS.ResultSet)
    if rs is None:
        return None
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return ("bool", str(boolean) == "true")
    variables = [str(v) for v in g.objects(rs, RS.resultVariable)]
    rows = []
    for s in g.objects(rs, RS.solution):
        row = {}
        for b in g.objects(s, RS.binding):
            row[str(g.value(b, RS.variable))] = from_rdflib(g.value(b, RS.value))
        index = g.value(s, RS["index"])  # RS.index is str.index
        rows.append((int(index) if index is not None else 0, row))
    rows.sort(key=lambda r: r[0])
    return ("rows", variables, [r for _, r in rows])


TSV_TERM = re.compile(
    r"""^(?:<(?P<iri>[^>]*)>
      |_:(?P<bnode>\S+)
      |"(?P<lex>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z0-9\-]+)|\^\^<(?P<dt>[^>]*)>)?
      |(?P<num>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
      |(?P<bool>true|false))$""",
    re.VERBOSE,
)
ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def unescape(s):
    def one(m):
        e = m.group(1)
        if e[0] in "uU":
            return chr(int(e[1:], 16))
        return ESCAPES.get(e, e)

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", one, s)


def tsv_term(cell):
    m = TSV_TERM.match(cell)
    if not m:
        raise Failure(f"bad TSV term {cell!r}")
    if m["iri"] is not None:
        return ("I", m["iri"])
    if m["bnode"] is not None:
        return ("B", m["bnode"])
    if m["lex"] is not None:
        return lit(unescape(m["lex"]), m["dt"], m["lang"])
    if m["num"] is not None:
        n = m["num"]
        dt = "double" if re.search("[eE]", n) else "decimal" if "." in n else "integer"
        return lit(n, XSD + dt)
    return lit(m["bool"], XSD + "boolean")


def parse_tsv(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if not lines:
        raise Failure("empty TSV")
    variables = [v[1:] if v[:1] in "?$" else v for v in lines[0].split("\t")] if lines[0] else []
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        row = {v: tsv_term(c) for v, c in zip(variables, cells) if c != ""}
        rows.append(row)
    return ("rows", variables, rows)


def parse_csv(text):
    # CSV keeps only lexical forms: compare strings, and _: labels as blank nodes.
    reader = list(csv.reader(io.StringIO(text, newline="")))
    if not reader:
        raise Failure("empty CSV")
    variables = reader[0]
    rows = []
    for cells in reader[1:]:
        row = {}
        for v, c in zip(variables, cells):
            if c != "":
                row[v] = ("B", c[2:]) if c.startswith("_:") else ("S", c)
        rows.append(row)
    return ("rows", variables, rows)


def parse_expected(path):
    ext = path.suffix[1:]
    if ext == "srx":
        return parse_srx(path)
    if ext == "srj":
        return parse_json_results(path.read_text(encoding="utf-8"))
    if ext == "tsv":
        return parse_tsv(path.read_text(encoding="utf-8"))
    if ext == "csv":
        return parse_csv(path.read_text(encoding="utf-8"))
    g = parse_graph(path, {"ttl": "turtle", "rdf": "xml", "nt": "nt"}[ext])
    return result_set_graph(g) or ("graph", g)


def parse_actual(media, body):
    if media == XML_RESULTS:
        try:
            return parse_srx(io.BytesIO(body))
        except ET.ParseError as e:
            raise Failure(f"not SPARQL XML: {e}: {body[:200]!r}")
    text = body.decode("utf-8")
    if media == "application/sparql-results+json":
        return parse_json_results(text)
    if media == "text/tab-separated-values":
        return parse_tsv(text)
    if media == "text/csv":
        return parse_csv(text)
    g = rdflib.Graph()
    try:
        g.parse(data=text, format="nt")
    except Exception as e:  # noqa: BLE001 - any parser error is the answer's fault
        raise Failure(f"answer is not N-Triples: {e}: {text[:200]!r}")
    return ("graph", g)


# -------------------------------------------------------------- comparing


def has_bnode(row):
    return any(t[0] == "B" for t in row.values())


def shape(row):
    """A row with its blank nodes blanked: rows that can match share it."""
    return frozenset((v, ("B",) if t[0] == "B" else t) for v, t in row.items())


def unify(e, a, e2a, a2e):
    """Extend the blank node bijection so that expected row e is actual row
    a; returns the pairs added (to undo), or None."""
    if e.keys() != a.keys():
        return None
    added = []
    for v, te in e.items():
        ta = a[v]
        if te[0] == "B" and ta[0] == "B":
            x, y = e2a.get(te[1]), a2e.get(ta[1])
            if x is None and y is None:
                e2a[te[1]], a2e[ta[1]] = ta[1], te[1]
                added.append((te[1], ta[1]))
            elif x == ta[1] and y == te[1]:
                continue
            else:
                undo(added, e2a, a2e)
                return None
        elif te != ta:
            undo(added, e2a, a2e)
            return None
    return added


def undo(added, e2a, a2e):
    for x, y in added:
        del e2a[x], a2e[y]


def fmt_row(row):
    return "{" + ", ".join(f"{v}={show(t)}" for v, t in sorted(row.items())) + "}"


def rows_differ(expected, actual, ordered, lax):
    """None when the row lists match, else why not."""
    if lax:
        # mf:LaxCardinality: the same distinct solutions, any multiplicity.
        expected = list({frozenset(r.items()): r for r in expected}.values())
        seen, distinct = set(), []
        for r in actual:
            key = frozenset(r.items())
            if key not in seen:
                seen.add(key)
                distinct.append(r)
        actual = distinct
    if len(expected) != len(actual):
        return f"{len(actual)} rows, expected {len(expected)}" + diff_hint(expected, actual)
    e2a, a2e = {}, {}
    if ordered:
        for i, (e, a) in enumerate(zip(expected, actual)):
            if unify(e, a, e2a, a2e) is None:
                return f"row {i}: {fmt_row(a)}, expected {fmt_row(e)}" + diff_hint(expected, actual)
        return None
    plain_e = collections.Counter(frozenset(r.items()) for r in expected if not has_bnode(r))
    plain_a = collections.Counter(frozenset(r.items()) for r in actual if not has_bnode(r))
    if plain_e != plain_a:
        return "rows differ" + diff_hint(expected, actual)
    todo = [r for r in expected if has_bnode(r)]
    pool = collections.defaultdict(list)
    for r in actual:
        if has_bnode(r):
            pool[shape(r)].append(r)
    todo.sort(key=lambda r: len(pool[shape(r)]))
    used = set()
    budget = [200_000]

    def search(i):
        if i == len(todo):
            return True
        budget[0] -= 1
        if budget[0] < 0:
            return False
        for a in pool[shape(todo[i])]:
            if id(a) in used:
                continue
            added = unify(todo[i], a, e2a, a2e)
            if added is None:
                continue
            used.add(id(a))
            if search(i + 1):
                return True
            used.discard(id(a))
            undo(added, e2a, a2e)
        return False

    if search(0):
        return None
    if budget[0] < 0:
        return "blank node matching gave up (too many candidates)"
    return "rows differ (blank nodes cannot be matched)" + diff_hint(expected, actual)


def diff_hint(expected, actual, n=3):
    e = collections.Counter(fmt_row(r) for r in expected)
    a = collections.Counter(fmt_row(r) for r in actual)
    missing = list((e - a).elements())[:n]
    extra = list((a - e).elements())[:n]
    out = ""
    if missing:
        out += "; missing " + " ".join(missing)
    if extra:
        out += "; unexpected " + " ".join(extra)
    return out


def canonical_graph(g):
    """The graph with its literals as terms: xsd:string dropped, language tags
    lower-cased, so that isomorphism is RDF 1.1 term equality."""
    out = rdflib.Graph()
    for s, p, o in g:
        if isinstance(o, Literal):
            if o.language:
                o = Literal(str(o), lang=o.language.lower())
            elif o.datatype is None or str(o.datatype) == XSD + "string":
                o = Literal(str(o))
            else:
                o = Literal(str(o), datatype=o.datatype)
        out.add((s, p, o))
    return out


def fmt_triple(t):
    return " ".join(x.n3() for x in t) + " ."


def as_text_rows(actual, ext):
    """A result set parsed from XML as a CSV or TSV answer would show it:
    CSV keeps lexical forms only; TSV keeps terms."""
    if actual[0] != "rows" or ext != "csv":
        return actual
    rows = [{v: t if t[0] == "B" else ("S", t[1]) for v, t in r.items()} for r in actual[2]]
    return ("rows", actual[1], rows)


def compare(expected, actual, ordered, lax):
    if expected[0] != actual[0]:
        raise Failure(f"answer is {actual[0]}, expected {expected[0]}")
    if expected[0] == "bool":
        if expected[1] != actual[1]:
            raise Failure(f"ASK answered {actual[1]}, expected {expected[1]}")
    elif expected[0] == "graph":
        e, a = canonical_graph(expected[1]), canonical_graph(actual[1])
        if not isomorphic(e, a):
            ne = {t for t in e if not any(isinstance(x, BNode) for x in t)}
            na = {t for t in a if not any(isinstance(x, BNode) for x in t)}
            hint = ""
            if ne - na:
                hint += "; missing " + " ".join(fmt_triple(t) for t in list(ne - na)[:3])
            if na - ne:
                hint += "; unexpected " + " ".join(fmt_triple(t) for t in list(na - ne)[:3])
            raise Failure(f"graph of {len(a)} triples not isomorphic to expected {len(e)}{hint}")
    else:
        why = rows_differ(expected[2], actual[2], ordered, lax)
        if why:
            raise Failure(why)


# ---------------------------------------------------------------- running


def data_body(path):
    """The file as the store should get it: relative IRIs resolved against
    the file's own URL."""
    url = file_url(path)
    if path.suffix == ".rdf":
        g = parse_graph(path, "xml")
        return g.serialize(format="nt", encoding="utf-8")
    return f"@base <{url}> .\n".encode("utf-8") + path.read_bytes()


class Http:
    """Palermo's endpoints, or Oxigraph server's (which also answers /sparql
    and /store)."""

    def __init__(self, endpoint, token):
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.opener = urllib.request.build_opener()

    def request(self, method, path, body, headers):
        headers = dict(headers)
        if self.token and method == "PUT":
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(
            self.endpoint + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=TIMEOUT) as r:
                return r.status, r.headers.get_content_type(), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get_content_type(), e.read()
        except (TimeoutError, OSError) as e:
            raise Failure(f"HTTP {method} {path}: {e}")

    def upload(self, path):
        url = file_url(path)
        status, _, body = self.request(
            "PUT",
            "/store?" + urllib.parse.urlencode({"graph": url}),
            data_body(path),
            {"Content-Type": "text/turtle" if path.suffix != ".rdf" else "application/n-triples"},
        )
        if not 200 <= status < 300:
            raise Failure(f"upload of {path.name}: HTTP {status}: {body[:300]!r}")

    def ask_for(self, media):
        """The media type to ask the endpoint for, given the test's."""
        return media

    def query(self, text, default, named, media):
        params = [("query", text)]
        params += [("default-graph-uri", g) for g in default]
        params += [("named-graph-uri", g) for g in named]
        status, ctype, body = self.request(
            "POST",
            "/sparql",
            urllib.parse.urlencode(params).encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": media},
        )
        if not 200 <= status < 300:
            raise Failure(f"HTTP {status}: {body[:300].decode('utf-8', 'replace')!r}")
        return body


def digest_opener(endpoint, user, password):
    """An opener that answers a Digest challenge from `endpoint` (and sends
    the body again: Virtuoso closes the connection with its challenge)."""
    if not (user and password):
        sys.exit("--virtuoso needs --user and --password")
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, endpoint, user, password)
    return urllib.request.build_opener(DigestAuth(passwords))


class DigestAuth(urllib.request.HTTPDigestAuthHandler):
    """urllib's handler counts its retries across requests and resets the
    count only when the retried request succeeds: after six error answers
    (a 500 is an answer here) it refuses every later challenge. Count per
    request instead."""

    def http_error_401(self, req, fp, code, msg, headers):
        try:
            return super().http_error_401(req, fp, code, msg, headers)
        finally:
            self.reset_retry_count()


class Virtuoso(Http):
    """Virtuoso 7.2 itself (VIRTUOSO in this docstring): /sparql for
    queries, Digest authentication on /sparql-auth and on the Graph Store
    at /sparql-graph-crud-auth."""

    GSP = "/sparql-graph-crud-auth"

    def __init__(self, endpoint, user, password):
        super().__init__(endpoint, None)
        self.opener = digest_opener(self.endpoint, user, password)

    def ask_for(self, media):
        return "application/n-triples" if media == "application/n-triples" else XML_RESULTS

    def put(self, graph, path):
        """PUT the file into `graph` as N-Triples (rdflib's); errors raise."""
        fmt = {".rdf": "xml", ".nt": "nt"}.get(path.suffix, "turtle")
        body = parse_graph(path, fmt).serialize(format="nt", encoding="utf-8")
        status, _, answer = self.request(
            "PUT", self.GSP + "?" + urllib.parse.urlencode({"graph": graph}), body,
            {"Content-Type": "application/n-triples"})
        if not 200 <= status < 300:
            raise Failure(f"upload of {path.name} into <{graph}>: HTTP {status}: {answer[:300]!r}")

    def upload(self, path):
        try:
            self.put(file_url(path), path)
        except Failure:
            raise
        except Exception as e:  # noqa: BLE001 - rdflib refusing the file fails its tests
            raise Failure(f"upload of {path.name}: {type(e).__name__}: {e}")


class Cli:
    def __init__(self, exe, data_dir):
        self.exe = exe
        self.data_dir = data_dir

    def ask_for(self, media):
        return media

    def query(self, text, default, named, media):
        args = [self.exe, "--data-dir", self.data_dir, "query", "--format", CLI_FORMAT[media]]
        for g in default:
            args += ["--default-graph", g]
        for g in named:
            args += ["--named-graph", g]
        args.append(text)
        try:
            p = subprocess.run(args, capture_output=True, timeout=TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            raise Failure("CLI timed out")
        if p.returncode != 0:
            raise Failure(f"CLI exit {p.returncode}: {p.stderr[:300].decode('utf-8', 'replace')!r}")
        return p.stdout


def run_test(t, runner, failed_uploads):
    text = t.query.read_text(encoding="utf-8")
    query_url = file_url(t.query)
    froms, named_froms, ordered = query_shape(text, query_url)
    expected = parse_expected(t.result)
    ext = t.result.suffix[1:]
    media = RESULT_MEDIA[ext]
    if expected[0] != "graph" and media == "application/n-triples":
        # A result set written in the DAWG rs: vocabulary: the query is a
        # SELECT or ASK, so ask for a result set.
        media = "application/sparql-results+json"
    for f in t.data + t.graph_data + [url_to_path(u) for u in froms + named_froms]:
        if f in failed_uploads:
            raise Failure(failed_uploads[f])
    if froms or named_froms:
        default, named = [], []
    else:
        default = [file_url(d) for d in t.data]
        named = [file_url(d) for d in t.graph_data]
        if not default and not named:
            default = [EMPTY_GRAPH]
    asked = runner.ask_for(media)
    body = runner.query(f"BASE <{query_url}>\n{text}", default, named, asked)
    actual = parse_actual(asked, body)
    if asked != media:
        actual = as_text_rows(actual, ext)
    compare(expected, actual, ordered, t.lax)


def data_files(tests):
    files = set()
    for t in tests:
        files.update(t.data)
        files.update(t.graph_data)
        froms, named, _ = query_shape(t.query.read_text(encoding="utf-8"), file_url(t.query))
        # Only the suite's own files; a FROM of another IRI names no graph we hold.
        local = [url_to_path(u) for u in froms + named if u.startswith("file:")]
        files.update(p for p in local if p.is_file())
    return sorted(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint")
    ap.add_argument("--token")
    ap.add_argument("--virtuoso", action="store_true",
                    help="the endpoint is Virtuoso itself (give --user, --password)")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--cli")
    ap.add_argument("--data-dir")
    ap.add_argument("--suites", default=os.environ.get(
        "PALERMO_W3C_SUITES", os.path.expanduser("~/.cache/palermo/w3c")))
    ap.add_argument("--out")
    ap.add_argument("--failures")
    ap.add_argument("--only", help="run only the tests whose id contains this")
    args = ap.parse_args()
    root = Path(args.suites).resolve()
    for suite, manifest in SUITES:
        if not (root / suite / manifest).is_file():
            sys.exit(f"{root / suite / manifest} is missing: run scripts/install-test-deps.sh")
    tests, skipped = load_tests(root)
    if args.only:
        tests = [t for t in tests if args.only in t.id]

    failed_uploads = {}
    if args.cli:
        if not args.data_dir:
            sys.exit("--cli needs --data-dir")
        runner = Cli(args.cli, args.data_dir)
    elif args.endpoint:
        if args.virtuoso:
            runner = Virtuoso(args.endpoint, args.user, args.password)
        else:
            runner = Http(args.endpoint, args.token)
        # Nothing listening is the harness's fault, not a thousand failures.
        u = urllib.parse.urlparse(args.endpoint)
        try:
            socket.create_connection((u.hostname, u.port or 80), timeout=TIMEOUT).close()
        except OSError as e:
            sys.exit(f"cannot reach {args.endpoint}: {e}")
        for f in data_files(tests):
            try:
                runner.upload(f)
            except Failure as e:
                failed_uploads[f] = str(e)
    else:
        sys.exit("give --endpoint URL or --cli PALERMO --data-dir DIR")

    passed, failures = [], {}
    for t in tests:
        try:
            run_test(t, runner, failed_uploads)
            passed.append(t.id)
        except Failure as e:
            failures[t.id] = str(e)
        except Exception as e:  # noqa: BLE001 - a broken test file is that test's failure
            failures[t.id] = f"runner error: {type(e).__name__}: {e}"
    passed.sort()
    if args.out:
        Path(args.out).write_text("".join(f"{i}\n" for i in passed))
    if args.failures:
        Path(args.failures).write_text(
            "".join(f"{i}\t{' '.join(r.split())}\n" for i, r in sorted(failures.items())))
    mode = f"cli {args.cli}" if args.cli else args.endpoint
    extra = f" ({len(skipped)} with qt:serviceData skipped)" if skipped else ""
    print(f"w3c sparql via {mode}: passed {len(passed)}, failed {len(failures)}, "
          f"total {len(tests)}{extra}")


if __name__ == "__main__":
    main()
