-- Invoices, lines, payment attempts, payments and raw provider messages (PostgreSQL twin of migrations/sqlite/0004_payments.sql).

CREATE TABLE invoices (
    id              TEXT PRIMARY KEY,
    -- Short, upper case, with a check symbol; what a citizen types as the Paybill account.
    number          TEXT NOT NULL UNIQUE,
    -- The citizen's account; empty for bills agency systems create for people without one.
    account_id      TEXT REFERENCES accounts (id),
    application_id  TEXT UNIQUE REFERENCES applications (id),
    currency        TEXT NOT NULL,
    total_minor     BIGINT NOT NULL CHECK (total_minor > 0),
    paid_minor      BIGINT NOT NULL DEFAULT 0,
    -- pending, partially_paid, paid, expired, cancelled
    status          TEXT NOT NULL,
    description     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    paid_at         BIGINT
);
CREATE INDEX invoices_account ON invoices (account_id, created_at);

CREATE TABLE invoice_lines (
    invoice_id    TEXT NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    -- Who the money is for, so revenue can be reported per agency and revenue head.
    agency        TEXT NOT NULL,
    revenue_head  TEXT NOT NULL,
    description   TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, position)
);

CREATE TABLE payment_attempts (
    id                    TEXT PRIMARY KEY,
    invoice_id            TEXT NOT NULL REFERENCES invoices (id),
    method                TEXT NOT NULL,
    -- created, requested, succeeded, failed, timed_out
    state                 TEXT NOT NULL,
    amount_minor          BIGINT NOT NULL,
    phone                 TEXT,
    merchant_request_id   TEXT,
    checkout_request_id   TEXT UNIQUE,
    result_code           TEXT,
    result_desc           TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX payment_attempts_invoice ON payment_attempts (invoice_id, created_at);
CREATE INDEX payment_attempts_open ON payment_attempts (state, updated_at);

-- One row per settled payment; the provider's own id is unique per method, so the same
-- money can never settle twice whatever arrives how often.
CREATE TABLE payments (
    id            TEXT PRIMARY KEY,
    invoice_id    TEXT NOT NULL REFERENCES invoices (id),
    attempt_id    TEXT UNIQUE REFERENCES payment_attempts (id),
    method        TEXT NOT NULL,
    provider_ref  TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    payer         TEXT,
    paid_at       BIGINT NOT NULL,
    UNIQUE (method, provider_ref)
);
CREATE INDEX payments_invoice ON payments (invoice_id);

-- Every message a provider sent us, stored before we answer it.
CREATE TABLE provider_messages (
    id           BIGSERIAL PRIMARY KEY,
    provider     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    -- What we made of it: settled, duplicate, failed, unknown_attempt, mismatch, invalid…
    outcome      TEXT,
    received_at  BIGINT NOT NULL
);
