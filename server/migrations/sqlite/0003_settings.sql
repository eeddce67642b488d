-- Server-wide settings shared by every instance on the store, such as the
-- key that signs session cookies and share links (created on first use).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
