-- Foundation: citizen accounts, sessions, one-time codes, rate limits, outbox.
-- Times are UTC Unix seconds. Ids are UUIDv7 text. Append-only: never edit a shipped file.

CREATE TABLE accounts (
    id                 TEXT PRIMARY KEY,
    account_type       TEXT NOT NULL CHECK (account_type IN ('citizen', 'resident', 'visitor')),
    document_kind      TEXT NOT NULL CHECK (document_kind IN ('national_id', 'alien_card', 'passport')),
    document_number    TEXT NOT NULL,
    nationality        TEXT,
    first_name         TEXT NOT NULL,
    other_names        TEXT NOT NULL,
    surname            TEXT NOT NULL,
    date_of_birth      TEXT,
    kra_pin            TEXT,
    phone              TEXT NOT NULL,
    phone_verified_at  INTEGER,
    email              TEXT NOT NULL,
    email_verified_at  INTEGER,
    password_hash      TEXT NOT NULL,
    language           TEXT NOT NULL DEFAULT 'en',
    totp_secret        TEXT,
    totp_last_step     INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX accounts_document ON accounts (document_kind, document_number);
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    user_agent    TEXT NOT NULL,
    ip            TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_account ON sessions (account_id);

-- A step-by-step flow in progress (registration, verification, sign-in, password reset,
-- change of contact). The browser or app holds the token; we keep only its hash.
CREATE TABLE flows (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    account_id  TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    data        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE one_time_codes (
    id           TEXT PRIMARY KEY,
    flow_hash    TEXT NOT NULL REFERENCES flows (token_hash) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    destination  TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    consumed_at  INTEGER
) STRICT;
CREATE INDEX one_time_codes_flow ON one_time_codes (flow_hash, purpose);

CREATE TABLE rate_limits (
    key           TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    hits          INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) STRICT;

CREATE TABLE outbox (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    last_error    TEXT,
    done_at       INTEGER,
    failed_at     INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (done_at, failed_at, run_at);

CREATE TABLE sandbox_messages (
    id          TEXT PRIMARY KEY,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sandbox_messages_created ON sandbox_messages (created_at);
