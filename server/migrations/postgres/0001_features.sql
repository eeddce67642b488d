-- The four layers. `props` holds the feature's attributes and extra
-- properties as GeoJSON properties; the columns SQL users filter on are
-- generated from it, so there is one source of truth.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE parks (
    id         BIGSERIAL PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    geom       geometry(Geometry, 4326) NOT NULL,
    props      JSONB NOT NULL,
    name       TEXT GENERATED ALWAYS AS (props->>'name') STORED
);
CREATE INDEX parks_geom_idx ON parks USING GIST (geom);

CREATE TABLE plots (
    id               BIGSERIAL PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version          BIGINT NOT NULL DEFAULT 1,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    geom             geometry(Geometry, 4326) NOT NULL,
    props            JSONB NOT NULL,
    park             TEXT GENERATED ALWAYS AS (props->>'park') STORED,
    name             TEXT GENERATED ALWAYS AS (props->>'name') STORED,
    status           TEXT GENERATED ALWAYS AS (props->>'status') STORED,
    land_use         TEXT GENERATED ALWAYS AS (props->>'land_use') STORED,
    area_m2          DOUBLE PRECISION GENERATED ALWAYS AS ((props->>'area_m2')::double precision) STORED,
    price_wan_per_mu DOUBLE PRECISION GENERATED ALWAYS AS ((props->>'price_wan_per_mu')::double precision) STORED
);
CREATE INDEX plots_geom_idx ON plots USING GIST (geom);
CREATE INDEX plots_geog_idx ON plots USING GIST ((geom::geography));

CREATE TABLE factories (
    id         BIGSERIAL PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    geom       geometry(Geometry, 4326) NOT NULL,
    props      JSONB NOT NULL,
    park       TEXT GENERATED ALWAYS AS (props->>'park') STORED,
    name       TEXT GENERATED ALWAYS AS (props->>'name') STORED,
    status     TEXT GENERATED ALWAYS AS (props->>'status') STORED
);
CREATE INDEX factories_geom_idx ON factories USING GIST (geom);

CREATE TABLE pois (
    id         BIGSERIAL PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE CHECK (code <> ''),
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    geom       geometry(Geometry, 4326) NOT NULL,
    props      JSONB NOT NULL,
    name       TEXT GENERATED ALWAYS AS (props->>'name') STORED,
    kind       TEXT GENERATED ALWAYS AS (props->>'kind') STORED
);
CREATE INDEX pois_geom_idx ON pois USING GIST (geom);
