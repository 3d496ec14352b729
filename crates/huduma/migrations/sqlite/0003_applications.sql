-- Applications, their documents and their timeline.

CREATE TABLE applications (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    service_code     TEXT NOT NULL,
    service_version  INTEGER NOT NULL,
    agency           TEXT NOT NULL,
    -- 'draft', 'awaiting_payment', or a state of the service's workflow.
    status           TEXT NOT NULL,
    -- Set once, at submission.
    reference        TEXT UNIQUE,
    -- Field code -> answer, as JSON; raw while a draft, normalised at submission.
    answers          TEXT NOT NULL,
    fee_option       TEXT,
    -- Fixed at submission, in minor units.
    fee_minor        INTEGER,
    fee_currency     TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    submitted_at     INTEGER,
    -- Drafts only: when the draft is deleted, and when the reminder went out.
    expires_at       INTEGER,
    reminded_at      INTEGER,
    FOREIGN KEY (service_code, service_version) REFERENCES service_versions (service_code, version)
) STRICT;
CREATE INDEX applications_account ON applications (account_id, updated_at);
CREATE INDEX applications_draft_expiry ON applications (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE application_documents (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    requirement     TEXT NOT NULL,
    blob_key        TEXT NOT NULL UNIQUE,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    uploaded_at     INTEGER NOT NULL,
    UNIQUE (application_id, requirement)
) STRICT;

CREATE TABLE application_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    status          TEXT NOT NULL,
    -- Shown to the citizen (a reason, an appointment); never an internal note.
    note            TEXT
) STRICT;
CREATE INDEX application_events_application ON application_events (application_id, id);

-- Stored files no longer referenced (a replaced document, a deleted draft), removed from
-- the object store by the cleanup job after the transaction that released them commits.
CREATE TABLE blob_deletions (
    blob_key      TEXT PRIMARY KEY,
    requested_at  INTEGER NOT NULL
) STRICT;
