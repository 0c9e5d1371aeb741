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
    sort_year BIGINT NOT NULL,
    keywords TEXT NOT NULL,
    data {json} NOT NULL,
    confidential {json},
    version BIGINT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    deleted_at {ts}
);
-- Unfiltered lists walk one of these in order and stop after a page.
CREATE INDEX objects_updated ON objects (updated_at, id);
CREATE INDEX objects_year ON objects (sort_year, id);
-- Lists filtered by department and status read one of these in order, whatever the
-- sort; counts read them without touching rows. (Object numbers begin with a department
-- prefix, so walking a global order and filtering would scan most of the table.)
CREATE INDEX objects_by_number ON objects (department, status, object_number, id) WHERE deleted_at IS NULL;
CREATE INDEX objects_by_updated ON objects (department, status, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX objects_by_year ON objects (department, status, sort_year, id) WHERE deleted_at IS NULL
