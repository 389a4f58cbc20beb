-- Uploaded album covers (PUT /v1/albums/{id}/cover): the object key of the
-- image in storage. `cover_url` then points at the gateway's own copy.
ALTER TABLE albums ADD COLUMN cover_key text;
