"""Independent checks of Palermo's linked data with rdflib (tests/linked_data.rs).

usage:
  ld_check.py isomorphic DIR   every DIR/<name>.<ext> group (ttl, nt, rdf, jsonld)
                               parses and is isomorphic to its Turtle; prints
                               {"groups": n, "documents": m}
  ld_check.py void FILE        parses a VoID document (Turtle) and prints its
                               dataset numbers as JSON
  ld_check.py nquads FILE      parses an N-Quads file and prints
                               {"quads": n, "graphs": g}
Exits non-zero with a message on the first failure.
"""
import collections
import json
import os
import sys

import rdflib
from rdflib.compare import isomorphic

FORMATS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def parse(path, fmt):
    g = rdflib.Graph()
    try:
        g.parse(path, format=fmt)
    except Exception as e:  # noqa: BLE001 - report any parser failure
        fail(f"{path}: {fmt} does not parse: {e}")
    return g


def check_isomorphic(directory):
    groups = collections.defaultdict(dict)
    for name in sorted(os.listdir(directory)):
        stem, _, ext = name.rpartition(".")
        if ext in FORMATS:
            groups[stem][ext] = os.path.join(directory, name)
    documents = 0
    for stem, files in sorted(groups.items()):
        if set(files) != set(FORMATS):
            fail(f"{stem}: missing formats {sorted(set(FORMATS) - set(files))}")
        reference = parse(files["ttl"], "turtle")
        if len(reference) == 0:
            fail(f"{stem}: empty graph")
        for ext, path in files.items():
            documents += 1
            if ext == "ttl":
                continue
            g = parse(path, FORMATS[ext])
            if not isomorphic(reference, g):
                only_ttl = set(reference) - set(g)
                only_other = set(g) - set(reference)
                fail(
                    f"{stem}: {ext} is not isomorphic to Turtle "
                    f"({len(reference)} vs {len(g)} triples); "
                    f"only in Turtle: {sorted(map(str, only_ttl))[:3]}; "
                    f"only in {ext}: {sorted(map(str, only_other))[:3]}"
                )
    print(json.dumps({"groups": len(groups), "documents": documents}))


def void_numbers(path):
    g = parse(path, "turtle")
    datasets = list(g.subjects(rdflib.RDF.type, VOID.Dataset))
    main = [d for d in datasets if (d, VOID.triples, None) in g and (d, VOID.classPartition, None) in g]
    if len(main) != 1:
        fail(f"expected one dataset with partitions, found {len(main)}")
    ds = main[0]

    def number(p):
        values = list(g.objects(ds, p))
        if len(values) != 1:
            fail(f"void:{p} has {len(values)} values")
        return int(values[0])

    out = {name: number(VOID[name]) for name in
           ["triples", "entities", "classes", "properties", "distinctSubjects", "distinctObjects"]}
    out["classPartitions"] = len(list(g.objects(ds, VOID.classPartition)))
    out["propertyPartitions"] = len(list(g.objects(ds, VOID.propertyPartition)))
    out["classEntities"] = {
        str(g.value(p, VOID["class"])): int(g.value(p, VOID.entities))
        for p in g.objects(ds, VOID.classPartition)
    }
    out["license"] = [str(o) for o in g.objects(ds, rdflib.DCTERMS.license)]
    out["sparqlEndpoint"] = [str(o) for o in g.objects(ds, VOID.sparqlEndpoint)]
    out["dataDump"] = sorted(str(o) for o in g.objects(ds, VOID.dataDump))
    out["vocabulary"] = sorted(str(o) for o in g.objects(ds, VOID.vocabulary))
    out["exampleResource"] = sorted(str(o) for o in g.objects(ds, VOID.exampleResource))
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    out["distributions"] = len(list(g.objects(ds, dcat.distribution)))
    print(json.dumps(out))


def nquads(path):
    d = rdflib.Dataset()
    try:
        d.parse(path, format="nquads")
    except Exception as e:  # noqa: BLE001
        fail(f"{path}: N-Quads do not parse: {e}")
    quads = sum(1 for _ in d.quads((None, None, None, None)))
    graphs = sum(1 for c in d.contexts() if len(c) > 0)
    print(json.dumps({"quads": quads, "graphs": graphs}))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail(__doc__)
    command, arg = sys.argv[1], sys.argv[2]
    {"isomorphic": check_isomorphic, "void": void_numbers, "nquads": nquads}.get(command, lambda _: fail(__doc__))(arg)
