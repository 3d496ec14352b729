-- Signs in the benchmark's people on a database seeded by scale-seed.sql, and writes what
-- wrk reads: 200 citizens' web session tokens (one a line) to :cookies, each agency's
-- officer's staff session token to :officers, and 2,000 references of submitted
-- applications, drawn at random, with their applicant's ID number to :track.
-- Run just before serving (staff sessions lapse after 15 idle minutes); running it again
-- replaces the sessions.
--
-- psql -v citizens=1000000 -v cookies=… -v officers=… -v track=… -f scale-sessions.sql

\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only on
SET synchronous_commit = off;

CREATE TEMP TABLE bench AS SELECT extract(epoch FROM now())::bigint AS now, :citizens::bigint AS citizens;

DELETE FROM sessions WHERE id LIKE 'bench-session-%';
DELETE FROM staff_sessions WHERE id LIKE 'bench-staff-session-%';

-- Tokens as `crypto::new_token` makes them (32 random bytes, base64url without padding);
-- stored as `crypto::hash_token` stores them (SHA-256, lower-case hex).
CREATE FUNCTION pg_temp.new_token() RETURNS text LANGUAGE sql VOLATILE AS $$
SELECT rtrim(translate(encode(decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '+/', '-_'), '=')
$$;
CREATE FUNCTION pg_temp.token_hash(token text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT encode(sha256(convert_to(token, 'UTF8')), 'hex') $$;

-- 200 citizens spread over the whole table, each signed in on the web for 12 hours.
\o :cookies
WITH signed_in AS MATERIALIZED (
    SELECT 'bench-account-' || lpad((k * (b.citizens / 200))::text, 7, '0') AS account_id, k, pg_temp.new_token() AS token
    FROM bench b, generate_series(0, 199) k
), stored AS (
    INSERT INTO sessions (token_hash, id, account_id, kind, created_at, last_seen_at, expires_at, user_agent, ip)
    SELECT pg_temp.token_hash(token), 'bench-session-' || k, account_id, 'web', b.now, b.now, b.now + 12 * 3600, 'bench', '127.0.0.1'
    FROM signed_in, bench b
)
SELECT token FROM signed_in ORDER BY k;

-- An officer and a supervisor of each agency, signed in for 10 hours; the officers' tokens.
\o :officers
WITH signed_in AS MATERIALIZED (
    SELECT id AS staff_id, role, pg_temp.new_token() AS token FROM staff WHERE id LIKE 'bench-staff-%'
), stored AS (
    INSERT INTO staff_sessions (token_hash, id, staff_id, created_at, last_seen_at, expires_at, user_agent, ip)
    SELECT pg_temp.token_hash(token), replace(staff_id, 'bench-staff-', 'bench-staff-session-'), staff_id, b.now, b.now, b.now + 10 * 3600,
           'bench', '127.0.0.1'
    FROM signed_in, bench b
)
SELECT token FROM signed_in WHERE role = 'officer' ORDER BY staff_id;

-- Submitted applications drawn at random (8 of each citizen's 10 are), for tracking.
\o :track
SELECT a.reference || ' ' || c.document_number
FROM (SELECT DISTINCT 'bench-app-' || lpad(floor(random() * b.citizens)::bigint::text, 7, '0') || '-'
                      || lpad((2 + floor(random() * 8))::int::text, 2, '0') AS id
      FROM bench b, generate_series(1, 2000)) drawn
JOIN applications a ON a.id = drawn.id
JOIN accounts c ON c.id = a.account_id
WHERE a.reference IS NOT NULL;
\o
