CREATE TABLE env_sensors (
    id {uuid} PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL DEFAULT '',
    metrics {json} NOT NULL,
    interval_s BIGINT NOT NULL DEFAULT 300,
    status TEXT NOT NULL,
    space_hint TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE env_placements (
    id {uuid} PRIMARY KEY,
    sensor_id {uuid} NOT NULL REFERENCES env_sensors(id),
    location_id {uuid} NOT NULL REFERENCES authorities(id),
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX env_placements_sensor ON env_placements (sensor_id, from_ms);
CREATE INDEX env_placements_location ON env_placements (location_id, from_ms);
CREATE TABLE env_calibrations (
    id {uuid} PRIMARY KEY,
    sensor_id {uuid} NOT NULL REFERENCES env_sensors(id),
    metric TEXT NOT NULL,
    cal_offset DOUBLE PRECISION NOT NULL,
    cal_scale DOUBLE PRECISION NOT NULL,
    valid_from_ms BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX env_calibrations_sensor ON env_calibrations (sensor_id, metric, valid_from_ms);
CREATE TABLE env_targets (
    location_id {uuid} PRIMARY KEY REFERENCES authorities(id),
    profile TEXT NOT NULL,
    ranges {json} NOT NULL,
    version BIGINT NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE env_series (
    id {serial_pk},
    sensor_id {uuid} NOT NULL REFERENCES env_sensors(id),
    metric TEXT NOT NULL,
    UNIQUE (sensor_id, metric)
);
CREATE TABLE env_ingest_tokens (
    id {uuid} PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at {ts} NOT NULL,
    revoked_at {ts} NULL
);
