-- An artist's picture uploaded through the API, like an album's cover: the
-- storage key of the image (content-addressed), while `image_url` stays what
-- clients are given (the gateway's address of it, or an importer's URL).
ALTER TABLE artists ADD COLUMN image_key text;
