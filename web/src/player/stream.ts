// Where the <audio> element fetches a track. An element's own requests
// cannot carry an Authorization header, and fetching the whole file into a
// Blob would give up Range streaming (instant start, seeking, low memory).
// The gateway hands out a stream URL whose ticket opens this one track for a
// few hours, so no access token ever sits in a URL or in history.
import { api } from "../api/client";
import type { Schema } from "../api/types";

export function streamPath(trackId: string): string {
  return `/v1/tracks/${encodeURIComponent(trackId)}/stream`;
}

/** A fresh URL for `<audio src>` (Range requests included), with the track's loudness. */
export async function streamUrl(trackId: string): Promise<Schema<"StreamUrl">> {
  return api<Schema<"StreamUrl">>(`${streamPath(trackId)}-url`);
}
