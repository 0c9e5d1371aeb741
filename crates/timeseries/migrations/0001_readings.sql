-- The readings store's tables. They were released inside conservation/0001_environment
-- (hence their names); a database made before the store became its own crate already has
-- them, so they are created only when missing.
CREATE TABLE IF NOT EXISTS env_wal (
    id {serial_pk},
    n_values BIGINT NOT NULL,
    payload {bytes} NOT NULL
);
CREATE TABLE IF NOT EXISTS env_days (
    series_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    n BIGINT NOT NULL,
    vmin DOUBLE PRECISION NOT NULL,
    vmax DOUBLE PRECISION NOT NULL,
    vsum DOUBLE PRECISION NOT NULL,
    integral DOUBLE PRECISION NOT NULL,
    covered_ms BIGINT NOT NULL,
    first_ms BIGINT NOT NULL,
    last_ms BIGINT NOT NULL,
    points {bytes} NULL,
    hours {bytes} NOT NULL,
    PRIMARY KEY (series_id, day)
);
