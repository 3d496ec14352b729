-- Agency systems that bill citizens through the platform (PostgreSQL twin of migrations/sqlite/0006_checkout.sql).

CREATE TABLE api_clients (
    -- apiClientID, as the agency system sends it.
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    agency      TEXT NOT NULL,
    -- HMAC key and the secret appended to signed strings (needed in clear to verify).
    api_key     TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);

CREATE TABLE api_client_services (
    client_id     TEXT NOT NULL REFERENCES api_clients (id),
    service_id    TEXT NOT NULL,
    revenue_head  TEXT NOT NULL,
    PRIMARY KEY (client_id, service_id)
);

CREATE TABLE checkout_bills (
    invoice_id        TEXT PRIMARY KEY REFERENCES invoices (id),
    client_id         TEXT NOT NULL REFERENCES api_clients (id),
    service_id        TEXT NOT NULL,
    bill_ref          TEXT NOT NULL,
    client_name       TEXT NOT NULL,
    client_id_number  TEXT NOT NULL,
    client_msisdn     TEXT NOT NULL,
    client_email      TEXT NOT NULL,
    callback_url      TEXT NOT NULL,
    notification_url  TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    -- The same billRefNumber from the same client never makes a second invoice.
    UNIQUE (client_id, bill_ref)
);
