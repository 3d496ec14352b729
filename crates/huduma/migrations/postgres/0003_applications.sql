-- Applications, their documents and their timeline (PostgreSQL twin of migrations/sqlite/0003_applications.sql).

CREATE TABLE applications (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    service_code     TEXT NOT NULL,
    service_version  BIGINT NOT NULL,
    agency           TEXT NOT NULL,
    -- 'draft', 'awaiting_payment', or a state of the service's workflow.
    status           TEXT NOT NULL,
    -- Set once, at submission.
    reference        TEXT UNIQUE,
    -- Field code -> answer, as JSON; raw while a draft, normalised at submission.
    answers          TEXT NOT NULL,
    fee_option       TEXT,
    -- Fixed at submission, in minor units.
    fee_minor        BIGINT,
    fee_currency     TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    submitted_at     BIGINT,
    -- Drafts only: when the draft is deleted, and when the reminder went out.
    expires_at       BIGINT,
    reminded_at      BIGINT,
    FOREIGN KEY (service_code, service_version) REFERENCES service_versions (service_code, version)
);
CREATE INDEX applications_account ON applications (account_id, updated_at);
CREATE INDEX applications_draft_expiry ON applications (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE application_documents (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    requirement     TEXT NOT NULL,
    blob_key        TEXT NOT NULL UNIQUE,
    file_name       TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    uploaded_at     BIGINT NOT NULL,
    UNIQUE (application_id, requirement)
);

CREATE TABLE application_events (
    id              BIGSERIAL PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    at              BIGINT NOT NULL,
    status          TEXT NOT NULL,
    -- Shown to the citizen (a reason, an appointment); never an internal note.
    note            TEXT
);
CREATE INDEX application_events_application ON application_events (application_id, id);

-- Stored files no longer referenced (a replaced document, a deleted draft), removed from
-- the object store by the cleanup job after the transaction that released them commits.
CREATE TABLE blob_deletions (
    blob_key      TEXT PRIMARY KEY,
    requested_at  BIGINT NOT NULL
);
