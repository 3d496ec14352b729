-- Seeds a migrated PostgreSQL database (bundled catalogue imported) with applications at
-- national scale, on the server, for the `scale` section of scripts/bench.sh (issue 16).
-- The rows have the shape examples/applications_bench.rs and examples/back_office_bench.rs
-- write one by one, which would take hours at this size:
--   * citizens with 10 applications each (verified, `bench-account-0000000` …), national ID
--     number 20000000 + n;
--   * of each citizen's ten, two drafts and eight submitted with a reference and a timeline
--     line; 3 in 8 of the submitted (30 % of all) open in their agency's queue with a
--     deadline between 10 days ago and 20 days ahead (a fifth of them with the applicant,
--     clock stopped), the rest issued;
--   * an officer and a supervisor for each of the bench agencies.
-- Sessions are made separately (scale-sessions.sql), just before serving: staff sessions
-- lapse after 15 idle minutes.
--
-- psql -v applications=10000000 -v agencies=50 -v counties='Mombasa,Kwale,…' -f scale-seed.sql
-- `counties` is the list in crates/domain/src/county.rs (bench.sh reads it from there).

\set ON_ERROR_STOP on
\if :{?applications}
\else
  \set applications 10000000
\endif
\if :{?agencies}
\else
  \set agencies 50
\endif
-- Citizens per transaction.
\if :{?batch}
\else
  \set batch 50000
\endif

-- A crash would only lose a benchmark's rows; waiting for each commit's flush buys nothing.
SET synchronous_commit = off;
-- Compiling the batch's expressions took longer than running them.
SET jit = off;

-- What the statements below read: one `now` for the whole seed, the sizes, the services
-- (their current versions) and the counties.
CREATE TEMP TABLE bench AS
SELECT extract(epoch FROM now())::bigint AS now, :applications::bigint AS applications, :agencies::int AS agencies,
       string_to_array(:'counties', ',') AS counties, 86400 AS day,
       -- `queue::PAUSED` (9999-12-31): the deadline while the applicant has it.
       253402300799::bigint AS paused;
CREATE TEMP TABLE bench_services AS
SELECT s.position - 1 AS position, s.code, (SELECT max(version) FROM service_versions v WHERE v.service_code = s.code) AS version
FROM unnest(ARRAY['certificate-of-good-conduct', 'kra-pin-registration', 'passport-ordinary', 'business-name-search'])
     WITH ORDINALITY AS s (code, position);
ANALYZE bench, bench_services;
SELECT count(*) = 4 AS services_found FROM bench_services WHERE version IS NOT NULL \gset
\if :services_found
\else
  \echo 'scale-seed.sql: the bundled catalogue is not imported (a bench service has no version)'
  \quit 1
\endif

-- A reference number exactly as `Reference::generate(Kind::Application, …)` makes it from
-- the application's position n (as applications_bench does: symbol k is digit k of n in
-- base 29), with its check symbol: `A`, nine symbols, check (see crates/domain/src/reference.rs).
CREATE FUNCTION pg_temp.symbol(v bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT substr('23456789ABCDEFGHJKMNPQRTVWXYZ', (v % 29)::int + 1, 1) $$;
CREATE FUNCTION pg_temp.reference(n bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
SELECT 'A' || pg_temp.symbol(n) || pg_temp.symbol(n / 29) || pg_temp.symbol(n / 841) || pg_temp.symbol(n / 24389)
    || pg_temp.symbol(n / 707281) || pg_temp.symbol(n / 20511149) || pg_temp.symbol(n / 594823321)
    || pg_temp.symbol(n / 17249876309) || pg_temp.symbol(n / 500246412961)
    -- Weights 1 (the `A`, value 8) to 10; the check symbol's weight is 11, whose inverse
    -- modulo 29 is 8.
    || pg_temp.symbol((29 - (8 + 2 * (n % 29) + 3 * (n / 29 % 29) + 4 * (n / 841 % 29) + 5 * (n / 24389 % 29)
        + 6 * (n / 707281 % 29) + 7 * (n / 20511149 % 29) + 8 * (n / 594823321 % 29) + 9 * (n / 17249876309 % 29)
        + 10 * (n / 500246412961 % 29)) % 29) % 29 * 8)
$$;

-- A uniform draw in [0, m) for application n, stream `salt`: deterministic, so two runs
-- seed the same rows.
CREATE FUNCTION pg_temp.draw(n bigint, salt bigint, m bigint) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT
AS $$ SELECT (hashint8extended(n, salt) & 9223372036854775807) % m $$;

\timing on
INSERT INTO staff (id, email, name, role, agency, password_hash, totp_secret, active, language, created_at, updated_at)
SELECT 'bench-staff-' || role || '-' || lpad(a::text, 2, '0'), role || '.' || a || '@bench.example', 'Bench ' || role || ' ' || a,
       role, 'bench-agency-' || lpad(a::text, 2, '0'), 'x', 'JBSWY3DPEHPK3PXP', 1, 'en', b.now, b.now
FROM bench b, generate_series(0, b.agencies - 1) a, unnest(ARRAY['officer', 'supervisor']) role;

-- Citizens lo..hi-1 with their applications and timelines, in one transaction.
CREATE PROCEDURE pg_temp.seed_citizens(lo bigint, hi bigint) LANGUAGE sql AS $$
INSERT INTO accounts (id, account_type, document_kind, document_number, first_name, other_names, surname, date_of_birth,
                      phone, phone_verified_at, email, email_verified_at, password_hash, language, created_at, updated_at)
SELECT 'bench-account-' || lpad(c::text, 7, '0'), 'citizen', 'national_id', (20000000 + c)::text, 'Bench', '', 'Citizen', '1990-01-01',
       '+2547' || lpad(c::text, 8, '0'), b.now, 'bench' || c || '@example.com', b.now, 'x', 'en', b.now, b.now
FROM bench b, generate_series(lo, hi - 1) c;

INSERT INTO applications (id, account_id, service_code, service_version, agency, status, reference, answers, fee_minor, fee_currency,
                          created_at, updated_at, submitted_at, expires_at, queue_agency, queue_due, county, state_since, finished_at)
SELECT 'bench-app-' || lpad(c::text, 7, '0') || '-' || lpad(i::text, 2, '0'), 'bench-account-' || lpad(c::text, 7, '0'),
       s.code, s.version, x.agency,
       CASE WHEN x.draft THEN 'draft' WHEN NOT x.open THEN 'issued' WHEN x.with_applicant THEN 'more_information_needed' ELSE 'submitted' END,
       CASE WHEN x.draft THEN NULL ELSE pg_temp.reference(x.n) END,
       '{"id_number":"' || (20000000 + c) || '","town":"Nairobi","purpose":"employment"}',
       CASE WHEN x.draft THEN NULL ELSE 100000 END, 'KES',
       x.at, x.at, CASE WHEN x.draft THEN NULL ELSE x.at END,
       CASE WHEN x.draft THEN b.now + 30 * b.day END,
       CASE WHEN x.open THEN x.agency END,
       CASE WHEN NOT x.open THEN NULL WHEN x.with_applicant THEN b.paused ELSE b.now + (pg_temp.draw(x.n, 4, 30) - 10) * b.day END,
       CASE WHEN x.draft THEN NULL ELSE b.counties[(c + i) % cardinality(b.counties) + 1] END,
       CASE WHEN x.draft THEN NULL ELSE x.at END,
       CASE WHEN x.draft OR x.open THEN NULL ELSE x.at + (1 + pg_temp.draw(x.n, 5, 29)) * b.day END
FROM bench b, generate_series(lo, hi - 1) c, generate_series(0, 9) i,
     LATERAL (SELECT c * 10 + i AS n, i < 2 AS draft,
                     i >= 2 AND pg_temp.draw(c * 10 + i, 1, 8) < 3 AS open,
                     pg_temp.draw(c * 10 + i, 2, 5) = 0 AS with_applicant,
                     -- Drawn, not n modulo the agencies: that would give some agencies
                     -- only drafts.
                     'bench-agency-' || lpad(pg_temp.draw(c * 10 + i, 6, b.agencies)::text, 2, '0') AS agency,
                     -- Drafts were last saved in the last ten days; submissions spread
                     -- over four months.
                     CASE WHEN i < 2 THEN b.now - (10 - i) * b.day ELSE b.now - pg_temp.draw(c * 10 + i, 3, 120) * b.day END AS at) x,
     bench_services s
WHERE s.position = (c + i) % 4 AND x.n < b.applications
ORDER BY 1;

INSERT INTO application_events (application_id, at, status)
SELECT id, submitted_at, 'submitted' FROM applications
WHERE id >= 'bench-app-' || lpad(lo::text, 7, '0') AND id < 'bench-app-' || lpad(hi::text, 7, '0') AND reference IS NOT NULL
ORDER BY id;
$$;

SELECT format('CALL pg_temp.seed_citizens(%s, %s)', lo, least(lo + :batch, ((:applications + 9) / 10)::bigint))
FROM generate_series(0, ((:applications + 9) / 10)::bigint - 1, :batch) lo \gexec

-- Fresh statistics, as a long-running database would have.
ANALYZE;
