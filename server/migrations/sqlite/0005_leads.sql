-- Investors' enquiries and their pipeline. Contact details live only here
-- (never in logs or usage counts) and are shown only to promoters and admins.
CREATE TABLE leads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    layer      TEXT,
    feature_id BIGINT,
    tour_id    BIGINT,
    company    TEXT NOT NULL,
    contact    TEXT NOT NULL,
    needs      TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'new'
               CHECK (status IN ('new', 'contacted', 'visited', 'negotiating', 'signed', 'lost')),
    assignee   TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX leads_status_idx ON leads (status, id);

CREATE TABLE lead_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id BIGINT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    changes TEXT NOT NULL,
    note    TEXT
);
CREATE INDEX lead_events_lead_idx ON lead_events (lead_id, id);
