-- Wrong answers to a flow's second factor (authenticator codes, and codes for flows that
-- have no code row, such as a reset for an unknown account), counted atomically so that a
-- flow locks after five however many guesses arrive at once.
ALTER TABLE flows ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
