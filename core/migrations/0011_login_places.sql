-- The failed-login throttle no longer refuses an account outright, which let
-- anyone lock its owner out (gateway/src/auth/throttle.rs). It counts per
-- account and place, per address, and per account from unknown places, and
-- a count lasts until a whole window passes without a failure, so it needs
-- the time of the last one. The keys changed meaning, so the old counts are
-- forgiven; `blocked_until` is no longer read.
DELETE FROM login_failures;
ALTER TABLE login_failures ADD COLUMN last_failed timestamptz NOT NULL DEFAULT now();
-- Stale counts are purged by age.
CREATE INDEX login_failures_last_failed ON login_failures (last_failed);

-- Where each account last signed in successfully: a place it did so from
-- recently is "known", and its attempts are judged by their own failures
-- only, never by an attacker's elsewhere. `place` is `address:<ip>`; device
-- cookies carry their own proof and are not stored. Logged, unlike the
-- counts: losing it would put every owner back among strangers.
CREATE TABLE login_places (
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    place        text NOT NULL,
    succeeded_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, place)
);
CREATE INDEX login_places_succeeded_at ON login_places (succeeded_at);
