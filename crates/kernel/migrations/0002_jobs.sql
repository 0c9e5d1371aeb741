-- Background work. A worker claims a job with a lease (a conditional UPDATE; FOR UPDATE
-- SKIP LOCKED on PostgreSQL) and extends it while it runs; a job whose node died is taken
-- over once the lease runs out and resumes from its checkpoint. Times here are Unix
-- milliseconds: compared in SQL on both engines, they must order as numbers.
CREATE TABLE jobs (
    id {uuid} PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    node TEXT,
    created_by {uuid},
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    started_at BIGINT,
    finished_at BIGINT,
    heartbeat_at BIGINT,
    done BIGINT NOT NULL DEFAULT 0,
    total BIGINT,
    rate REAL,
    step TEXT,
    checkpoint TEXT,
    result TEXT,
    error TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    unique_key TEXT UNIQUE
);
CREATE INDEX jobs_ready ON jobs (state, run_after);
CREATE INDEX jobs_created ON jobs (created_at);

-- What a job said while it ran, oldest first.
CREATE TABLE job_log (
    seq {serial_pk},
    job_id {uuid} NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX job_log_job ON job_log (job_id, seq);

-- A job's downloadable result (a report, an export), kept in the database so any node
-- can serve it.
CREATE TABLE job_files (
    job_id {uuid} PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body {bytes} NOT NULL
);
