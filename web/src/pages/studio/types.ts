// The studio's catalog bodies are the gateway's (../../api/types); what is
// picked and how an entity is addressed are the studio's own.
import type { Schema } from "../../api/types";

export type EntityKind = "artist" | "album" | "track";

export type { Album, Artist, SearchPage, Track } from "../../components/music/types";

/** What an audio upload answers: the track with its new duration, and what was read from the file. */
export type Uploaded = Schema<"Uploaded">;

/** The API path of one entity. */
export function entityPath(kind: EntityKind, id: string): string {
  return `/v1/${kind}s/${encodeURIComponent(id)}`;
}

export type Selection = { kind: EntityKind; id: string };
