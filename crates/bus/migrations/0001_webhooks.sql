-- Webhook subscriptions. `cursor` is the outbox position delivered (or dead-lettered) up
-- to; the event after it is the head, retried until `retry_at`. One node delivers a
-- subscription at a time (the lease). Times are Unix milliseconds.
CREATE TABLE webhooks (
    id {uuid} PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until BIGINT,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    created_by {uuid},
    created_by_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    cursor BIGINT NOT NULL,
    retry_at BIGINT,
    head_attempts INTEGER NOT NULL DEFAULT 0,
    head_since BIGINT,
    dead_in_a_row INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT
);

-- Every attempt to deliver an event to a subscription.
CREATE TABLE webhook_deliveries (
    id {serial_pk},
    webhook_id {uuid} NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    state TEXT NOT NULL,
    status_code INTEGER,
    latency_ms BIGINT NOT NULL,
    response TEXT,
    error TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (webhook_id, state);
