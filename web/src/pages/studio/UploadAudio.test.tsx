import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import "../../i18n";
import { session } from "../../api/client";
import { UploadAudio } from "./UploadAudio";
import type { Track } from "./types";

class FakeXhr {
  static last: FakeXhr | null = null;
  upload: { onprogress: ((e: Partial<ProgressEvent>) => void) | null; onload: (() => void) | null } = { onprogress: null, onload: null };
  status = 0;
  statusText = "";
  responseText = "";
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open() {}
  setRequestHeader() {}
  send() {
    FakeXhr.last = this;
  }
  abort() {
    this.onabort?.();
  }
}

const track: Track = {
  id: "t1", artist_id: "a1", album_id: null, title: "Song", duration_ms: 0,
  genre: null, release_year: null, track_number: null, stream_url: null, version: 1,
};

function renderUpload() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <UploadAudio track={track} />
    </QueryClientProvider>,
  );
  const file = new File([new Uint8Array(2_000_000)], "song.opus", { type: "audio/ogg" });
  fireEvent.change(screen.getByLabelText("Audio file"), { target: { files: [file] } });
  fireEvent.click(screen.getByRole("button", { name: "Upload" }));
}

beforeEach(() => {
  FakeXhr.last = null;
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  vi.spyOn(session, "token").mockResolvedValue("t");
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("UploadAudio", () => {
  it("shows a labelled progress bar with the percentage, then what was saved", async () => {
    renderUpload();
    await vi.waitFor(() => expect(FakeXhr.last).not.toBeNull());
    const xhr = FakeXhr.last as FakeXhr;
    act(() => xhr.upload.onprogress?.({ loaded: 500_000, total: 2_000_000, lengthComputable: true }));
    const bar = screen.getByRole("progressbar", { name: /Uploading: 25%/ });
    expect(bar.getAttribute("value")).toBe("25");
    expect(screen.getByRole("button", { name: "Cancel upload" })).toBeTruthy();
    act(() => xhr.upload.onload?.());
    expect(screen.getByRole("progressbar", { name: /checking the file/ }).getAttribute("value")).toBe("100");
    await act(async () => {
      xhr.status = 200;
      xhr.responseText = JSON.stringify({ track: { ...track, duration_ms: 61_000 }, audio: { format: "opus", duration_ms: 61_000 } });
      xhr.onload?.();
    });
    expect(screen.getByRole("status").textContent).toBe("Audio saved: OPUS, 1:01.");
  });

  it("says when the file is too large", async () => {
    renderUpload();
    await vi.waitFor(() => expect(FakeXhr.last).not.toBeNull());
    await act(async () => {
      const xhr = FakeXhr.last as FakeXhr;
      xhr.status = 413;
      xhr.statusText = "Payload Too Large";
      xhr.onload?.();
    });
    expect(screen.getByRole("alert").textContent).toBe("The file is too large for this server.");
  });
});
