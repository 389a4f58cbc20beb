-- Accounts: users, their refresh tokens, and which artists an artist account may edit.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    username      text NOT NULL,
    password_hash text NOT NULL,
    role          text NOT NULL DEFAULT 'listener' CHECK (role IN ('listener', 'artist', 'admin')),
    display_name  text,
    avatar_key    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- Set when the account is deleted: the row stays, anonymised, so ids in
    -- the event history keep pointing at something.
    deleted_at    timestamptz
);
-- Case-insensitive uniqueness among live accounts only: a deleted account's
-- address may register again.
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_username_key ON users (lower(username)) WHERE deleted_at IS NULL;

-- Refresh tokens rotate: each use marks the token used and issues a new one in
-- the same family. Presenting a used token again means it was stolen, so the
-- whole family is revoked. Only a SHA-256 of the token is stored.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
