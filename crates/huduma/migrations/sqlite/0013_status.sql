-- The public status page: the latest check of each outside system the portal depends
-- on, and the incidents (a time a component was not up) of the last days.
CREATE TABLE status_components (
    component    TEXT PRIMARY KEY,
    state        TEXT NOT NULL CHECK (state IN ('up', 'degraded', 'down')),
    detail       TEXT NOT NULL,
    checked_at   BIGINT NOT NULL
);

CREATE TABLE status_incidents (
    id           TEXT PRIMARY KEY,
    component    TEXT NOT NULL,
    -- The worst state seen during the incident.
    state        TEXT NOT NULL CHECK (state IN ('degraded', 'down')),
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT
);
CREATE INDEX status_incidents_started ON status_incidents (started_at);
