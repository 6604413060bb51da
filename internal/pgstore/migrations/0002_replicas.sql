-- Each replica's applied revision, so that the webhook relay announces a
-- change only once the replicas serving reads have it.
CREATE TABLE tolk_replicas (
    site    text NOT NULL REFERENCES tolk_sites (name) ON DELETE CASCADE,
    replica text NOT NULL,
    rev     bigint NOT NULL,
    seen    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, replica)
);
