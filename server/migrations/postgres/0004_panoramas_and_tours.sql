-- Panorama scenes (the processed images live under the data directory,
-- content-addressed by `content_id`), hotspots between them, tours, their
-- share links, and anonymous usage counts. Times are Unix seconds.
CREATE TABLE panoramas (
    id          BIGSERIAL PRIMARY KEY,
    content_id  TEXT NOT NULL,
    layer       TEXT NOT NULL CHECK (layer IN ('parks', 'plots', 'factories')),
    feature_id  BIGINT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    lon         DOUBLE PRECISION,
    lat         DOUBLE PRECISION,
    heading_deg DOUBLE PRECISION NOT NULL DEFAULT 0,
    width       BIGINT NOT NULL,
    height      BIGINT NOT NULL,
    levels      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX panoramas_feature_idx ON panoramas (layer, feature_id);

CREATE TABLE hotspots (
    id          BIGSERIAL PRIMARY KEY,
    panorama_id BIGINT NOT NULL REFERENCES panoramas (id) ON DELETE CASCADE,
    yaw_deg     DOUBLE PRECISION NOT NULL,
    pitch_deg   DOUBLE PRECISION NOT NULL,
    target_id   BIGINT REFERENCES panoramas (id) ON DELETE CASCADE,
    note        TEXT,
    CHECK (target_id IS NOT NULL OR note IS NOT NULL)
);
CREATE INDEX hotspots_panorama_idx ON hotspots (panorama_id);

CREATE TABLE tours (
    id         BIGSERIAL PRIMARY KEY,
    title      TEXT NOT NULL,
    stops      TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE share_links (
    id         BIGSERIAL PRIMARY KEY,
    tour_id    BIGINT NOT NULL REFERENCES tours (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- What was looked at, never who: no addresses, names or cookies. Counts
-- are gathered in memory and written in batches (`n` uses of one thing).
CREATE TABLE usage_events (
    id         BIGSERIAL PRIMARY KEY,
    n          BIGINT NOT NULL DEFAULT 1,
    kind       TEXT NOT NULL,
    layer      TEXT,
    feature_id BIGINT,
    ref_id     BIGINT,
    at         BIGINT NOT NULL
);
CREATE INDEX usage_events_kind_idx ON usage_events (kind, at);
