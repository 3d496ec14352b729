-- The M-Pesa receipt number a provider message carries (an STK callback's
-- MpesaReceiptNumber, a Paybill message's TransID), so that "I paid but it says unpaid"
-- finds an unmatched message by equality through an index instead of reading every body.
ALTER TABLE provider_messages ADD COLUMN mpesa_receipt TEXT;

-- Bodies are kept as received, so some are not JSON: those have no receipt.
CREATE FUNCTION pg_temp.json_or_null(body TEXT) RETURNS JSONB LANGUAGE plpgsql AS $$
BEGIN
    RETURN body::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

UPDATE provider_messages SET mpesa_receipt = found.receipt
FROM (
    SELECT m.id,
           (SELECT upper(item ->> 'Value') FROM jsonb_array_elements(j.items) AS item
            WHERE jsonb_typeof(item) = 'object' AND item ->> 'Name' = 'MpesaReceiptNumber' LIMIT 1) AS receipt
    FROM provider_messages m
    CROSS JOIN LATERAL (SELECT pg_temp.json_or_null(m.body) #> '{Body,stkCallback,CallbackMetadata,Item}' AS items) AS j
    WHERE m.provider = 'mpesa' AND m.kind = 'stk_callback' AND jsonb_typeof(j.items) = 'array'
) AS found
WHERE provider_messages.id = found.id AND found.receipt IS NOT NULL;

UPDATE provider_messages SET mpesa_receipt = found.receipt
FROM (
    SELECT m.id, upper(j.body ->> 'TransID') AS receipt
    FROM provider_messages m
    CROSS JOIN LATERAL (SELECT pg_temp.json_or_null(m.body) AS body) AS j
    WHERE m.provider = 'mpesa' AND m.kind IN ('c2b_validation', 'c2b_confirmation') AND jsonb_typeof(j.body) = 'object'
) AS found
WHERE provider_messages.id = found.id AND found.receipt IS NOT NULL;

CREATE INDEX provider_messages_mpesa_receipt ON provider_messages (mpesa_receipt);
