-- The four layers, as in the PostGIS schema; geometry is GeoJSON text here
-- (the in-memory index answers every spatial question).
CREATE TABLE parks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    geom       TEXT NOT NULL,
    props      TEXT NOT NULL CHECK (json_valid(props))
);

CREATE TABLE plots (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    geom       TEXT NOT NULL,
    props      TEXT NOT NULL CHECK (json_valid(props))
);

CREATE TABLE factories (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    geom       TEXT NOT NULL,
    props      TEXT NOT NULL CHECK (json_valid(props))
);

CREATE TABLE pois (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    geom       TEXT NOT NULL,
    props      TEXT NOT NULL CHECK (json_valid(props))
);
