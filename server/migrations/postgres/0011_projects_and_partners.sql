-- Referral partners (以商招商): ambassadors (招商大使), alliance members
-- (商协会, 驻外招商中心) and resident firms that bring in investors. Each has
-- a referral code for its personal link; leads arriving through it are
-- credited to it.
CREATE TABLE partners (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('ambassador', 'alliance', 'resident_firm')),
    code       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- A partner signs in with a token of role `partner`, tied to its partner.
ALTER TABLE api_tokens DROP CONSTRAINT IF EXISTS api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('officer', 'promoter', 'admin', 'partner'));
ALTER TABLE api_tokens ADD COLUMN partner_id BIGINT REFERENCES partners (id);

-- The referral partner a lead is credited to (its `source`, from 0010,
-- is then the partner's kind).
ALTER TABLE leads ADD COLUMN partner_id BIGINT REFERENCES partners (id);

-- A lead taken up: the investment project through to production (投产).
CREATE TABLE projects (
    id             BIGSERIAL PRIMARY KEY,
    lead_id        BIGINT REFERENCES leads (id) ON DELETE SET NULL,
    company        TEXT NOT NULL,
    industry       TEXT NOT NULL DEFAULT '',
    investment_wan DOUBLE PRECISION,
    output_wan     DOUBLE PRECISION,
    tax_wan        DOUBLE PRECISION,
    jobs           BIGINT,
    park           TEXT,
    stage          TEXT NOT NULL DEFAULT 'talks'
                   CHECK (stage IN ('talks', 'signed', 'registered', 'site_secured', 'started', 'producing', 'lost')),
    source         TEXT NOT NULL,
    partner_id     BIGINT REFERENCES partners (id),
    assignee       TEXT,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX projects_stage_idx ON projects (stage, id);

-- When each stage was reached and who is responsible for it.
CREATE TABLE project_stages (
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    stage       TEXT NOT NULL,
    reached_on  TEXT NOT NULL,
    reached_at  BIGINT NOT NULL,
    responsible TEXT,
    PRIMARY KEY (project_id, stage)
);

-- Every change of a project, like the audit of a plot.
CREATE TABLE project_events (
    id         BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    changes    TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX project_events_project_idx ON project_events (project_id, id);

-- The site a project holds (a reserved, negotiated or transferred plot, a
-- let factory or office): one project per site at a time. Staff data: never
-- part of a site's public properties.
CREATE TABLE project_sites (
    layer      TEXT NOT NULL,
    feature_id BIGINT NOT NULL,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (layer, feature_id)
);
CREATE INDEX project_sites_project_idx ON project_sites (project_id);
