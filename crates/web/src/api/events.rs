//! Events for integrators: pages after a cursor (with long polling), a server-sent event
//! stream that resumes from `Last-Event-ID`, and the catalogue of event types.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use vitrine_bus::{CATALOGUE, EventPage, EventQuery, EventType};
use vitrine_kernel::Error;

use crate::extract::{Staff, query_pairs};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

fn query_of(uri: &Uri) -> Result<EventQuery, Error> {
    let pairs = query_pairs(uri.query()).map_err(Error::into_parameters)?;
    EventQuery::from_pairs(&pairs)
}

/// Events after a cursor that the caller may read, oldest first. With `wait`, an empty
/// answer waits up to that many seconds for the first event (long polling). Ask again
/// with `after=` the answer's `next`.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(("after" = Option<String>, Query, description = "a cursor from `next` or an event id; `now` for only new events; none for the start"),
           ("types" = Option<String>, Query, description = "event types from /api/v1/events/types, or `entity.*`, separated by commas"),
           ("limit" = Option<u32>, Query, description = "1 to 1000, default 100"),
           ("wait" = Option<u32>, Query, description = "seconds to wait for an event when there is none yet, 0 to 30")),
    responses((status = 200, body = EventPage), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Staff(actor): Staff,
    uri: Uri,
) -> ApiResult<Json<EventPage>> {
    let q = query_of(&uri)?;
    let after = st.bus.start(&q).await?;
    Ok(Json(st.bus.page(&actor, &q, after).await?))
}

/// The same events as a server-sent event stream (`id` is the cursor, `event` the type,
/// `data` the event as JSON). A reconnecting client resumes after its `Last-Event-ID`.
/// The request must accept `text/event-stream`, as EventSource does (406 otherwise).
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "events",
    params(("after" = Option<String>, Query, description = "where to start when there is no Last-Event-ID; default `now`"),
           ("types" = Option<String>, Query, description = "as for /api/v1/events"),
           ("Last-Event-ID" = Option<String>, Header, description = "the id of the last event received")),
    responses((status = 200, description = "the event stream", content_type = "text/event-stream"),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 406, body = Problem)),
    security(("bearer" = [])))]
pub async fn stream(
    State(st): State<AppState>,
    Staff(actor): Staff,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    let accepts = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"));
    if !accepts {
        return Err(Error::NotAcceptable(
            "the event stream is text/event-stream: send `Accept: text/event-stream` (or read pages at /api/v1/events)".into(),
        )
        .into());
    }
    let mut q = query_of(&uri)?;
    if let Some(id) = headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        let id = id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                Error::InvalidParameters(vec![vitrine_kernel::FieldError::new(
                    "Last-Event-ID",
                    "invalid_cursor",
                    "Last-Event-ID must be the id of an event this stream sent",
                )])
            })?;
        q.after = Some(id);
        q.from_now = false;
    } else if q.after.is_none() {
        q.from_now = true;
    }
    let after = st.bus.start(&q).await?;
    q.wait_secs = 15;
    let stream = futures_util::stream::unfold(
        (st, actor, q, after, Vec::new()),
        |(st, actor, q, mut after, mut queue): (_, _, _, _, Vec<vitrine_bus::PublicEvent>)| async move {
            while queue.is_empty() {
                match st.bus.page(&actor, &q, after).await {
                    Ok(p) => {
                        after = p.next.parse().unwrap_or(after);
                        queue = p.events;
                        queue.reverse();
                    }
                    Err(_) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            let e = queue.pop()?;
            let ev = Event::default()
                .id(e.id.clone())
                .event(e.kind.clone())
                .data(serde_json::to_string(&e).unwrap_or_default());
            Some((Ok::<_, Infallible>(ev), (st, actor, q, after, queue)))
        },
    );
    Ok(Sse::new(futures_util::StreamExt::fuse(stream))
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// The event catalogue: every type, and what its data says.
#[utoipa::path(get, path = "/api/v1/events/types", tag = "events",
    responses((status = 200, body = Vec<EventType>), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn types(Staff(_): Staff) -> Json<&'static [EventType]> {
    Json(CATALOGUE)
}
