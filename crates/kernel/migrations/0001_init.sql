CREATE TABLE users (
    id {uuid} PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT 'zh-Hans',
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);

-- Browser sessions and API tokens: only a SHA-256 of the secret is kept.
CREATE TABLE auth_tokens (
    id {uuid} PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id {uuid} NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at {ts} NOT NULL,
    expires_at {ts},
    last_used_at {ts},
    revoked_at {ts}
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id, kind);

-- Append-only: no code path updates or deletes these rows.
CREATE TABLE audit_log (
    id {uuid} PRIMARY KEY,
    at {ts} NOT NULL,
    actor_id {uuid},
    actor_name TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id {uuid} NOT NULL,
    action TEXT NOT NULL,
    version BIGINT NOT NULL,
    before_data {json},
    after_data {json}
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Events written in the same transaction as the change they announce.
CREATE TABLE outbox (
    seq {serial_pk},
    at {ts} NOT NULL,
    topic TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id {uuid},
    payload {json} NOT NULL
);
