-- What every node of a cluster shares beyond the data itself.

-- The digest of the imported catalogue files. An import that changes them changes it;
-- every node polls it and reloads when it differs from the catalogue it serves, so an
-- import on one node is live on all of them within seconds.
CREATE TABLE catalogue_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    digest       TEXT NOT NULL,
    imported_at  BIGINT NOT NULL
);

-- Periodic jobs (reconciler, audit sealer, escalation, clean-up): each runs on one
-- worker at a time however many run. A worker takes a job by setting `held_by` and a
-- lease `held_until` it keeps renewing while it works; a worker killed mid-job stops
-- renewing, and the job is taken again once the lease has passed.
CREATE TABLE periodic_jobs (
    name         TEXT PRIMARY KEY,
    next_run_at  BIGINT NOT NULL,
    held_by      TEXT,
    held_until   BIGINT
);
