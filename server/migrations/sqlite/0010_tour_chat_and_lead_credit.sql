-- Questions asked in live tours, kept with the tour: promoters read them
-- afterwards. `author` is the name the person typed, not an account;
-- `share_link_id` is the link (and so the audience) the session ran under.
CREATE TABLE tour_chat (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tour_id       BIGINT NOT NULL REFERENCES tours (id) ON DELETE CASCADE,
    share_link_id BIGINT NOT NULL,
    at            BIGINT NOT NULL,
    author        TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('guide', 'attendee')),
    body          TEXT NOT NULL
);
CREATE INDEX tour_chat_tour_idx ON tour_chat (tour_id, id);
CREATE INDEX tour_chat_link_idx ON tour_chat (share_link_id, id);

-- Where a lead came from, and who earns it: an enquiry sent from a shared
-- tour page is credited to the share link it came through and to the
-- promoter who made that link. Earlier leads came from the map's form.
-- The sources are checked where leads are written (`pipeline::SOURCES`).
ALTER TABLE leads ADD COLUMN source TEXT NOT NULL DEFAULT 'map';
ALTER TABLE leads ADD COLUMN share_link_id BIGINT;
ALTER TABLE leads ADD COLUMN credited_to TEXT;
