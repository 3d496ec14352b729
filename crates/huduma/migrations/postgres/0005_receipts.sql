-- A numbered receipt for every settled payment (PostgreSQL twin of migrations/sqlite/0005_receipts.sql).

CREATE TABLE receipts (
    number        TEXT PRIMARY KEY,
    payment_id    TEXT NOT NULL UNIQUE REFERENCES payments (id),
    invoice_id    TEXT NOT NULL REFERENCES invoices (id),
    account_id    TEXT REFERENCES accounts (id),
    currency      TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    method        TEXT NOT NULL,
    provider_ref  TEXT NOT NULL,
    payer         TEXT,
    issued_at     BIGINT NOT NULL
);
CREATE INDEX receipts_invoice ON receipts (invoice_id);
