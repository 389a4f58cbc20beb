// The playback events a page sends (POST /v1/events/playback, a batch of
// {events: [...]}), as the network saw them: which ids went out, and which
// the gateway accepted. What then reaches ClickHouse is checked against this.
import { pathOf } from "./browser.mjs";

export const EVENTS_PATH = "/v1/events/playback";

export class PlaybackLog {
  /** Every event sent, by id (a retried batch sends the same ids again). */
  sent = new Map();
  /** Ids in batches the gateway answered 2xx. */
  accepted = new Set();
  /** One entry per request: its status (or "failed") and its ids. */
  requests = [];

  attach(page) {
    page.on("request", (request) => {
      if (request.method() !== "POST" || pathOf(request.url()) !== EVENTS_PATH) return;
      let events = [];
      try {
        events = JSON.parse(request.postData() ?? "{}").events ?? [];
      } catch {
        // A body that is not JSON would be the app's bug; the status will show it.
      }
      for (const e of events) this.sent.set(e.event_id, e);
      const entry = { ids: events.map((e) => e.event_id), status: "pending" };
      this.requests.push(entry);
      // null when no response came (aborted, refused at the network level).
      request.response().then(
        (response) => {
          entry.status = response?.status() ?? "failed";
          if (response && response.ok()) for (const id of entry.ids) this.accepted.add(id);
        },
        () => {
          entry.status = "failed";
        },
      );
    });
    return this;
  }

  /** Events of one kind, in the order they were made. */
  ofKind(kind) {
    return [...this.sent.values()].filter((e) => e.kind === kind).sort((a, b) => a.occurred_at - b.occurred_at);
  }

  /** Ids sent but not (yet) accepted. */
  get unaccepted() {
    return [...this.sent.keys()].filter((id) => !this.accepted.has(id));
  }

  summary() {
    const kinds = {};
    for (const e of this.sent.values()) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    return { kinds, requests: this.requests.map((r) => `${r.status}:${r.ids.length}`), unaccepted: this.unaccepted.length };
  }
}
