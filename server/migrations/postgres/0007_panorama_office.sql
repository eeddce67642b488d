-- The staff back office for panoramas and tours.
-- A scene is stored as soon as its upload is received and processed in the
-- background: `status` is 'processing', then 'ready' or 'failed' (with the
-- reason in `error`). Scenes from before were processed on upload: ready.
ALTER TABLE panoramas ADD COLUMN status TEXT NOT NULL DEFAULT 'ready'
    CHECK (status IN ('processing', 'ready', 'failed'));
ALTER TABLE panoramas ADD COLUMN error TEXT;
-- The view a scene opens at when no other is asked for (degrees, and the
-- viewer's zoom level 0..100); none set means straight ahead.
ALTER TABLE panoramas ADD COLUMN initial_yaw_deg DOUBLE PRECISION;
ALTER TABLE panoramas ADD COLUMN initial_pitch_deg DOUBLE PRECISION;
ALTER TABLE panoramas ADD COLUMN initial_zoom DOUBLE PRECISION;
-- Each successful open of a share link, so staff see which links are used.
ALTER TABLE share_links ADD COLUMN views BIGINT NOT NULL DEFAULT 0;
