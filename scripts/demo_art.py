#!/usr/bin/env python3
"""Gives every album a cover and every artist a picture of its own, drawn
for the demo and uploaded through the API.

Chinook has no images. Each one is drawn by ffmpeg (its `gradients` source
and `drawtext` filter, both in Debian's build): three colours chosen from the
name's hash, so the same name always gets the same picture, with the album's
title and artist, or the artist's name, set in DejaVu Sans. Albums go to
PUT /v1/albums/{id}/cover, artists to PUT /v1/artists/{id}/image. Anything
that already has an image is skipped, and drawn files are cached, so running
it again is quick.

Usage: demo_art.py --api URL --login EMAIL --password PW [--cache DIR]
"""

import argparse
import colorsys
import concurrent.futures
import hashlib
import os
import subprocess
import sys
import tempfile
import textwrap

from demo_api import Api

FONTS = "/usr/share/fonts/truetype/dejavu"
SIZE = 500
# Images drawn by one ffmpeg run.
BATCH = 20


def palette(name):
    """Three colours from the name (an album's with its artist's): a hue,
    its neighbour and a dark anchor."""
    digest = hashlib.sha256(name.encode()).digest()
    hue = digest[0] / 255
    spread = 0.08 + digest[1] / 255 * 0.25

    def colour(h, lightness, saturation):
        r, g, b = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
        return f"0x{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"

    return (colour(hue, 0.55, 0.7), colour(hue + spread, 0.45, 0.7), colour(hue - spread, 0.16, 0.55)), digest[2]


def lines(text, width, most):
    wrapped = textwrap.wrap(text, width) or [text]
    if len(wrapped) > most:
        wrapped = wrapped[:most]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def target(cache, item):
    """Where the image for one (kind, id, title, subtitle) is cached, by its words."""
    kind, _, title, subtitle = item
    key = hashlib.sha256(f"{kind}\0{title}\0{subtitle}".encode()).hexdigest()[:24]
    return os.path.join(cache, f"{kind}-{key}.jpg")


def graph(n, item, folder):
    """The filter chain that draws image n: a gradient, a shade, the words."""
    kind, _, title, subtitle = item
    big = kind == "artist"
    # Text through files: titles hold quotes, colons and percent signs that
    # drawtext's own syntax would otherwise have to escape.
    title_file, subtitle_file = os.path.join(folder, f"{n}.title"), os.path.join(folder, f"{n}.subtitle")
    with open(title_file, "w") as f:
        f.write(lines(title, 14 if big else 18, 3))
    with open(subtitle_file, "w") as f:
        f.write(lines(subtitle, 30, 1))
    # Overlapping translucent bands darken the lower half by steps, so white
    # words stay readable on any colour.
    shade = ",".join(f"drawbox=y=ih*{0.4 + 0.1 * k:.2f}:w=iw:h=ih:color=black@0.07:t=fill" for k in range(6))
    chain = (f"[{n}:v]{shade},drawtext=fontfile={FONTS}/DejaVuSans-Bold.ttf:textfile={title_file}:expansion=none"
             f":fontcolor=white:fontsize={52 if big else 40}:line_spacing=6"
             f":shadowcolor=black@0.45:shadowx=2:shadowy=2:x=36:y=h-th-{90 if subtitle else 48}")
    if subtitle:
        chain += (f",drawtext=fontfile={FONTS}/DejaVuSans.ttf:textfile={subtitle_file}:expansion=none"
                  ":fontcolor=white@0.88:fontsize=26:x=36:y=h-58")
    return chain + f"[out{n}]"


def draw(cache, batch):
    """Draws a batch of images with one ffmpeg: starting ffmpeg costs more
    than drawing one picture, so twenty share a start."""
    todo = [item for item in batch if not os.path.exists(target(cache, item))]
    if not todo:
        return
    inputs, chains, outputs = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for n, item in enumerate(todo):
            kind, _, title, subtitle = item
            colours, seed = palette(f"{title}\0{subtitle}")
            inputs += ["-f", "lavfi", "-i",
                       f"gradients=s={SIZE}x{SIZE}:n=3:c0={colours[0]}:c1={colours[1]}:c2={colours[2]}"
                       f":type={'spiral' if kind == 'artist' else 'linear'}:seed={seed}"]
            chains.append(graph(n, item, folder))
            outputs += ["-map", f"[out{n}]", "-frames:v", "1", "-q:v", "3", target(cache, item) + ".part.jpg"]
        done = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *inputs,
                               "-filter_complex", ";".join(chains), *outputs], capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"ffmpeg failed drawing {len(todo)} images: {done.stderr.decode(errors='replace').strip()}")
    for item in todo:
        os.replace(target(cache, item) + ".part.jpg", target(cache, item))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True, help="the gateway's URL")
    parser.add_argument("--login", required=True, help="an admin's email or username")
    parser.add_argument("--password", required=True, help="that admin's password")
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/encore/demo-art"),
                        help="where drawn images are kept between runs")
    args = parser.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    api = Api(args.api, args.login, args.password)

    artists = list(api.pages("/v1/artists"))
    names = {a["id"]: a["name"] for a in artists}
    work = [("artist", a["id"], a["name"], "") for a in artists if not a.get("image_url")]
    work += [("album", a["id"], a["title"], names.get(a["artist_id"], ""))
             for a in api.pages("/v1/albums") if not a.get("cover_url")]
    print(f"[demo-art] {len(work)} covers and pictures to draw and upload", flush=True)

    def one(batch):
        draw(args.cache, batch)
        for item in batch:
            kind, id_ = item[0], item[1]
            with open(target(args.cache, item), "rb") as f:
                where = f"/v1/artists/{id_}/image" if kind == "artist" else f"/v1/albums/{id_}/cover"
                api.call("PUT", where, raw=f.read(), content_type="image/jpeg")
        return len(batch)

    batches = [work[i:i + BATCH] for i in range(0, len(work), BATCH)]
    done = 0
    # Two workers: the machine has two cores, and ffmpeg draws on one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for count in pool.map(one, batches):
            done += count
            if done // 100 != (done - count) // 100 or done == len(work):
                print(f"[demo-art] uploaded {done}/{len(work)}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as e:
        sys.exit(f"[demo-art] {e}")
