-- Credentials for apps that cannot do the native login (Subsonic clients),
-- and the failed-login throttle every login path shares.

-- App passwords and API keys: named by their user, revocable one by one, so
-- the account password is never given to an app and never accepted on /rest.
-- An API key is only ever compared, so only its SHA-256 is kept. An app
-- password must also answer Subsonic's md5(password + salt) token, which
-- needs its text: it is kept sealed (XChaCha20-Poly1305 under the server's
-- ENCORE_APP_PASSWORD_KEY), never in the clear.
CREATE TABLE app_credentials (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('app_password', 'api_key')),
    name         text NOT NULL,
    secret_hash  bytea NOT NULL,
    sealed       bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CHECK ((kind = 'app_password') = (sealed IS NOT NULL))
);
CREATE UNIQUE INDEX app_credentials_name_key
    ON app_credentials (user_id, kind, lower(name)) WHERE revoked_at IS NULL;
CREATE INDEX app_credentials_secret ON app_credentials (secret_hash);

-- Failed logins per account and per address. A key that failed too often in
-- one window is refused until `blocked_until`, whichever gateway instance it
-- tries. Unlogged: losing the counts in a crash only forgives a few failures.
CREATE UNLOGGED TABLE login_failures (
    key            text PRIMARY KEY,
    failures       integer NOT NULL,
    window_started timestamptz NOT NULL,
    blocked_until  timestamptz
);
