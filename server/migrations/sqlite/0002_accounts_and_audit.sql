-- API tokens (stored only as SHA-256 hashes) and the audit log of every edit.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('officer', 'promoter', 'admin')),
    parks      TEXT NOT NULL DEFAULT '[]',
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    revoked_at TEXT
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    layer      TEXT NOT NULL,
    feature_id INTEGER NOT NULL,
    code       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    old_values TEXT NOT NULL,
    new_values TEXT NOT NULL,
    note       TEXT NOT NULL CHECK (note <> '')
);
CREATE INDEX audit_log_feature_idx ON audit_log (layer, feature_id, id);
