//! Webhooks: administrators subscribe URLs to event types; every event after the
//! subscription is delivered at least once, in order, signed per Standard Webhooks,
//! retried with exponential backoff for a day, then kept as a dead letter to replay. A
//! subscription whose deliveries keep dying is turned off with the reason.

mod dispatch;
pub mod model;
pub mod sign;
mod store;
pub mod target;

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;
use vitrine_kernel::outbox::{self, Selection};
use vitrine_kernel::{Actor, Db, Error, FieldError, Permission, Result};

pub use model::{CreatedWebhook, Delivery, DeliveryState, NewWebhook, Webhook};

use crate::catalogue::{parse_types, readable_entities};

/// How deliveries are made.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// This node's name (the delivery lease names it).
    pub node: String,
    /// Allow URLs on loopback and private networks (tests, an in-house receiver).
    pub allow_private: bool,
    /// How long a receiver may take to answer.
    pub timeout: Duration,
    /// First retry delay, doubled each attempt.
    pub backoff: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// How long an event is retried before it becomes a dead letter.
    pub dead_after: Duration,
    /// Dead letters in a row after which the subscription is turned off.
    pub disable_after: i32,
    /// How long the secret before a rotation still signs deliveries.
    pub rotation_grace: Duration,
    /// How often the dispatcher looks for new events.
    pub poll: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            node: "local".into(),
            allow_private: false,
            timeout: Duration::from_secs(10),
            backoff: Duration::from_secs(5),
            backoff_max: Duration::from_secs(3_600),
            dead_after: Duration::from_secs(24 * 3_600),
            disable_after: 20,
            rotation_grace: Duration::from_secs(24 * 3_600),
            poll: Duration::from_millis(50),
        }
    }
}

/// The webhooks service.
#[derive(Clone)]
pub struct Webhooks {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    settings: WebhookSettings,
    client: reqwest::Client,
    /// `node/xxxxxx`: the lease owner this dispatcher writes.
    owner: String,
}

/// What a replay did.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ReplayReport {
    /// Dead letters delivered now.
    pub delivered: u64,
    /// Dead letters that failed again (still dead).
    pub failed: u64,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn not_found() -> Error {
    Error::NotFound { what: "webhook" }
}

impl Webhooks {
    /// The service over a database.
    pub fn new(db: Db, settings: WebhookSettings) -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .user_agent(concat!("Vitrine-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("webhook client: {e}")))?;
        let owner = format!(
            "{}/{}",
            settings.node,
            uuid::Uuid::now_v7()
                .simple()
                .to_string()
                .get(20..)
                .unwrap_or("0")
        );
        Ok(Webhooks {
            inner: Arc::new(Inner {
                db,
                settings,
                client,
                owner,
            }),
        })
    }

    /// Subscribes a URL to event types (administrators); deliveries start with the next
    /// event. The answer carries the signing secret, shown this once.
    pub async fn create(&self, actor: &Actor, new: NewWebhook) -> Result<CreatedWebhook> {
        actor.require(Permission::SystemManage)?;
        let mut errors = Vec::new();
        let url = match target::check(&new.url, self.inner.settings.allow_private) {
            Ok(u) => u.to_string(),
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        if new.events.is_empty() {
            errors.push(FieldError::new(
                "events",
                "required",
                "name at least one event type",
            ));
        }
        for (i, t) in new.events.iter().enumerate() {
            if let Err(e) = parse_types(&format!("events[{i}]"), t) {
                errors.push(e);
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let id = vitrine_kernel::ids::new_id();
        let secret = sign::new_secret();
        let c = self.inner.db.conn();
        let cursor = outbox::last_seq(c).await?;
        let events: Vec<String> = new.events.iter().map(|e| e.trim().to_owned()).collect();
        let w = self.inner.db.begin_write().await?;
        store::insert(
            &*w,
            id,
            &url,
            &events,
            &secret,
            actor.user_id(),
            &actor.name(),
            now_ms(),
            cursor,
        )
        .await?;
        w.commit().await?;
        Ok(CreatedWebhook {
            webhook: self.get(actor, id).await?,
            secret,
        })
    }

    /// Every subscription (administrators).
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Webhook>> {
        actor.require(Permission::SystemManage)?;
        Ok(store::list(self.inner.db.conn())
            .await?
            .iter()
            .map(store::Row::webhook)
            .collect())
    }

    /// One subscription (administrators).
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<Webhook> {
        actor.require(Permission::SystemManage)?;
        Ok(store::get(self.inner.db.conn(), id)
            .await?
            .ok_or_else(not_found)?
            .webhook())
    }

    /// Ends a subscription and forgets its deliveries.
    pub async fn delete(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require(Permission::SystemManage)?;
        let w = self.inner.db.begin_write().await?;
        let gone = store::delete(&*w, id).await?;
        w.commit().await?;
        if gone { Ok(()) } else { Err(not_found()) }
    }

    /// A new secret; deliveries carry signatures with both for `rotation_grace`, so the
    /// receiver can switch without losing one.
    pub async fn rotate(&self, actor: &Actor, id: Uuid) -> Result<CreatedWebhook> {
        actor.require(Permission::SystemManage)?;
        let secret = sign::new_secret();
        let until = now_ms() + self.inner.settings.rotation_grace.as_millis() as i64;
        let turn = self.inner.db.write_turn().await;
        let done = store::rotate(self.inner.db.conn(), id, &secret, until).await?;
        drop(turn);
        if !done {
            return Err(not_found());
        }
        Ok(CreatedWebhook {
            webhook: self.get(actor, id).await?,
            secret,
        })
    }

    /// Turns a subscription on again (after it was turned off for failing) or off.
    pub async fn set_enabled(&self, actor: &Actor, id: Uuid, on: bool) -> Result<Webhook> {
        actor.require(Permission::SystemManage)?;
        let reason = (!on).then_some("turned off by an administrator");
        let turn = self.inner.db.write_turn().await;
        let done = store::set_enabled(self.inner.db.conn(), id, on, reason).await?;
        drop(turn);
        if !done {
            return Err(not_found());
        }
        self.get(actor, id).await
    }

    /// A subscription's deliveries, newest first (at most `limit`), or only its dead
    /// letters, oldest first.
    pub async fn deliveries(
        &self,
        actor: &Actor,
        id: Uuid,
        dead_only: bool,
        limit: u64,
    ) -> Result<Vec<Delivery>> {
        self.get(actor, id).await?;
        store::deliveries(self.inner.db.conn(), id, dead_only, limit.clamp(1, 1_000)).await
    }

    /// Delivers dead letters again, oldest first: one (`delivery`) or all of them.
    pub async fn replay(
        &self,
        actor: &Actor,
        id: Uuid,
        delivery: Option<i64>,
    ) -> Result<ReplayReport> {
        self.get(actor, id).await?;
        let row = store::get(self.inner.db.conn(), id)
            .await?
            .ok_or_else(not_found)?;
        let dead = store::deliveries(self.inner.db.conn(), id, true, 1_000).await?;
        let chosen: Vec<&Delivery> = match delivery {
            Some(d) => {
                let one: Vec<&Delivery> = dead.iter().filter(|x| x.id == d).collect();
                if one.is_empty() {
                    return Err(Error::NotFound {
                        what: "dead letter",
                    });
                }
                one
            }
            None => dead.iter().collect(),
        };
        let mut report = ReplayReport::default();
        for d in chosen {
            let seq: i64 = d.event_id.parse().unwrap_or(0);
            let Some(event) = outbox::at(self.inner.db.conn(), &[seq]).await?.pop() else {
                continue;
            };
            if self.deliver_and_record(&row, &event, d.attempt + 1).await? {
                let turn = self.inner.db.write_turn().await;
                store::mark_replayed(self.inner.db.conn(), d.id).await?;
                drop(turn);
                report.delivered += 1;
            } else {
                report.failed += 1;
            }
        }
        Ok(report)
    }

    /// The events a subscription receives.
    fn selection(row: &store::Row) -> Selection {
        let mut sel = Selection {
            entity_types: readable_entities(&Actor::System("webhooks")),
            ..Selection::default()
        };
        for t in row.events() {
            if let Ok((exact, prefixes)) = parse_types("events", &t) {
                sel.topics.extend(exact);
                sel.prefixes.extend(prefixes);
            }
        }
        sel
    }
}
