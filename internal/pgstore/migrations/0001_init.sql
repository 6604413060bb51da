-- The first schema of Tolk's PostgreSQL backend.

-- One row a site: the lock of its writes, and its counters.
CREATE TABLE tolk_sites (
    name    text PRIMARY KEY,
    -- epoch identifies this site's change log: a cursor of another epoch
    -- (a log dropped and recreated) is expired, not misread.
    epoch   bytea NOT NULL CHECK (length(epoch) = 8),
    -- rev counts commits that changed anything (a version, site.yaml, the log).
    rev     bigint NOT NULL DEFAULT 0,
    -- head is the sequence of the last change-log entry.
    head    bigint NOT NULL DEFAULT 0,
    created timestamptz NOT NULL DEFAULT now()
);

-- site.yaml (and any later site-wide file), by path.
CREATE TABLE tolk_site_files (
    site    text NOT NULL REFERENCES tolk_sites (name) ON DELETE CASCADE,
    path    text NOT NULL,
    data    bytea,           -- NULL: deleted (kept so that catching up sees it)
    hash    text NOT NULL DEFAULT '',
    rev     bigint NOT NULL, -- the commit that last wrote it
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, path)
);

-- Each version's canonical file, drafts included.
CREATE TABLE tolk_versions (
    site    text NOT NULL REFERENCES tolk_sites (name) ON DELETE CASCADE,
    id      text NOT NULL,
    lang    text NOT NULL,
    data    bytea,           -- NULL: deleted (a tombstone, so that catching up sees it)
    hash    text NOT NULL DEFAULT '',
    rev     bigint NOT NULL,
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, id, lang)
);
CREATE INDEX tolk_versions_rev ON tolk_versions (site, rev);

-- The change log: journal entries, numbered without gaps in commit order.
CREATE TABLE tolk_changes (
    site          text NOT NULL REFERENCES tolk_sites (name) ON DELETE CASCADE,
    seq           bigint NOT NULL CHECK (seq > 0),
    rev           bigint NOT NULL,
    id            text NOT NULL,
    lang          text NOT NULL,
    op            text NOT NULL CHECK (op IN ('upsert', 'delete')),
    at            timestamptz NOT NULL,
    slug          text NOT NULL DEFAULT '',
    hash          text NOT NULL DEFAULT '',
    previous_slug text NOT NULL DEFAULT '',
    url           text NOT NULL DEFAULT '',
    previous_url  text NOT NULL DEFAULT '',
    silent        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (site, seq)
);
CREATE INDEX tolk_changes_rev ON tolk_changes (site, rev);

-- Each webhook receiver's position in the change log: the sequence of the
-- last entry delivered (or given up).
CREATE TABLE tolk_webhook_positions (
    site     text NOT NULL REFERENCES tolk_sites (name) ON DELETE CASCADE,
    receiver text NOT NULL,
    seq      bigint NOT NULL,
    updated  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, receiver)
);
