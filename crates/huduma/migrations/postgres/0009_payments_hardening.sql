-- Payment hardening (PostgreSQL twin of migrations/sqlite/0009_payments_hardening.sql): the M-Pesa receipt a status query could not give, and the signed
-- string each agency bill was created with.

-- 1 while the payment was settled from Daraja's STK query, which names no M-Pesa receipt:
-- `provider_ref` then holds the CheckoutRequestID only as a key, never shown as a receipt,
-- and is replaced when the callback with the receipt number arrives.
ALTER TABLE payments ADD COLUMN receipt_pending BIGINT NOT NULL DEFAULT 0;

-- The bill's secureHash as we computed it (HMAC of the concatenated signed fields). The
-- Pesaflow signature joins fields with no separator, so two bills whose fields concatenate
-- alike share a signature; one signed string makes at most one bill per client.
ALTER TABLE checkout_bills ADD COLUMN signed_hash TEXT;
CREATE UNIQUE INDEX checkout_bills_signed ON checkout_bills (client_id, signed_hash);
