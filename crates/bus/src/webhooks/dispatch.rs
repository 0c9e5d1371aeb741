//! The dispatcher: for each subscription whose delivery lease this node holds, the events
//! after its cursor, in order; a failed event holds the ones after it (order per
//! subscription) until it is delivered or, after `dead_after`, dead-lettered.

use std::time::Instant;

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

impl Webhooks {
    /// Delivers until stopped: every `poll`, each subscription this node can lease.
    pub fn spawn_dispatcher(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                match me.dispatch_once().await {
                    Ok(_) => failures = 0,
                    Err(e) => {
                        failures += 1;
                        if failures.is_power_of_two() {
                            tracing::warn!(error = %e, "webhooks: dispatch failed");
                        }
                    }
                }
                tokio::time::sleep(me.inner.settings.poll).await;
            }
        })
    }

    /// One pass over the subscriptions; returns the deliveries attempted.
    pub async fn dispatch_once(&self) -> Result<usize> {
        let rows = store::list(self.inner.db.conn()).await?;
        let mut attempted = 0;
        for row in rows.into_iter().filter(|r| r.enabled) {
            let now = now_ms();
            if row.retry_at.is_some_and(|t| t > now) {
                continue;
            }
            let lease_until = now + 30_000;
            let turn = self.inner.db.write_turn().await;
            let mine = store::lease(
                self.inner.db.conn(),
                row.id,
                &self.inner.owner,
                now,
                lease_until,
            )
            .await?;
            drop(turn);
            if mine {
                attempted += self.deliver_pending(&row).await?;
            }
        }
        Ok(attempted)
    }

    async fn deliver_pending(&self, row: &Row) -> Result<usize> {
        let mut sel = Self::selection(row);
        // In order, never past a hole a writer may still fill.
        let c = self.inner.db.conn();
        sel.until = Some(outbox::horizon(c, row.cursor, crate::events::GAP_PATIENCE).await?);
        let events = outbox::select(c, row.cursor, &sel, BATCH).await?;
        let s = &self.inner.settings;
        let mut p = Progress {
            cursor: row.cursor,
            retry_at: None,
            head_attempts: row.head_attempts,
            head_since: row.head_since,
            dead_in_a_row: row.dead_in_a_row,
        };
        let mut attempted = 0;
        for e in &events {
            let attempt = p.head_attempts + 1;
            let now = now_ms();
            let a = self.attempt(row, e, now).await;
            attempted += 1;
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
                (DeliveryState::Dead, false)
            } else {
                let wait = vitrine_kernel::jobs::backoff_delay(s.backoff, s.backoff_max, attempt);
                p.head_attempts = attempt;
                p.head_since = Some(since);
                p.retry_at = Some(now + wait.as_millis() as i64);
                (DeliveryState::Failed, true)
            };
            self.record(row, e, attempt, state, a).await?;
            let turn = self.inner.db.write_turn().await;
            let kept = store::advance(self.inner.db.conn(), row.id, &self.inner.owner, &p).await?;
            drop(turn);
            if !kept {
                // Another node took the lease: it carries on from the stored cursor.
                break;
            }
            if p.dead_in_a_row >= s.disable_after {
                let reason = format!(
                    "{} deliveries in a row failed for {} h; turned off",
                    p.dead_in_a_row,
                    s.dead_after.as_secs() / 3_600
                );
                tracing::warn!(webhook = %row.id, url = %row.url, "{reason}");
                let turn = self.inner.db.write_turn().await;
                store::set_enabled(self.inner.db.conn(), row.id, false, Some(&reason)).await?;
                drop(turn);
                break;
            }
            if stop {
                break;
            }
        }
        Ok(attempted)
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
        self.record(row, e, attempt, state, a).await?;
        Ok(ok)
    }

    async fn record(
        &self,
        row: &Row,
        e: &Event,
        attempt: i32,
        state: DeliveryState,
        a: Attempt,
    ) -> Result<()> {
        let msg_id = msg_id(e);
        let turn = self.inner.db.write_turn().await;
        store::record(
            self.inner.db.conn(),
            NewDelivery {
                webhook_id: row.id,
                event_seq: e.seq,
                event_type: &e.topic,
                msg_id: &msg_id,
                attempt,
                state,
                status_code: a.status,
                latency_ms: a.latency_ms,
                response: a.response,
                error: a.error,
                at: now_ms(),
            },
        )
        .await?;
        drop(turn);
        Ok(())
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
