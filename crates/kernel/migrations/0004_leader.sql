-- Work one node does at a time (control rules, MQTT ingest): the node that holds a row's
-- lease does it, renewing before `until_ms` (Unix milliseconds); when it stops renewing,
-- another node takes the row over.
CREATE TABLE leader_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);
