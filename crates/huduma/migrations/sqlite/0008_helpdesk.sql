-- Helpdesk tickets: from signed-in citizens, or from verified anonymous visitors (locked
-- out); a thread of messages; routing to an agency; rating once resolved.

CREATE TABLE tickets (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    -- The citizen's account; empty for a verified anonymous visitor.
    account_id      TEXT REFERENCES accounts (id),
    contact_name    TEXT NOT NULL,
    contact_email   TEXT NOT NULL,
    contact_phone   TEXT NOT NULL,
    language        TEXT NOT NULL,
    category        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    -- What the ticket is about, when opened from an application or a payment page.
    application_id  TEXT REFERENCES applications (id),
    -- The agency whose staff have it; empty while with the platform helpdesk.
    agency          TEXT,
    assigned_to     TEXT REFERENCES staff (id),
    status          TEXT NOT NULL CHECK (status IN ('open', 'waiting_citizen', 'waiting_agency', 'resolved', 'closed')),
    -- When staff owe the next answer by; empty while the citizen has the next move.
    due_at          INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    resolved_at     INTEGER,
    rating          INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_comment  TEXT
) STRICT;
CREATE INDEX tickets_account ON tickets (account_id, updated_at);
CREATE INDEX tickets_queue ON tickets (status, due_at);
CREATE INDEX tickets_agency ON tickets (agency, status, due_at);

CREATE TABLE ticket_messages (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    -- `citizen` or `staff`.
    author      TEXT NOT NULL CHECK (author IN ('citizen', 'staff')),
    staff_id    TEXT REFERENCES staff (id),
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, created_at);

-- Files a citizen adds to a ticket (a screenshot, the M-Pesa SMS), checked like
-- application documents.
CREATE TABLE ticket_files (
    id            TEXT PRIMARY KEY,
    ticket_id     TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    blob_key      TEXT NOT NULL UNIQUE,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    uploaded_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX ticket_files_ticket ON ticket_files (ticket_id, uploaded_at);
