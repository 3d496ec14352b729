-- The live catalogue (PostgreSQL twin of migrations/sqlite/0002_catalogue.sql).

CREATE TABLE catalogue_files (
    path         TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    imported_at  BIGINT NOT NULL
);

-- Applications keep the version they were started on, so versions are never deleted.
CREATE TABLE service_versions (
    service_code  TEXT NOT NULL,
    version       BIGINT NOT NULL,
    hash          TEXT NOT NULL,
    source        TEXT NOT NULL,
    agency        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (service_code, version),
    UNIQUE (service_code, hash)
);
