#!/usr/bin/env python3
"""Gives the demo catalogue's tracks real, audible audio.

Chinook has names but no sound. Two kinds of audio are made and uploaded
through the API (POST /v1/tracks/{id}/audio), so a newcomer who presses play
on any track hears something:

- A few hundred tracks of well-known artists (at most --per-artist of each)
  get a clip of their own: espeak-ng says "<title>, by <artist>" over a soft
  sox tone, encoded to Ogg Opus with opusenc. Each also gets synced (LRC)
  lyrics of those words (PUT /v1/tracks/{id}/lyrics), so the player's
  lyrics panel has something to follow.
- With --all, every other track gets one of a dozen short melodies, shared
  round-robin. Speaking 3,500 titles would take most of the demo's ten
  minutes; the gateway measures each distinct file's loudness once and
  reuses it for the same bytes, so the shared clips upload quickly.

Tracks that already have audio are skipped, and the generated files are
cached, so running it again is quick.

Usage: demo_audio.py --api URL --login EMAIL --password PW [--tracks N] [--per-artist N] [--all] [--cache DIR]
"""

import argparse
import concurrent.futures
import hashlib
import os
import subprocess
import sys
import tempfile

from demo_api import Api, progress

ARTISTS = [
    "AC/DC", "Aerosmith", "Iron Maiden", "Led Zeppelin", "Metallica", "Queen",
    "U2", "Pearl Jam", "Nirvana", "The Rolling Stones", "Red Hot Chili Peppers",
    "Foo Fighters", "Deep Purple", "Van Halen", "Ozzy Osbourne", "Guns N' Roses",
    "Eric Clapton", "Jimi Hendrix", "Miles Davis", "Antônio Carlos Jobim",
]
# A pentatonic scale, so the tones of neighbouring tracks sound well together.
NOTES = [220.0, 246.9, 277.2, 329.6, 370.0, 440.0]
# Long enough for the longest title; every second is also decoded once at upload.
SECONDS = 12
# The shared melodies: each walks the scale with its own step and note length.
MELODIES = 12


def run(*command):
    done = subprocess.run(command, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr.decode(errors='replace').strip()}")


def make_bed(cache, note):
    """A soft tone under the words, one per note, made once."""
    out = os.path.join(cache, f"bed-{note:.0f}.wav")
    if not os.path.exists(out):
        # espeak-ng writes 22,050 Hz mono; the bed matches so sox can mix them.
        run("sox", "-n", "-r", "22050", "-c", "1", "-b", "16", out + ".part.wav", "synth", str(SECONDS),
            "sine", str(note), "tremolo", "0.5", "30", "vol", "0.12", "fade", "q", "1", str(SECONDS), "3")
        os.replace(out + ".part.wav", out)
    return out


def make_audio(cache, title, artist):
    """The Opus file for one track, made once and cached by its words."""
    words = f"{title}, by {artist}"
    key = hashlib.sha256(words.encode()).hexdigest()[:24]
    out = os.path.join(cache, f"{key}.opus")
    if os.path.exists(out):
        return out
    bed = make_bed(cache, NOTES[int(key, 16) % len(NOTES)])
    with tempfile.TemporaryDirectory() as tmp:
        speech = os.path.join(tmp, "speech.wav")
        mixed = os.path.join(tmp, "mixed.wav")
        run("espeak-ng", "-s", "140", "-w", speech, words)
        run("sox", "-m", speech, bed, mixed)
        partial = out + ".part"
        run("opusenc", "--quiet", "--bitrate", "40", mixed, partial)
        os.replace(partial, out)
    return out


def lyrics(title, artist):
    """LRC for a spoken clip: the title, then "by <artist>" when espeak-ng
    (at 140 words a minute, after its short lead-in) reaches it."""
    by = 0.3 + len(title.split()) * 60 / 140 + 0.3
    return (f"[00:00.20]{title}\n[00:{by:05.2f}]by {artist}\n"
            f"[00:{by + 2.5:05.2f}]♪\n")


def make_melody(cache, n):
    """Shared melody n (0..MELODIES-1): the scale walked two octaves wide,
    plucked, with a step, a start and a pace of its own; made once."""
    out = os.path.join(cache, f"melody-{n:02}.opus")
    if os.path.exists(out):
        return out
    scale = NOTES + [2 * f for f in NOTES]
    step, start, pace = 1 + n % 5, n % len(NOTES), 0.25 + 0.125 * (n % 3)
    chain = []
    for k in range(int(SECONDS / pace)):
        note = scale[(start + k * step) % len(scale)]
        chain += ["synth", str(pace), "pluck", str(note), "vol", "0.5", ":"]
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "melody.wav")
        # `:` runs each note's chain in turn and joins their output.
        run("sox", "-n", "-r", "48000", "-c", "1", "-b", "16", wav, *chain[:-1])
        partial = out + ".part"
        run("opusenc", "--quiet", "--bitrate", "24", "--cvbr", wav, partial)
        os.replace(partial, out)
    return out


def upload_all(api, items, label, workers):
    """Uploads (track id, file) pairs, a few at a time, with progress."""
    def one(item):
        track, path = item
        with open(path, "rb") as f:
            api.call("POST", f"/v1/tracks/{track}/audio", raw=f.read())

    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for done, _ in enumerate(pool.map(one, items), 1):
            progress(label, done, len(items), every=250 if len(items) > 1000 else 25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True, help="the gateway's URL")
    parser.add_argument("--login", required=True, help="an admin's email or username")
    parser.add_argument("--password", required=True, help="that admin's password")
    parser.add_argument("--tracks", type=int, default=300,
                        help="how many tracks get a spoken clip of their own (default 300)")
    parser.add_argument("--per-artist", type=int, default=15,
                        help="at most this many spoken tracks of one artist (default 15)")
    parser.add_argument("--all", action="store_true",
                        help="give every other track without audio a shared melody")
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
        for n, track in enumerate(api.pages("/v1/tracks", artist_id=artist)):
            if n >= args.per_artist or len(chosen) >= args.tracks:
                break
            chosen.append((track, name))
        if len(chosen) >= args.tracks:
            break
    waiting = [(t, a) for t, a in chosen if not t.get("stream_url")]
    print(f"[demo-audio] {len(chosen)} tracks chosen from {len({a for _, a in chosen})} artists to speak; "
          f"{len(chosen) - len(waiting)} already have audio, {len(waiting)} to make and upload", flush=True)
    # Two workers: the machine has two cores, and each clip runs four programs.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        files = []
        for done, path in enumerate(pool.map(lambda item: make_audio(args.cache, item[0]["title"], item[1]), waiting), 1):
            files.append(path)
            progress("[demo-audio] spoken clips made", done, len(waiting), every=100)
    upload_all(api, [(t["id"], f) for (t, _), f in zip(waiting, files)], "[demo-audio] spoken", 2)
    # Every run, as setting lyrics again replaces them.
    for track, artist in chosen:
        api.call("PUT", f"/v1/tracks/{track['id']}/lyrics",
                 {"text": lyrics(track["title"], artist), "lang": "en"})
    artists = sorted({a for _, a in chosen})
    print(f"[demo-audio] spoken titles: {', '.join(artists)}", flush=True)

    if not args.all:
        return
    spoken = {t["id"] for t, _ in chosen}
    rest = [t["id"] for t in api.pages("/v1/tracks") if not t.get("stream_url") and t["id"] not in spoken]
    melodies = [make_melody(args.cache, n) for n in range(MELODIES)]
    print(f"[demo-audio] {len(rest)} other tracks without audio get one of {MELODIES} shared melodies",
          flush=True)
    # By the track's id, so a track keeps its melody from one run to the next.
    items = [(t, melodies[int(hashlib.sha256(t.encode()).hexdigest(), 16) % MELODIES]) for t in rest]
    # Measure each melody once first; every later upload of it reuses that.
    first = {}
    for item in items:
        first.setdefault(item[1], item)
    firsts = list(first.values())
    upload_all(api, firsts, "[demo-audio] melodies measured", 2)
    upload_all(api, [i for i in items if i not in firsts], "[demo-audio] shared", 4)


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        sys.exit(f"[demo-audio] {e}")
