import { describe, expect, it } from "vitest";
import { FileError, chunks, describeRow, parseCatalog, summarise } from "./importFile";

describe("catalog files", () => {
  const artist = { kind: "artist", external_id: "ar-1", name: "AC/DC" };
  const album = { kind: "album", external_id: "al-1", artist_external_id: "ar-1", title: "Back in Black" };

  it("reads the request body, a bare array and JSON Lines", () => {
    expect(parseCatalog(JSON.stringify({ rows: [artist, album] }))).toEqual([artist, album]);
    expect(parseCatalog(JSON.stringify([artist]))).toEqual([artist]);
    expect(parseCatalog(`${JSON.stringify(artist)}\n\n${JSON.stringify(album)}\r\n`)).toEqual([artist, album]);
    expect(parseCatalog(JSON.stringify(artist))).toEqual([artist]);
  });

  it("names what is wrong with a file that is not a catalog", () => {
    const reason = (text: string) => {
      try {
        parseCatalog(text);
        return null;
      } catch (e) {
        return e instanceof FileError ? [e.reason, e.line] : e;
      }
    };
    expect(reason("  ")).toEqual(["empty", null]);
    expect(reason("[]")).toEqual(["empty", null]);
    expect(reason('{"things": 1}')).toEqual(["shape", null]);
    expect(reason("{oops")).toEqual(["syntax", null]);
    expect(reason(`${JSON.stringify(artist)}\n{oops`)).toEqual(["syntax", 2]);
  });

  it("splits long files into request-sized pieces in order", () => {
    const rows = Array.from({ length: 2_345 }, (_, i) => i);
    const pieces = chunks(rows);
    expect(pieces.map((p) => p.length)).toEqual([1_000, 1_000, 345]);
    expect(pieces.flat()).toEqual(rows);
  });

  it("counts outcomes and describes rows", () => {
    expect(
      summarise([
        { status: "created", id: "1", errors: [] },
        { status: "rejected", id: null, errors: [{ field: "name", message: "required" }] },
        { status: "created", id: "2", errors: [] },
      ]),
    ).toEqual({ created: 2, updated: 0, unchanged: 0, rejected: 1 });
    expect(describeRow(album)).toEqual({ kind: "album", externalId: "al-1", name: "Back in Black" });
    expect(describeRow(42)).toEqual({ kind: "?", externalId: "", name: "" });
  });
});
