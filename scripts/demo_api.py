"""The gateway's API as the demo scripts use it: sign in as an admin, call
JSON endpoints, upload raw bytes, and walk every page of a listing.

Standard library only, so the demo runs on a fresh machine's python3.
"""

import json
import urllib.error
import urllib.parse
import urllib.request


class Api:
    def __init__(self, base, login, password):
        self.base = base.rstrip("/")
        self.token = None
        session = self.call("POST", "/v1/auth/login", {"login": login, "password": password})
        self.token = session["access_token"]

    def call(self, method, path, body=None, raw=None, content_type="application/octet-stream"):
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
        if raw is not None:
            data = raw
            headers["content-type"] = content_type
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as e:
            raise SystemExit(f"{method} {path}: HTTP {e.code}: {e.read().decode(errors='replace')}")

    def pages(self, path, **query):
        """Every item of a cursor-paged listing, 100 at a time."""
        cursor = None
        while True:
            params = dict(query, limit=100)
            if cursor:
                params["cursor"] = cursor
            page = self.call("GET", f"{path}?{urllib.parse.urlencode(params)}")
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def artist_id(self, name):
        query = urllib.parse.urlencode({"q": name, "type": "artist", "limit": 5})
        for hit in self.call("GET", f"/v1/search?{query}")["items"]:
            if hit["title"].lower() == name.lower():
                return hit["id"]
        return None


def progress(label, done, total, every=25):
    if done % every == 0 or done == total:
        print(f"{label} {done}/{total}", flush=True)
