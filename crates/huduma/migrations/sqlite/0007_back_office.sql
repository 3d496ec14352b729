-- The agency back office: staff and their sessions, work queues with SLA clocks, the
-- richer timeline, internal notes, issued certificates, and the hash-chained audit log.

CREATE TABLE staff (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('platform_admin', 'agency_admin', 'supervisor', 'officer', 'helpdesk')),
    -- Every role but platform admin and helpdesk belongs to exactly one agency.
    agency          TEXT,
    password_hash   TEXT NOT NULL,
    -- TOTP is mandatory: a member without a secret must set one up at first sign-in.
    totp_secret     TEXT,
    totp_last_step  INTEGER,
    active          INTEGER NOT NULL DEFAULT 1,
    language        TEXT NOT NULL DEFAULT 'en',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK ((role IN ('agency_admin', 'supervisor', 'officer')) = (agency IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX staff_email ON staff (lower(email));
CREATE INDEX staff_agency ON staff (agency, role);

CREATE TABLE staff_sessions (
    token_hash    TEXT PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    staff_id      TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    user_agent    TEXT NOT NULL,
    ip            TEXT NOT NULL
) STRICT;
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- In an agency's hands (submitted, paid, not finished): `queue_agency` is the agency, and
-- `queue_due` the SLA deadline (9999-12-31 while the clock is stopped with the applicant),
-- so the work queue is one index range in deadline order.
ALTER TABLE applications ADD COLUMN queue_agency TEXT;
ALTER TABLE applications ADD COLUMN queue_due INTEGER;
ALTER TABLE applications ADD COLUMN county TEXT;
ALTER TABLE applications ADD COLUMN assigned_to TEXT REFERENCES staff (id);
ALTER TABLE applications ADD COLUMN state_since INTEGER;
-- While the applicant has it: the state whose clock stopped, and its working days left.
ALTER TABLE applications ADD COLUMN paused_state TEXT;
ALTER TABLE applications ADD COLUMN sla_days_left INTEGER;
ALTER TABLE applications ADD COLUMN escalated_at INTEGER;
ALTER TABLE applications ADD COLUMN finished_at INTEGER;
CREATE INDEX applications_queue ON applications (queue_agency, queue_due, id) WHERE queue_agency IS NOT NULL;
-- The queue's search by the applicant's ID number.
CREATE INDEX accounts_document_number ON accounts (document_number);
-- The dashboard: received, finished and in hand per service, each one index range.
CREATE INDEX applications_agency_submitted ON applications (agency, submitted_at, service_code) WHERE submitted_at IS NOT NULL;
CREATE INDEX applications_agency_finished ON applications (agency, finished_at, service_code, submitted_at) WHERE finished_at IS NOT NULL;
CREATE INDEX applications_queue_services ON applications (queue_agency, service_code, queue_due) WHERE queue_agency IS NOT NULL;

-- Revenue per agency and revenue head (the service code, for applications) over a period.
ALTER TABLE invoice_lines ADD COLUMN paid_at INTEGER;
UPDATE invoice_lines SET paid_at = (SELECT paid_at FROM invoices WHERE invoices.id = invoice_lines.invoice_id AND invoices.status = 'paid');
CREATE INDEX invoice_lines_revenue ON invoice_lines (agency, paid_at) WHERE paid_at IS NOT NULL;

-- Who moved it (staff or the applicant) and by which action; what was booked.
ALTER TABLE application_events ADD COLUMN action TEXT;
ALTER TABLE application_events ADD COLUMN staff_id TEXT REFERENCES staff (id);
-- JSON: {"appointment": {"date", "time", "office"}}.
ALTER TABLE application_events ADD COLUMN details TEXT;

-- Notes staff leave for each other; never shown to the citizen.
CREATE TABLE application_notes (
    id              TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX application_notes_application ON application_notes (application_id, created_at);

CREATE TABLE certificates (
    serial           TEXT PRIMARY KEY,
    application_id   TEXT NOT NULL UNIQUE REFERENCES applications (id),
    service_code     TEXT NOT NULL,
    service_version  INTEGER NOT NULL,
    agency           TEXT NOT NULL,
    -- What the verification page may show: the holder's name and document, nothing more.
    holder_name      TEXT NOT NULL,
    document_number  TEXT NOT NULL,
    -- JSON: the template's text with every placeholder filled, in English and Kiswahili.
    content          TEXT NOT NULL,
    issued_at        INTEGER NOT NULL,
    issued_by        TEXT NOT NULL REFERENCES staff (id),
    valid_until      INTEGER,
    revoked_at       INTEGER,
    revoked_by       TEXT REFERENCES staff (id),
    revoke_reason    TEXT
) STRICT;

-- Append-only; each row's hash covers the previous row's hash, so editing or deleting a
-- row breaks the chain (`huduma audit verify`). `audit_head` serialises appends.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    actor_label  TEXT NOT NULL,
    agency       TEXT,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    details      TEXT NOT NULL,
    ip           TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_agency ON audit_log (agency, seq);

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Entries from busy system paths (payment callbacks), written in their own transaction
-- without touching the chain's head, and chained a moment later by the audit sealer, so a
-- burst of payments never queues behind one lock.
CREATE TABLE audit_pending (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    actor_label  TEXT NOT NULL,
    agency       TEXT,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    details      TEXT NOT NULL,
    ip           TEXT NOT NULL
) STRICT;

-- The escalation job's sweep: overdue and not yet escalated, across agencies.
CREATE INDEX applications_overdue ON applications (queue_due) WHERE queue_agency IS NOT NULL AND escalated_at IS NULL;
