"""Validate OAI-PMH responses against the official XML schemas, offline.

usage: oai_validate.py SCHEMA_DIR FILE...

Every response is validated as a whole against one schema that imports
OAI-PMH.xsd, oai_dc.xsd, oai-identifier.xsd and MODS 3.6, so the envelope's
strict wildcards (<metadata>, <description>, <setDescription>) are checked
too. The schemas come from SCHEMA_DIR (tests/schemas) and, for MODS and
xlink, from the eulxml package (eulxml/schema_data, fetched from the Library
of Congress when that package was built). Each xsi:schemaLocation a response
names must be one of the official URLs mapped below, so a wrong location
fails as well. No network: any other URL a schema asks for is an error.

Prints "ok FILE" or "FAIL FILE" with the errors, then "N passed, M failed";
exits 1 if any failed.
"""
import importlib.util
import os
import sys

from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def local_schemas(schema_dir):
    spec = importlib.util.find_spec("eulxml")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("eulxml is not installed (pip install -r tests/python/requirements.txt)")
    eul = os.path.join(list(spec.submodule_search_locations)[0], "schema_data")
    xml_xsd = os.path.join(schema_dir, "xml.xsd")
    return {
        "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": os.path.join(schema_dir, "OAI-PMH.xsd"),
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": os.path.join(schema_dir, "oai_dc.xsd"),
        "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd": os.path.join(schema_dir, "oai-identifier.xsd"),
        "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": os.path.join(schema_dir, "simpledc20021212.xsd"),
        "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd": os.path.join(eul, "mods.xsd"),
        "http://www.loc.gov/standards/xlink/xlink.xsd": os.path.join(eul, "xlink.xsd"),
        "http://www.w3.org/2001/03/xml.xsd": xml_xsd,
        "http://www.w3.org/2001/xml.xsd": xml_xsd,
        "http://www.loc.gov/mods/xml.xsd": xml_xsd,
    }


class Local(etree.Resolver):
    def __init__(self, mapping):
        super().__init__()
        self.mapping = mapping

    def resolve(self, url, pubid, context):
        if url in self.mapping:
            return self.resolve_filename(self.mapping[url], context)
        if url.startswith(("http://", "https://")):
            raise ValueError(f"schema {url} is not available offline")
        return None


NAMESPACES = {
    "http://www.openarchives.org/OAI/2.0/": "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier": "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
    "http://www.loc.gov/mods/v3": "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd",
}


def build_schema(mapping):
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{loc}"/>' for ns, loc in NAMESPACES.items()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(Local(mapping))
    return etree.XMLSchema(etree.fromstring(driver.encode(), parser))


def schema_locations_ok(doc):
    """Every xsi:schemaLocation pair names a namespace we know and its official schema."""
    problems = []
    for el in doc.iter():
        loc = el.get(f"{{{XSI}}}schemaLocation")
        if loc is None:
            continue
        parts = loc.split()
        if len(parts) % 2:
            problems.append(f"odd xsi:schemaLocation on {el.tag}: {loc}")
        for ns, url in zip(parts[::2], parts[1::2]):
            if NAMESPACES.get(ns) != url:
                problems.append(f"unexpected schema location {ns} {url} on {el.tag}")
    return problems


def main():
    schema_dir, files = sys.argv[1], sys.argv[2:]
    schema = build_schema(local_schemas(schema_dir))
    passed = failed = 0
    for f in files:
        try:
            doc = etree.parse(f, etree.XMLParser(no_network=True, resolve_entities=False))
        except etree.XMLSyntaxError as e:
            print(f"FAIL {f}\n  not well-formed: {e}")
            failed += 1
            continue
        problems = []
        if doc.getroot().tag != f"{{{OAI}}}OAI-PMH":
            problems.append(f"root is {doc.getroot().tag}")
        if not schema.validate(doc):
            problems.extend(str(e) for e in schema.error_log)
        problems.extend(schema_locations_ok(doc))
        if problems:
            failed += 1
            print(f"FAIL {f}")
            for p in problems:
                print(f"  {p}")
        else:
            passed += 1
            print(f"ok {f}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
