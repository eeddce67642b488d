-- Office buildings (楼宇): the fifth layer. Footprints or points.
CREATE TABLE offices (
    id         BIGSERIAL PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    geom       geometry(Geometry, 4326) NOT NULL,
    props      JSONB NOT NULL,
    park       TEXT GENERATED ALWAYS AS (props->>'park') STORED,
    name       TEXT GENERATED ALWAYS AS (props->>'name') STORED,
    kind       TEXT GENERATED ALWAYS AS (props->>'kind') STORED,
    status     TEXT GENERATED ALWAYS AS (props->>'status') STORED
);
CREATE INDEX offices_geom_idx ON offices USING GIST (geom);
