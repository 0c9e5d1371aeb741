-- People, places, vocabulary terms and museum locations: one shape (see authority.rs).
-- `data` holds the full record as written; the columns beside it are copies for
-- filtering, ordering and integrity.
CREATE TABLE authorities (
    id {uuid} PRIMARY KEY,
    kind TEXT NOT NULL,
    vocabulary TEXT NOT NULL,
    label {json} NOT NULL,
    parent_id {uuid} REFERENCES authorities(id),
    search_text TEXT NOT NULL,
    data {json} NOT NULL,
    version BIGINT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts}
);
CREATE INDEX authorities_kind ON authorities (kind, vocabulary);
CREATE INDEX authorities_parent ON authorities (parent_id);

-- Catalogue records. `data` is the record as written minus confidential fields, which
-- live in their own column so a list query for most roles never carries them.
CREATE TABLE objects (
    id {uuid} PRIMARY KEY,
    object_number TEXT NOT NULL UNIQUE,
    object_name_id {uuid} REFERENCES authorities(id),
    collection_id {uuid} REFERENCES authorities(id),
    period_id {uuid} REFERENCES authorities(id),
    title {json} NOT NULL,
    department TEXT NOT NULL,
    status TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    earliest_year BIGINT,
    latest_year BIGINT,
    keywords TEXT NOT NULL,
    data {json} NOT NULL,
    confidential {json},
    version BIGINT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts}
);
CREATE INDEX objects_department ON objects (department, object_number);
CREATE INDEX objects_status ON objects (status, object_number);
CREATE INDEX objects_updated ON objects (updated_at, id);
CREATE INDEX objects_year ON objects (earliest_year, id);
CREATE INDEX objects_public ON objects (public, object_number)
