"""The W3C SPARQL 1.1 Update evaluation tests against an endpoint (tests/w3c.rs).

Runs every mf:UpdateEvaluationTest of the SPARQL 1.1 suite (sparql11,
manifest-all.ttl and its includes), from the same copy as w3c_sparql.py.
Each test, over HTTP only:

  1. reset: CLEAR DEFAULT and DROP every named graph but the endpoint's own
     (--own-graphs), in one update;
  2. load the initial dataset (ut:data into the default graph, each
     ut:graphData into the graph its rdfs:label names) with the Graph Store
     Protocol: PUT {URL}/store?default and ?graph=IRI;
  3. POST the request (ut:request, with BASE its file's URL, as the query
     runner does) to {URL}{--update-path}; it must answer 2xx;
  4. read the dataset back: GET {URL}/store?default, and ?graph=IRI for every
     graph `SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }` lists on
     {URL}/sparql, but the endpoint's own;
  5. compare it with the expected dataset (mf:result's ut:data and
     ut:graphData): isomorphic as a whole, so that one blank node in two
     graphs must be one node in both, with literals compared as RDF 1.1 terms.

What is compared, and why: the default graph and the named graphs that are
not the endpoint's own. Palermo keeps graphs of its own in the same store
(under its base IRI: graph/meta, which every write stamps and appends to the
change feed, graph/vocab, graph/ontology and the shipped catalogue's), and
the W3C tests name no graph there, so `--own-graphs BASE` leaves them out
of the reset and of the comparison; plain Oxigraph has none. Empty named
graphs are not compared: the expected results cannot express them (and
Oxigraph's own harness ignores them too).

Tests whose request names ALL or NAMED graphs drop the endpoint's own graphs
as well, so they run last: every other test runs beside Palermo's catalogue
and own graphs.

VIRTUOSO (--virtuoso --user U --password P): Virtuoso 7.2 itself, through
the endpoints Palermo's client (src/remote) uses: updates as a form POST to
/sparql-auth, the Graph Store at /sparql-graph-crud-auth, both with Digest
authentication, data sent as N-Triples that rdflib wrote (as in
w3c_sparql.py). Virtuoso has no default graph of its own: without a
dataset it reads the union of every graph, its ~2,500 system triples
included, and an update that names no graph needs one. So one named graph,
urn:x-w3c:update-default, stands for the default graph: the test's ut:data
is loaded into it, and it is read back as the default graph. Every update
that gives no dataset of its own (no USING, no WITH: the protocol forbids
both) gets the dataset a store with a real default graph would have: the
stand-in as using-graph-uri, which Virtuoso takes as both the graph the
update writes to and the one its WHERE reads, and the test's named graphs
(ut:graphData) as using-named-graph-uri, since a dataset that names a
default graph and no named graph has none (Virtuoso holds to that in an
update's WHERE; default-graph-uri instead of using-graph-uri does the same). Virtuoso takes a request's own
USING graph as the graph its template writes to as well, so a test with
USING and a template without GRAPH fails there: its own difference. The graphs Virtuoso holds
before the first test (virtrdf#, ldp#, its /sparql graph) are its own, and
are left alone like Palermo's. Where Virtuoso still lets an update see them,
or the stand-in as a named graph (GRAPH ?g, NAMED, ALL), that is its own
difference and is counted.

usage:
  w3c_sparql_update.py --endpoint URL [--update-path P] [--token T]
      [--own-graphs PREFIX] [--out F] [--failures F] [--only S]
  w3c_sparql_update.py --endpoint URL --virtuoso --user U --password P [...]

Test ids, --out, --failures and stdout are as in w3c_sparql.py. Exits 0
unless the runner itself broke.
"""
import argparse
import os
import re
import socket
import sys
import urllib.parse
from pathlib import Path

import rdflib
from rdflib import RDF, RDFS, BNode, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic

import w3c_sparql as w3c
from w3c_sparql import Failure, file_url, url_to_path

MF = w3c.MF
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SUITE = ("sparql11", "manifest-all.ttl")
# The whole store: every graph, and the default graph's triples, in any update.
TOUCHES_EVERY_GRAPH = re.compile(r"\b(ALL|NAMED)\b", re.IGNORECASE)
# The graph part of an encoded predicate (see `encode`).
DEFAULT = "urn:x-w3c:default-graph"
# An update that gives its own dataset for WHERE (or its target).
OWN_DATASET = re.compile(r"\b(USING|WITH)\b", re.IGNORECASE)
# On Virtuoso, the graph that stands for the default graph (see VIRTUOSO).
STAND_IN = "urn:x-w3c:update-default"


class Test:
    def __init__(self, tid, request, before, after):
        self.id = tid
        self.request = request  # Path
        self.before = before  # [(graph IRI or None, Path)]
        self.after = after  # [(graph IRI or None, Path)]


def graph_files(g, node):
    """ut:data and ut:graphData of an action or result: (graph, file) pairs,
    None for the default graph."""
    files = [(None, url_to_path(d)) for d in g.objects(node, UT.data)]
    for gd in g.objects(node, UT.graphData):
        name = g.value(gd, RDFS.label)
        files.append((str(name), url_to_path(g.value(gd, UT.graph))))
    return sorted(files, key=lambda f: (f[0] or "", str(f[1])))


def read_manifest(path, root, tests):
    g = rdflib.Graph()
    g.parse(str(path), format="turtle", publicID=file_url(path))
    manifest_id = str(path.relative_to(root).with_suffix(""))
    for m in g.subjects(RDF.type, MF.Manifest):
        for inc in g.objects(m, MF.include):
            for f in Collection(g, inc):
                sub = url_to_path(f)
                if str(sub.parent.relative_to(root)) in w3c.SKIPPED_DIRS:
                    continue
                read_manifest(sub, root, tests)
        for entries in g.objects(m, MF.entries):
            for t in Collection(g, entries):
                if g.value(t, RDF.type) != MF.UpdateEvaluationTest:
                    continue
                tid = f"{manifest_id}#{urllib.parse.urldefrag(str(t)).fragment}"
                action, result = g.value(t, MF.action), g.value(t, MF.result)
                tests.append(Test(
                    tid,
                    url_to_path(g.value(action, UT.request)),
                    graph_files(g, action),
                    graph_files(g, result),
                ))


def load_tests(root):
    tests = []
    read_manifest(root / SUITE[0] / SUITE[1], root, tests)
    ids = [t.id for t in tests]
    if len(set(ids)) != len(ids):
        sys.exit(f"duplicate test ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    # Stable: manifest order, but the tests that drop every graph last.
    tests.sort(key=lambda t: bool(TOUCHES_EVERY_GRAPH.search(request_text(t))))
    return tests


def request_text(t):
    text = t.request.read_text(encoding="utf-8")
    return re.sub(r"#[^\n]*", "", text)  # ALL in a comment is no ALL


# -------------------------------------------------------------- comparing


def encode(dataset):
    """A dataset [(graph IRI or None, rdflib.Graph)] as one graph whose
    predicates also name the graph: isomorphism of these is isomorphism of
    the datasets (graph names are IRIs here), with a blank node shared by
    two graphs matched as one."""
    out = rdflib.Graph()
    for name, g in dataset:
        for s, p, o in w3c.canonical_graph(g):
            gp = URIRef(f"urn:x-w3c:in:{urllib.parse.quote(name or DEFAULT, safe='')}:{p}")
            out.add((s, gp, o))
    return out


def show(dataset):
    lines = []
    for name, g in dataset:
        for t in g:
            if not any(isinstance(x, BNode) for x in t):
                lines.append(f"{w3c.fmt_triple(t)[:-2]} <{name or 'default'}> .")
    return set(lines)


def compare(expected, actual):
    e, a = encode(expected), encode(actual)
    if isomorphic(e, a):
        return
    ne, na = show(expected), show(actual)
    hint = ""
    if ne - na:
        hint += "; missing " + " ".join(sorted(ne - na)[:3])
    if na - ne:
        hint += "; unexpected " + " ".join(sorted(na - ne)[:3])
    raise Failure(f"dataset of {len(a)} quads not isomorphic to expected {len(e)}{hint}")


def parse_file(path):
    g = rdflib.Graph()
    fmt = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml"}[path.suffix]
    g.parse(str(path), format=fmt, publicID=file_url(path))
    return g


def expected_dataset(files):
    """Each file parsed alone: its blank nodes are its own."""
    merged = {}
    for name, path in files:
        g = merged.setdefault(name, rdflib.Graph())
        for t in parse_file(path):
            g.add(t)
    return sorted(merged.items(), key=lambda kv: kv[0] or "")


# ---------------------------------------------------------------- running


class Endpoint(w3c.Http):
    def __init__(self, endpoint, token, update_path, own_prefix):
        super().__init__(endpoint, token)
        self.update_path = update_path
        self.own_prefix = own_prefix

    def request(self, method, path, body, headers):
        headers = dict(headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return super().request(method, path, body, headers)

    def own(self, graph):
        return bool(self.own_prefix) and graph.startswith(self.own_prefix)

    def update(self, text, what):
        status, _, body = self.request(
            "POST", self.update_path, text.encode("utf-8"),
            {"Content-Type": "application/sparql-update"})
        if not 200 <= status < 300:
            raise Failure(f"{what}: HTTP {status}: {body[:300].decode('utf-8', 'replace')!r}")

    def graphs(self, pattern):
        """The named graphs `GRAPH ?g { pattern }` matches, but our own."""
        body = self.query(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}",
            [], [], "application/sparql-results+json")
        _, _, rows = w3c.parse_json_results(body.decode("utf-8"))
        return sorted(r["g"][1] for r in rows if not self.own(r["g"][1]))

    def reset(self):
        # GRAPH ?g {} also lists empty graphs, which CREATE would trip on.
        drops = [f"DROP GRAPH <{g}>" for g in self.graphs("")]
        self.update(" ;\n".join(["CLEAR DEFAULT"] + drops), "reset")

    def put(self, name, path):
        target = "default" if name is None else urllib.parse.urlencode({"graph": name})
        ctype = "application/n-triples" if path.suffix == ".rdf" else "text/turtle"
        status, _, body = self.request("PUT", f"/store?{target}", w3c.data_body(path),
                                       {"Content-Type": ctype})
        if not 200 <= status < 300:
            raise Failure(f"upload of {path.name} into {name or 'the default graph'}: "
                          f"HTTP {status}: {body[:300]!r}")

    def read(self, name):
        target = "default" if name is None else urllib.parse.urlencode({"graph": name})
        status, _, body = self.request("GET", f"/store?{target}", None,
                                       {"Accept": "application/n-triples"})
        if status != 200:
            raise Failure(f"reading {name or 'the default graph'}: HTTP {status}")
        g = rdflib.Graph()
        g.parse(data=body.decode("utf-8"), format="nt")
        return g

    def dataset(self):
        """The default graph and every non-empty named graph but our own, in
        one N-Triples document per graph. The stores label a blank node by
        its stored id, so labels agree across the documents."""
        by_label = {}

        def relabel(g):
            out = rdflib.Graph()
            for t in g:
                out.add(tuple(by_label.setdefault(str(x), BNode()) if isinstance(x, BNode)
                              else x for x in t))
            return out

        out = [(None, relabel(self.read(None)))]
        for name in self.graphs("?s ?p ?o"):
            out.append((name, relabel(self.read(name))))
        return [(n, g) for n, g in out if len(g)]


class VirtuosoEndpoint(Endpoint):
    """Virtuoso 7.2 itself (VIRTUOSO in this docstring)."""

    def __init__(self, endpoint, user, password):
        super().__init__(endpoint, None, "/sparql-auth", None)
        self.opener = w3c.digest_opener(self.endpoint, user, password)
        self.system = set()
        # The test's named graphs before its update (see `update`).
        self.named = []

    def own(self, graph):
        return graph in self.system or graph == STAND_IN

    def graphs(self, pattern):
        # Virtuoso keeps no empty graph: GRAPH ?g {} matches nothing.
        return super().graphs("?s ?p ?o")

    def update(self, text, what):
        params = [("update", text)]
        if not OWN_DATASET.search(re.sub(r"#[^\n]*", "", text)):
            params.append(("using-graph-uri", STAND_IN))
            params += [("using-named-graph-uri", g) for g in self.named]
        form = urllib.parse.urlencode(params)
        status, _, body = self.request(
            "POST", self.update_path, form.encode("utf-8"),
            {"Content-Type": "application/x-www-form-urlencoded"})
        if not 200 <= status < 300:
            raise Failure(f"{what}: HTTP {status}: {body[:300].decode('utf-8', 'replace')!r}")

    def reset(self, names=()):
        # DROP SILENT also the test's own graph names: CREATE GRAPH records
        # a graph that holds nothing, and a second CREATE of it fails.
        drops = sorted(set(self.graphs("")) | {n for n in names if not self.own(n)})
        ops = [f"CLEAR SILENT GRAPH <{STAND_IN}>"] + [f"DROP SILENT GRAPH <{g}>" for g in drops]
        self.update(" ;\n".join(ops), "reset")

    def target(self, name):
        return w3c.Virtuoso.GSP + "?" + urllib.parse.urlencode({"graph": name or STAND_IN})

    def put(self, name, path):
        body = parse_file(path).serialize(format="nt", encoding="utf-8")
        status, _, answer = self.request("PUT", self.target(name), body,
                                         {"Content-Type": "application/n-triples"})
        if not 200 <= status < 300:
            raise Failure(f"upload of {path.name} into {name or 'the default graph'}: "
                          f"HTTP {status}: {answer[:300]!r}")

    def read(self, name):
        status, _, body = self.request("GET", self.target(name), None,
                                       {"Accept": "application/n-triples"})
        if status == 404:  # a graph that holds nothing does not exist
            return rdflib.Graph()
        if status != 200:
            raise Failure(f"reading {name or 'the default graph'}: HTTP {status}")
        g = rdflib.Graph()
        g.parse(data=body.decode("utf-8"), format="nt")
        return g


def run_test(t, endpoint):
    if isinstance(endpoint, VirtuosoEndpoint):
        endpoint.reset([n for n, _ in t.before + t.after if n])
        endpoint.named = sorted({n for n, _ in t.before if n})
    else:
        endpoint.reset()
    for name, path in t.before:
        endpoint.put(name, path)
    text = t.request.read_text(encoding="utf-8")
    endpoint.update(f"BASE <{file_url(t.request)}>\n{text}", "the update")
    expected = [(n, g) for n, g in expected_dataset(t.after) if len(g)]
    compare(expected, endpoint.dataset())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--update-path", default="/sparql/update")
    ap.add_argument("--token")
    ap.add_argument("--own-graphs", help="IRI prefix of the endpoint's own graphs")
    ap.add_argument("--virtuoso", action="store_true",
                    help="the endpoint is Virtuoso itself (give --user, --password)")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--suites", default=os.environ.get(
        "PALERMO_W3C_SUITES", os.path.expanduser("~/.cache/palermo/w3c")))
    ap.add_argument("--out")
    ap.add_argument("--failures")
    ap.add_argument("--only", help="run only the tests whose id contains this")
    args = ap.parse_args()
    root = Path(args.suites).resolve()
    if not (root / SUITE[0] / SUITE[1]).is_file():
        sys.exit(f"{root / SUITE[0] / SUITE[1]} is missing: run scripts/install-test-deps.sh")
    tests = load_tests(root)
    if args.only:
        tests = [t for t in tests if args.only in t.id]
    if args.virtuoso:
        endpoint = VirtuosoEndpoint(args.endpoint, args.user, args.password)
    else:
        endpoint = Endpoint(args.endpoint, args.token, args.update_path, args.own_graphs)
    u = urllib.parse.urlparse(args.endpoint)
    try:
        socket.create_connection((u.hostname, u.port or 80), timeout=w3c.TIMEOUT).close()
    except OSError as e:
        sys.exit(f"cannot reach {args.endpoint}: {e}")
    if args.virtuoso:
        # Virtuoso's own graphs: those it holds before the first test.
        endpoint.system = set(endpoint.graphs(""))

    passed, failures = [], {}
    for t in tests:
        try:
            run_test(t, endpoint)
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
    print(f"w3c sparql update via {args.endpoint}{args.update_path}: passed {len(passed)}, "
          f"failed {len(failures)}, total {len(tests)}")


if __name__ == "__main__":
    main()
