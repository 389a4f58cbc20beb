-- Internet radio stations: addresses of streams elsewhere that admins list
-- for every listener (Subsonic's getInternetRadioStations and the native
-- /v1/radio-stations). Encore stores the addresses; players fetch the
-- streams themselves.
CREATE TABLE radio_stations (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    stream_url   text NOT NULL CHECK (char_length(stream_url) <= 2000),
    homepage_url text CHECK (char_length(homepage_url) <= 2000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
