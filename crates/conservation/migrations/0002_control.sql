CREATE TABLE env_rules (
    id {uuid} PRIMARY KEY,
    name TEXT NOT NULL,
    location_id {uuid} NOT NULL REFERENCES authorities(id),
    metric TEXT NOT NULL,
    op TEXT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    hysteresis DOUBLE PRECISION NOT NULL,
    duration_s BIGINT NOT NULL,
    topic TEXT NOT NULL,
    on_payload TEXT NOT NULL,
    off_payload TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    since_ms BIGINT NULL,
    override_state TEXT NULL,
    override_until_ms BIGINT NULL,
    version BIGINT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE env_commands (
    id {serial_pk},
    rule_id {uuid} NOT NULL REFERENCES env_rules(id),
    at_ms BIGINT NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    reason TEXT NOT NULL,
    sent BOOLEAN NOT NULL,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX env_commands_rule ON env_commands (rule_id, at_ms);
