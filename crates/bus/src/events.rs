//! Event pages for integrators: the outbox after a cursor, filtered by type and by what
//! the caller may read, with long polling; the stream endpoint reads the same pages.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use vitrine_kernel::outbox::{self, Selection};
use vitrine_kernel::{Actor, Db, Error, FieldError, Result};

use crate::catalogue::{parse_types, readable_entities};

/// The longest long poll, in seconds.
pub const MAX_WAIT_SECS: u64 = 30;

/// How long a hole in the outbox positions is waited for before it is passed as a
/// rolled-back write (see `outbox::horizon`).
pub const GAP_PATIENCE: Duration = Duration::from_secs(30);

/// How often a long poll looks at the outbox again.
const POLL: Duration = Duration::from_millis(200);

/// One event as integrators read it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicEvent {
    /// Its position in the outbox, also the cursor that follows it (and its SSE id).
    pub id: String,
    /// Its type, from the event catalogue (`object.updated`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// What it says: the record's id and `entity`, the version and who, as the catalogue
    /// lists; never a record's fields (read the record through the API, which applies
    /// the caller's rights).
    #[schema(value_type = Object)]
    pub data: Value,
}

impl PublicEvent {
    /// The event as integrators read it.
    pub fn from_event(e: outbox::Event) -> Self {
        let mut data = match e.payload {
            Value::Object(m) => m,
            other => {
                let mut m = serde_json::Map::new();
                m.insert("value".into(), other);
                m
            }
        };
        data.insert("entity".into(), Value::String(e.entity_type));
        if let Some(id) = e.entity_id {
            data.entry("id").or_insert(Value::String(id.to_string()));
        }
        PublicEvent {
            id: e.seq.to_string(),
            kind: e.topic,
            at: e.at,
            data: Value::Object(data),
        }
    }
}

/// A page of events.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EventPage {
    /// Events after the cursor, oldest first.
    pub events: Vec<PublicEvent>,
    /// The cursor to ask with next (`after=`): the last event's id, or the cursor given
    /// when there was none.
    pub next: String,
}

/// What a reader asks for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventQuery {
    /// Events after this outbox position (0: from the start; `now` resolved by the bus).
    pub after: Option<i64>,
    /// Start from the newest event (`after=now`).
    pub from_now: bool,
    /// Exact types wanted (none and no prefixes: every type the caller may read).
    pub types: Vec<String>,
    /// Type prefixes (`media_asset.`) from `media_asset.*`.
    pub prefixes: Vec<String>,
    /// At most this many (1 to 1,000; 100 by default).
    pub limit: u64,
    /// Seconds to wait for an event when there is none yet (0 to 30).
    pub wait_secs: u64,
}

impl EventQuery {
    /// Reads `after`, `types`, `limit` and `wait`; every bad parameter is named.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<EventQuery> {
        let mut q = EventQuery {
            limit: 100,
            ..EventQuery::default()
        };
        let mut errors = Vec::new();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "after" if v == "now" => q.from_now = true,
                "after" => match v.parse::<i64>() {
                    Ok(n) if n >= 0 => q.after = Some(n),
                    _ => errors.push(FieldError::new(
                        "after",
                        "invalid_cursor",
                        "after must be a cursor this API gave (an event id or `next`), or `now`",
                    )),
                },
                "types" => match parse_types("types", v) {
                    Ok((exact, prefixes)) => {
                        q.types.extend(exact);
                        q.prefixes.extend(prefixes);
                    }
                    Err(e) => errors.push(e),
                },
                "limit" => match v.parse::<u64>() {
                    Ok(n) if (1..=1_000).contains(&n) => q.limit = n,
                    _ => errors.push(FieldError::new(
                        "limit",
                        "out_of_range",
                        "limit must be a whole number from 1 to 1000",
                    )),
                },
                "wait" => match v.parse::<u64>() {
                    Ok(n) if n <= MAX_WAIT_SECS => q.wait_secs = n,
                    _ => errors.push(FieldError::new(
                        "wait",
                        "out_of_range",
                        format!("wait must be a whole number of seconds from 0 to {MAX_WAIT_SECS}"),
                    )),
                },
                other => errors.push(FieldError::new(
                    vitrine_kernel::excerpt::excerpt(other),
                    "unknown_parameter",
                    "unknown parameter: use after, types, limit or wait",
                )),
            }
        }
        if errors.is_empty() {
            Ok(q)
        } else {
            Err(Error::InvalidParameters(errors))
        }
    }
}

/// The event reader.
#[derive(Clone)]
pub struct Bus {
    db: Db,
}

impl Bus {
    /// The bus over a database's outbox.
    pub fn new(db: Db) -> Self {
        Bus { db }
    }

    /// The outbox position a query starts after, checked: a cursor beyond the newest
    /// event did not come from this museum (400 naming `after`).
    pub async fn start(&self, q: &EventQuery) -> Result<i64> {
        let last = outbox::last_seq(self.db.conn()).await?;
        if q.from_now {
            return Ok(last);
        }
        let after = q.after.unwrap_or(0);
        if after > last {
            return Err(Error::InvalidParameters(vec![FieldError::new(
                "after",
                "cursor_from_the_future",
                format!("no event has come after position {last} yet: use a cursor this API gave"),
            )]));
        }
        Ok(after)
    }

    /// Events after `after` the caller may read, waiting up to `q.wait_secs` for the
    /// first when there is none. Staff only (the public reads no events).
    pub async fn page(&self, actor: &Actor, q: &EventQuery, after: i64) -> Result<EventPage> {
        if !actor.is_staff() {
            return Err(Error::Unauthenticated);
        }
        let mut sel = Selection {
            entity_types: readable_entities(actor),
            topics: q.types.clone(),
            prefixes: q.prefixes.clone(),
            until: None,
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(q.wait_secs);
        loop {
            // Never past a hole a writer may still fill: a reader's cursor must not skip.
            sel.until = Some(outbox::horizon(self.db.conn(), after, GAP_PATIENCE).await?);
            let events = outbox::select(self.db.conn(), after, &sel, q.limit).await?;
            if !events.is_empty() || tokio::time::Instant::now() >= deadline {
                let next = events.last().map_or(after, |e| e.seq).to_string();
                return Ok(EventPage {
                    events: events.into_iter().map(PublicEvent::from_event).collect(),
                    next,
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
