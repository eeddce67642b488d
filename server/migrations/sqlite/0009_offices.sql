-- Office buildings (楼宇): the fifth layer. Footprints or points.
CREATE TABLE offices (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    geom       TEXT NOT NULL,
    props      TEXT NOT NULL CHECK (json_valid(props))
);
