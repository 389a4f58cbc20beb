import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, session } from "../../api/client";
import { IDLE, errorOfXhr, percent, uploadAudio, uploadReducer, type UploadState } from "./upload";

describe("upload progress state", () => {
  it("goes from uploading through processing to done", () => {
    let s: UploadState = uploadReducer(IDLE, { type: "start", total: 1000 });
    expect([s.phase, percent(s)]).toEqual(["uploading", 0]);
    s = uploadReducer(s, { type: "progress", loaded: 421, total: 1000 });
    expect(percent(s)).toBe(42);
    s = uploadReducer(s, { type: "sent" });
    expect([s.phase, percent(s)]).toEqual(["processing", 100]);
    // A late progress event does not move the bar back.
    s = uploadReducer(s, { type: "progress", loaded: 10, total: 1000 });
    expect(percent(s)).toBe(100);
    const result = { track: {} as never, audio: { format: "opus" as const, duration_ms: 1000, tags: {} } };
    s = uploadReducer(s, { type: "done", result });
    expect([s.phase, s.result]).toEqual(["done", result]);
  });

  it("keeps the error, and starts afresh", () => {
    const error = new ApiError(413, "invalid_body", "too big");
    const failed = uploadReducer(uploadReducer(IDLE, { type: "start", total: 5 }), { type: "fail", error });
    expect([failed.phase, failed.error]).toEqual(["error", error]);
    expect(uploadReducer(failed, { type: "reset" })).toEqual(IDLE);
    expect(percent(IDLE)).toBe(0);
  });

  it("reads the gateway's error body, or makes do without one", () => {
    const body = JSON.stringify({ error: { code: "invalid", message: "bad", fields: [{ field: "body", message: "the file is empty" }] } });
    const e = errorOfXhr(400, body, "Bad Request");
    expect([e.status, e.code, e.message, e.fields]).toEqual([400, "invalid", "bad", [{ field: "body", message: "the file is empty" }]]);
    const plain = errorOfXhr(413, "<html>too large</html>", "Payload Too Large");
    expect([plain.status, plain.message]).toEqual([413, "Payload Too Large"]);
    expect(errorOfXhr(0, "", "").code).toBe("network");
  });
});

class FakeXhr {
  static sent: FakeXhr[] = [];
  upload: { onprogress: ((e: Partial<ProgressEvent>) => void) | null; onload: (() => void) | null } = { onprogress: null, onload: null };
  headers: Record<string, string> = {};
  status = 0;
  statusText = "";
  responseText = "";
  url = "";
  body: unknown = null;
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
    FakeXhr.sent.push(this);
  }
  abort() {
    this.onabort?.();
  }
  respond(status: number, body: string) {
    this.upload.onprogress?.({ loaded: 3, total: 6, lengthComputable: true });
    this.upload.onload?.();
    this.status = status;
    this.responseText = body;
    this.onload?.();
  }
}

describe("uploadAudio", () => {
  beforeEach(() => {
    FakeXhr.sent = [];
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  const file = new Blob(["ID3abc"], { type: "audio/mpeg" });
  const uploaded = { track: { id: "t1" }, audio: { format: "mp3", duration_ms: 1234 } };

  it("sends the file with the bearer token and reports progress", async () => {
    vi.spyOn(session, "token").mockResolvedValue("token-1");
    const progress: number[] = [];
    const sent = vi.fn();
    const done = uploadAudio("t1", file, { onProgress: (loaded) => progress.push(loaded), onSent: sent });
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1));
    const xhr = FakeXhr.sent[0];
    expect(xhr.url).toBe("/v1/tracks/t1/audio");
    expect(xhr.headers).toEqual({ Authorization: "Bearer token-1", "Content-Type": "audio/mpeg" });
    expect(xhr.body).toBe(file);
    xhr.respond(200, JSON.stringify(uploaded));
    await expect(done).resolves.toEqual(uploaded);
    expect(progress).toEqual([3]);
    expect(sent).toHaveBeenCalledOnce();
  });

  it("renews the session once on 401 and sends again", async () => {
    vi.spyOn(session, "token").mockResolvedValue("old");
    vi.spyOn(session, "refresh").mockResolvedValue({ access_token: "new" } as never);
    const done = uploadAudio("t1", file, { onProgress: () => {}, onSent: () => {} });
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1));
    FakeXhr.sent[0].respond(401, JSON.stringify({ error: { code: "unauthorized", message: "expired" } }));
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(2));
    expect(FakeXhr.sent[1].headers.Authorization).toBe("Bearer new");
    FakeXhr.sent[1].respond(200, JSON.stringify(uploaded));
    await expect(done).resolves.toEqual(uploaded);
  });

  it("turns a refusal into an ApiError and a cancel into an AbortError", async () => {
    vi.spyOn(session, "token").mockResolvedValue("t");
    const refused = uploadAudio("t1", file, { onProgress: () => {}, onSent: () => {} });
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1));
    FakeXhr.sent[0].respond(415, JSON.stringify({ error: { code: "unsupported_media_type", message: "not audio" } }));
    await expect(refused).rejects.toMatchObject({ status: 415, message: "not audio" });

    const controller = new AbortController();
    const cancelled = uploadAudio("t1", file, { onProgress: () => {}, onSent: () => {}, signal: controller.signal });
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(2));
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ name: "AbortError" });
  });
});
