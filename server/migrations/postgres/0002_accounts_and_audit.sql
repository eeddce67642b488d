-- API tokens (stored only as SHA-256 hashes) and the audit log of every edit.
CREATE TABLE api_tokens (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('officer', 'promoter', 'admin')),
    parks      TEXT NOT NULL DEFAULT '[]',
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    layer      TEXT NOT NULL,
    feature_id BIGINT NOT NULL,
    code       TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    old_values TEXT NOT NULL,
    new_values TEXT NOT NULL,
    note       TEXT NOT NULL CHECK (note <> '')
);
CREATE INDEX audit_log_feature_idx ON audit_log (layer, feature_id, id);
