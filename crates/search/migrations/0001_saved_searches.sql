-- A staff member's named searches: the query parameters that reproduce them.
CREATE TABLE saved_searches (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX saved_searches_user ON saved_searches (user_id, created_at)
