//! The dispatcher: for each subscription whose delivery lease this node holds, the events
//! after its cursor, in order; a failed event holds the ones after it (order per
//! subscription) until it is delivered or, after `dead_after`, dead-lettered.

use std::time::{Duration, Instant};

use vitrine_kernel::outbox::{self, Event};
use vitrine_kernel::{Error, Result};

use super::model::DeliveryState;
use super::store::{self, NewDelivery, Progress, Row};
use super::{Webhooks, now_ms, sign};
use crate::events::PublicEvent;

/// Events read for a subscription at once.
const BATCH: u64 = 100;

/// What one attempt came to.
struct Attempt {
    ok: bool,
    status: Option<i32>,
    latency_ms: i64,
    response: Option<String>,
    error: Option<String>,
}

/// When a subscription's task looks again.
enum Next {
    /// More events wait.
    Now,
    /// Caught up: after `poll`.
    Idle,
    /// At this time (Unix ms): a retry, or another node's lease running out.
    At(i64),
}

/// How long a delivery lease lasts; it is renewed when less than half is left.
const LEASE_MS: i64 = 30_000;

impl Webhooks {
    /// Delivers until stopped (dropping the handle's task stops every subscription's):
    /// one task a subscription, each in order, straight on while events wait, at a
    /// failure's retry time, every `poll` once caught up. New subscriptions are found
    /// every `poll`.
    pub fn spawn_dispatcher(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tasks = tokio::task::JoinSet::new();
            let mut running = std::collections::HashSet::new();
            let mut failures = 0u32;
            loop {
                while let Some(done) = tasks.try_join_next() {
                    if let Ok(id) = done {
                        running.remove(&id);
                    }
                }
                match store::list(me.inner.db.conn()).await {
                    Ok(rows) => {
                        failures = 0;
                        for row in rows.into_iter().filter(|r| r.enabled) {
                            if running.insert(row.id) {
                                let one = me.clone();
                                tasks.spawn(async move {
                                    one.run_subscription(row.id).await;
                                    row.id
                                });
                            }
                        }
                    }
                    Err(e) => {
                        failures += 1;
                        if failures.is_power_of_two() {
                            tracing::warn!(error = %e, "webhooks: cannot list subscriptions");
                        }
                    }
                }
                tokio::time::sleep(me.inner.settings.poll).await;
            }
        })
    }

    /// One subscription's deliveries, until it is turned off or ended.
    async fn run_subscription(&self, id: uuid::Uuid) {
        let poll = self.inner.settings.poll;
        let mut failures = 0u32;
        loop {
            let row = match store::get(self.inner.db.conn(), id).await {
                Ok(Some(row)) if row.enabled => row,
                Ok(_) => return,
                Err(e) => {
                    failures += 1;
                    if failures.is_power_of_two() {
                        tracing::warn!(webhook = %id, error = %e, "webhooks: cannot read the subscription");
                    }
                    tokio::time::sleep(poll).await;
                    continue;
                }
            };
            let wait = match self.dispatch_subscription(row).await {
                Ok((_, Next::Now)) => Duration::ZERO,
                Ok((_, Next::Idle)) => poll,
                Ok((_, Next::At(t))) => {
                    Duration::from_millis((t - now_ms()).clamp(0, 3_600_000) as u64)
                }
                Err(e) => {
                    failures += 1;
                    if failures.is_power_of_two() {
                        tracing::warn!(webhook = %id, error = %e, "webhooks: dispatch failed");
                    }
                    poll
                }
            };
            if !wait.is_zero() {
                // Look again at least every `poll`: a replay, a rotation or a turn-off
                // changes the row.
                tokio::time::sleep(wait.min(poll.max(Duration::from_secs(1)))).await;
            }
        }
    }

    /// One pass over the subscriptions, side by side; returns the most deliveries one
    /// subscription attempted.
    pub async fn dispatch_once(&self) -> Result<usize> {
        let rows = store::list(self.inner.db.conn()).await?;
        let mut set = tokio::task::JoinSet::new();
        for row in rows.into_iter().filter(|r| r.enabled) {
            let me = self.clone();
            set.spawn(async move { me.dispatch_subscription(row).await });
        }
        let mut most = 0;
        let mut first_error = None;
        while let Some(done) = set.join_next().await {
            match done {
                Ok(Ok((n, _))) => most = most.max(n),
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(e) => {
                    first_error.get_or_insert(Error::Internal(format!("webhook task: {e}")));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(most),
        }
    }

    /// Delivers what waits for one subscription, when this node holds (or takes) its
    /// lease; says when to come back.
    async fn dispatch_subscription(&self, row: Row) -> Result<(usize, Next)> {
        let now = now_ms();
        if let Some(t) = row.retry_at.filter(|t| *t > now) {
            return Ok((0, Next::At(t)));
        }
        let held = row.lease_owner.as_deref() == Some(self.inner.owner.as_str())
            && row.lease_until.is_some_and(|t| t > now + LEASE_MS / 2);
        if !held {
            let turn = self.inner.db.write_turn().await;
            let mine = store::lease(
                self.inner.db.conn(),
                row.id,
                &self.inner.owner,
                now,
                now + LEASE_MS,
            )
            .await?;
            drop(turn);
            if !mine {
                // Another node delivers; try again when its lease would run out.
                return Ok((0, Next::At(row.lease_until.unwrap_or(now) + 1)));
            }
        }
        self.deliver_pending(&row).await
    }

    /// The events after the cursor, one POST at a time in order; the attempts and the new
    /// cursor are written together once the batch ends (or stops at a failure). A node
    /// that dies mid-batch leaves the cursor before it: the events are sent again
    /// (at least once; receivers drop repeats by `webhook-id`).
    async fn deliver_pending(&self, row: &Row) -> Result<(usize, Next)> {
        let mut sel = Self::selection(row);
        // In order, never past a hole a writer may still fill.
        let c = self.inner.db.conn();
        sel.until = Some(outbox::horizon(c, row.cursor, crate::events::GAP_PATIENCE).await?);
        let events = outbox::select(c, row.cursor, &sel, BATCH).await?;
        if events.is_empty() {
            return Ok((0, Next::Idle));
        }
        let s = &self.inner.settings;
        let mut p = Progress {
            cursor: row.cursor,
            retry_at: None,
            head_attempts: row.head_attempts,
            head_since: row.head_since,
            dead_in_a_row: row.dead_in_a_row,
        };
        let mut log = Vec::with_capacity(events.len());
        for e in &events {
            let attempt = p.head_attempts + 1;
            let now = now_ms();
            let a = self.attempt(row, e, now).await;
            let since = p.head_since.unwrap_or(now);
            let (state, stop) = if a.ok {
                p = Progress {
                    cursor: e.seq,
                    retry_at: None,
                    head_attempts: 0,
                    head_since: None,
                    dead_in_a_row: 0,
                };
                (DeliveryState::Delivered, false)
            } else if now - since >= s.dead_after.as_millis() as i64 {
                p = Progress {
                    cursor: e.seq,
                    retry_at: None,
                    head_attempts: 0,
                    head_since: None,
                    dead_in_a_row: p.dead_in_a_row + 1,
                };
                (DeliveryState::Dead, p.dead_in_a_row >= s.disable_after)
            } else {
                let wait = vitrine_kernel::jobs::backoff_delay(s.backoff, s.backoff_max, attempt);
                p.head_attempts = attempt;
                p.head_since = Some(since);
                p.retry_at = Some(now + wait.as_millis() as i64);
                (DeliveryState::Failed, true)
            };
            log.push(new_delivery(row, e, attempt, state, a));
            if stop {
                break;
            }
        }
        let attempted = log.len();
        let w = self.inner.db.begin_write().await?;
        store::record(&*w, log).await?;
        // Fenced by the lease: when another node took it, it carries on from the stored
        // cursor and these attempts stay in the log as what they were.
        let kept = store::advance(&*w, row.id, &self.inner.owner, &p).await?;
        let turn_off = kept && p.dead_in_a_row >= s.disable_after;
        if turn_off {
            let reason = format!(
                "{} deliveries in a row failed for {} h; turned off",
                p.dead_in_a_row,
                s.dead_after.as_secs() / 3_600
            );
            tracing::warn!(webhook = %row.id, url = %row.url, "{reason}");
            store::set_enabled(&*w, row.id, false, Some(&reason)).await?;
        }
        w.commit().await?;
        let next = match p.retry_at {
            _ if !kept || turn_off => Next::Idle,
            Some(t) => Next::At(t),
            None if events.len() as u64 == BATCH => Next::Now,
            None => Next::Idle,
        };
        Ok((attempted, next))
    }

    /// Sends one event once and records it; true when the receiver took it.
    pub(super) async fn deliver_and_record(
        &self,
        row: &Row,
        e: &Event,
        attempt: i32,
    ) -> Result<bool> {
        let a = self.attempt(row, e, now_ms()).await;
        let ok = a.ok;
        let state = if ok {
            DeliveryState::Delivered
        } else {
            DeliveryState::Dead
        };
        let turn = self.inner.db.write_turn().await;
        store::record(
            self.inner.db.conn(),
            vec![new_delivery(row, e, attempt, state, a)],
        )
        .await?;
        drop(turn);
        Ok(ok)
    }

    /// One POST of one event, signed with the secrets in force.
    async fn attempt(&self, row: &Row, e: &Event, now: i64) -> Attempt {
        let public = PublicEvent::from_event(e.clone());
        let body = serde_json::to_vec(&serde_json::json!({
            "type": public.kind,
            "timestamp": public.at,
            "data": public.data,
        }))
        .unwrap_or_default();
        let id = msg_id(e);
        let ts = now / 1_000;
        let signature = sign::header(&row.secrets(now), &id, ts, &body);
        let started = Instant::now();
        let sent = self
            .inner
            .client
            .post(&row.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let latency_ms = started.elapsed().as_millis() as i64;
        match sent {
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                let response =
                    (!text.is_empty()).then(|| vitrine_kernel::excerpt::excerpt_to(&text, 500));
                Attempt {
                    ok: status.is_success(),
                    status: Some(i32::from(status.as_u16())),
                    latency_ms,
                    response,
                    error: (!status.is_success())
                        .then(|| format!("the receiver answered {status}")),
                }
            }
            Err(err) => Attempt {
                ok: false,
                status: None,
                latency_ms,
                response: None,
                error: Some(describe(&err)),
            },
        }
    }
}

fn new_delivery(
    row: &Row,
    e: &Event,
    attempt: i32,
    state: DeliveryState,
    a: Attempt,
) -> NewDelivery {
    NewDelivery {
        webhook_id: row.id,
        event_seq: e.seq,
        event_type: e.topic.clone(),
        msg_id: msg_id(e),
        attempt,
        state,
        status_code: a.status,
        latency_ms: a.latency_ms,
        response: a.response,
        error: a.error,
        at: now_ms(),
    }
}

/// The `webhook-id` of an event: the same on every attempt, so receivers can drop repeats.
fn msg_id(e: &Event) -> String {
    format!("msg_{}", e.seq)
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        "cannot connect to the receiver".into()
    } else {
        Error::Internal(e.to_string()).to_string()
    }
}
