"""Validate an N-Quads dump (all graphs merged, as SPARQL's default graph sees them) against SHACL shapes."""
import sys

import rdflib
from pyshacl import validate

dump, shapes = sys.argv[1], sys.argv[2]
ds = rdflib.Dataset()
ds.parse(dump, format="nquads")
union = rdflib.Graph()
for s, p, o, _g in ds.quads((None, None, None, None)):
    union.add((s, p, o))
records = set(union.subjects(rdflib.RDF.type, rdflib.URIRef("http://purl.org/dc/terms/BibliographicResource")))
conforms, _graph, text = validate(union, shacl_graph=rdflib.Graph().parse(shapes, format="turtle"), inference="none")
print(f"records: {len(records)}")
print(f"conforms: {conforms}")
if not conforms:
    print(text)
    sys.exit(1)
