-- Counts revocations and account changes. Every node polls it and forgets the tokens it
-- has cached when it moves, so a session ended on one node is refused on the others
-- within a second.
CREATE TABLE auth_epoch (
    id INTEGER PRIMARY KEY,
    epoch BIGINT NOT NULL
);
INSERT INTO auth_epoch (id, epoch) VALUES (1, 0);
