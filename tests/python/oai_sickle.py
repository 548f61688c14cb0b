"""Harvest an OAI-PMH repository with Sickle, an independent harvester.

usage: oai_sickle.py BASE_URL PREFIX [SET]

Sickle follows the resumption tokens itself. Prints one JSON object: the
number of HTTP requests, and for each record its identifier, datestamp,
deleted flag, setSpecs, and (oai_dc) titles, creators and dates, or (mods)
titles and name parts.
"""
import json
import sys

from sickle import Sickle

DC = "{http://purl.org/dc/elements/1.1/}"
MODS = "{http://www.loc.gov/mods/v3}"


class CountingSickle(Sickle):
    """Counts the requests Sickle makes (first page plus one per token)."""

    requests = 0

    def harvest(self, **kwargs):
        CountingSickle.requests += 1
        return super().harvest(**kwargs)


def main():
    url, prefix = sys.argv[1], sys.argv[2]
    kwargs = {"metadataPrefix": prefix, "ignore_deleted": False}
    if len(sys.argv) > 3:
        kwargs["set"] = sys.argv[3]
    sickle = CountingSickle(url, max_retries=0)
    records = []
    for rec in sickle.ListRecords(**kwargs):
        h = rec.header
        item = {
            "identifier": h.identifier,
            "datestamp": h.datestamp,
            "deleted": h.deleted,
            "sets": h.setSpecs,
        }
        if not h.deleted:
            root = rec.xml.find(".//{http://www.openarchives.org/OAI/2.0/}metadata")[0]
            if prefix == "oai_dc":
                item["titles"] = [e.text for e in root.findall(f"{DC}title")]
                item["creators"] = [e.text for e in root.findall(f"{DC}creator")]
                item["dates"] = [e.text for e in root.findall(f"{DC}date")]
            else:
                item["titles"] = [e.text for e in root.findall(f"{MODS}titleInfo/{MODS}title")]
                item["names"] = [
                    [(p.get("type"), p.text) for p in n.findall(f"{MODS}namePart")]
                    for n in root.findall(f"{MODS}name")
                ]
        records.append(item)
    print(json.dumps({"requests": CountingSickle.requests, "records": records}))


if __name__ == "__main__":
    main()
