-- The M-Pesa receipt number a provider message carries (an STK callback's
-- MpesaReceiptNumber, a Paybill message's TransID), so that "I paid but it says unpaid"
-- finds an unmatched message by equality through an index instead of reading every body.
ALTER TABLE provider_messages ADD COLUMN mpesa_receipt TEXT;

UPDATE provider_messages SET mpesa_receipt = (
    -- Paths into the body itself: an item that is not an object just has no Name.
    SELECT upper(CAST(json_extract(provider_messages.body, item.fullkey || '.Value') AS TEXT))
    FROM json_each(provider_messages.body, '$.Body.stkCallback.CallbackMetadata.Item') AS item
    WHERE json_extract(provider_messages.body, item.fullkey || '.Name') = 'MpesaReceiptNumber'
    LIMIT 1)
WHERE provider = 'mpesa' AND kind = 'stk_callback' AND json_valid(body);

UPDATE provider_messages SET mpesa_receipt = upper(CAST(json_extract(body, '$.TransID') AS TEXT))
WHERE provider = 'mpesa' AND kind IN ('c2b_validation', 'c2b_confirmation') AND json_valid(body)
  AND json_type(body) = 'object';

CREATE INDEX provider_messages_mpesa_receipt ON provider_messages (mpesa_receipt);
