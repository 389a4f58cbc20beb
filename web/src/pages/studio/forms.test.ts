import { describe, expect, it } from "vitest";
import { ALBUM_FIELDS, ARTIST_FIELDS, TRACK_FIELDS, changes, creation, parseGenres, toValues } from "./forms";

describe("catalog forms", () => {
  const artist = { id: "a", name: "Nirvana", genres: ["grunge", "rock"], country: "US", image_url: null, version: 3 };

  it("shows lists as comma-separated text and nulls as empty", () => {
    expect(toValues(artist, ARTIST_FIELDS)).toEqual({ name: "Nirvana", genres: "grunge, rock", country: "US", image_url: "" });
  });

  it("sends only what changed, converted", () => {
    const initial = toValues(artist, ARTIST_FIELDS);
    expect(changes(ARTIST_FIELDS, initial, initial)).toEqual({});
    expect(changes(ARTIST_FIELDS, initial, { ...initial, genres: " grunge ,rock, " })).toEqual({});
    expect(changes(ARTIST_FIELDS, initial, { ...initial, name: " Nirvana! ", genres: "grunge" })).toEqual({
      name: "Nirvana!",
      genres: ["grunge"],
    });
  });

  it("sends empty text to clear a clearable field, and lets the API refuse an emptied required one", () => {
    const initial = toValues(artist, ARTIST_FIELDS);
    expect(changes(ARTIST_FIELDS, initial, { ...initial, country: "" })).toEqual({ country: "" });
    expect(changes(ARTIST_FIELDS, initial, { ...initial, name: "  " })).toEqual({ name: "" });
  });

  it("turns numbers into numbers, and leaves a bad one for the API to name", () => {
    const album = { title: "Nevermind", release_year: 1991, genres: [], cover_url: null };
    const initial = toValues(album, ALBUM_FIELDS);
    expect(changes(ALBUM_FIELDS, initial, { ...initial, release_year: "1992" })).toEqual({ release_year: 1992 });
    expect(changes(ALBUM_FIELDS, initial, { ...initial, release_year: "soon" })).toEqual({ release_year: "soon" });
    // A year cannot be cleared through the API, so emptying it sends nothing.
    expect(changes(ALBUM_FIELDS, initial, { ...initial, release_year: "" })).toEqual({});
  });

  it("creates with the filled-in fields only", () => {
    const values = { ...toValues({}, TRACK_FIELDS), title: "Lithium", track_number: "5" };
    expect(creation(TRACK_FIELDS, values)).toEqual({ title: "Lithium", track_number: 5 });
    expect(creation(ARTIST_FIELDS, { name: "", genres: "", country: "", image_url: "" })).toEqual({ name: "" });
  });

  it("parses genres", () => {
    expect(parseGenres("rock, , indie pop ,")).toEqual(["rock", "indie pop"]);
  });
});
