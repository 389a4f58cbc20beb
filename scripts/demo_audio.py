#!/usr/bin/env python3
"""Gives a few hundred Chinook tracks real, audible audio for the demo.

Chinook has names but no sound. For each chosen track this speaks
"<title>, by <artist>" with espeak-ng over a soft tone from sox, encodes it to
Ogg Opus with opusenc, and uploads it through the API
(POST /v1/tracks/{id}/audio), so a newcomer who opens the web app and presses
play hears something. Tracks that already have audio are skipped, and the
generated files are cached, so running it again is quick.

Tracks come from well-known Chinook artists, at most --per-artist of each, so
searching any of them finds playable tracks.

Usage: demo_audio.py --api URL --login EMAIL --password PW [--tracks N] [--per-artist N] [--cache DIR]
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

ARTISTS = [
    "AC/DC", "Aerosmith", "Iron Maiden", "Led Zeppelin", "Metallica", "Queen",
    "U2", "Pearl Jam", "Nirvana", "The Rolling Stones", "Red Hot Chili Peppers",
    "Foo Fighters", "Deep Purple", "Van Halen", "Ozzy Osbourne", "Guns N' Roses",
    "Eric Clapton", "Jimi Hendrix", "Miles Davis", "Antônio Carlos Jobim",
]
# A pentatonic scale, so the tones of neighbouring tracks sound well together.
NOTES = [220.0, 246.9, 277.2, 329.6, 370.0, 440.0]
SECONDS = 20


class Api:
    def __init__(self, base, login, password):
        self.base = base.rstrip("/")
        session = self.call("POST", "/v1/auth/login", {"login": login, "password": password})
        self.token = session["access_token"]

    def call(self, method, path, body=None, raw=None):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        if raw is not None:
            data = raw
            headers["content-type"] = "application/octet-stream"
        if getattr(self, "token", None):
            headers["authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as e:
            raise SystemExit(f"{method} {path}: HTTP {e.code}: {e.read().decode(errors='replace')}")

    def artist_id(self, name):
        query = urllib.parse.urlencode({"q": name, "type": "artist", "limit": 5})
        for hit in self.call("GET", f"/v1/search?{query}")["items"]:
            if hit["title"].lower() == name.lower():
                return hit["id"]
        return None

    def tracks_of(self, artist):
        cursor = None
        while True:
            query = {"artist_id": artist, "limit": 100}
            if cursor:
                query["cursor"] = cursor
            page = self.call("GET", "/v1/tracks?" + urllib.parse.urlencode(query))
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return


def run(*command):
    done = subprocess.run(command, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr.decode(errors='replace').strip()}")


def make_audio(cache, title, artist):
    """The Opus file for one track, made once and cached by its words."""
    words = f"{title}, by {artist}"
    key = hashlib.sha256(words.encode()).hexdigest()[:24]
    out = os.path.join(cache, f"{key}.opus")
    if os.path.exists(out):
        return out
    note = NOTES[int(key, 16) % len(NOTES)]
    with tempfile.TemporaryDirectory() as tmp:
        speech = os.path.join(tmp, "speech.wav")
        bed = os.path.join(tmp, "bed.wav")
        mixed = os.path.join(tmp, "mixed.wav")
        # espeak-ng writes 22,050 Hz mono; the bed matches so sox can mix them.
        run("espeak-ng", "-s", "140", "-w", speech, words)
        run("sox", "-n", "-r", "22050", "-c", "1", "-b", "16", bed, "synth", str(SECONDS),
            "sine", str(note), "tremolo", "0.5", "30", "vol", "0.12", "fade", "q", "1", str(SECONDS), "3")
        run("sox", "-m", speech, bed, mixed)
        partial = out + ".part"
        run("opusenc", "--quiet", "--bitrate", "40", mixed, partial)
        os.replace(partial, out)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True, help="the gateway's URL")
    parser.add_argument("--login", required=True, help="an admin's email or username")
    parser.add_argument("--password", required=True, help="that admin's password")
    parser.add_argument("--tracks", type=int, default=300, help="how many tracks get audio (default 300)")
    parser.add_argument("--per-artist", type=int, default=15,
                        help="at most this many tracks of one artist (default 15)")
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/encore/demo-audio"),
                        help="where generated files are kept between runs")
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    api = Api(args.api, args.login, args.password)

    chosen = []
    for name in ARTISTS:
        artist = api.artist_id(name)
        if artist is None:
            continue
        for n, track in enumerate(api.tracks_of(artist)):
            if n >= args.per_artist or len(chosen) >= args.tracks:
                break
            chosen.append((track, name))
        if len(chosen) >= args.tracks:
            break
    waiting = [(t, a) for t, a in chosen if not t.get("stream_url")]
    print(f"[demo-audio] {len(chosen)} tracks chosen from {len({a for _, a in chosen})} artists; "
          f"{len(chosen) - len(waiting)} already have audio, {len(waiting)} to make and upload", flush=True)

    def one(item):
        track, artist = item
        path = make_audio(args.cache, track["title"], artist)
        with open(path, "rb") as f:
            api.call("POST", f"/v1/tracks/{track['id']}/audio", raw=f.read())
        return track["title"]

    done = 0
    # Two workers: the machine has two cores, and the gateway probes each upload.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for _ in pool.map(one, waiting):
            done += 1
            if done % 25 == 0 or done == len(waiting):
                print(f"[demo-audio] {done}/{len(waiting)} uploaded", flush=True)
    artists = sorted({a for _, a in chosen})
    print(f"[demo-audio] playable artists: {', '.join(artists)}")


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        sys.exit(f"[demo-audio] {e}")
