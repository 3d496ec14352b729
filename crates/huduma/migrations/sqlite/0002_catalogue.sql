-- The live catalogue (the files as last imported) and every version of every service.

CREATE TABLE catalogue_files (
    path         TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    imported_at  INTEGER NOT NULL
) STRICT;

-- Applications keep the version they were started on, so versions are never deleted.
CREATE TABLE service_versions (
    service_code  TEXT NOT NULL,
    version       INTEGER NOT NULL,
    hash          TEXT NOT NULL,
    source        TEXT NOT NULL,
    agency        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (service_code, version),
    UNIQUE (service_code, hash)
) STRICT;
