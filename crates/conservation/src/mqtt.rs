//! Readings over MQTT: a subscription to `vitrine/sensors/{code}` (configurable) on the
//! museum's broker. A message carries JSON (`{"t": 20.1, "rh": 51, "time": …}`, an array of
//! such objects, or a `{"readings": […]}` batch) or line protocol; the topic names the
//! sensor when the payload does not. A QoS 1 message is acknowledged only once its readings
//! are durable, so the broker delivers it again after a crash. The connection is retried
//! with backoff for as long as the server runs.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, Publish, QoS};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::Path;
use crate::ingest::{
    IngestReport, JsonBatch, JsonReading, Precision, parse_json, parse_line_protocol,
};
use crate::service::Conservation;

/// Where to subscribe.
#[derive(Clone, Debug)]
pub struct MqttSettings {
    /// Broker host.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// Topic filter; the last level is the sensor code (`vitrine/sensors/+`).
    pub topic: String,
    /// Client id (a fixed id lets the broker keep unacknowledged messages across restarts).
    pub client_id: String,
    /// Credentials, if the broker wants them.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
}

impl MqttSettings {
    /// Reads `mqtt://[user:pass@]host[:port]`.
    pub fn from_url(url: &str, topic: &str, client_id: &str) -> Result<MqttSettings, String> {
        let rest = url
            .strip_prefix("mqtt://")
            .or_else(|| url.strip_prefix("tcp://"))
            .ok_or_else(|| format!("`{url}`: the broker URL must start with mqtt://"))?;
        let (creds, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let hostport = hostport.trim_end_matches('/');
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| format!("`{url}`: bad port"))?),
            None => (hostport, 1883),
        };
        if host.is_empty() {
            return Err(format!("`{url}`: no host"));
        }
        let (username, password) = match creds.map(|c| c.split_once(':').unwrap_or((c, ""))) {
            Some((u, p)) => (Some(u.to_owned()), Some(p.to_owned())),
            None => (None, None),
        };
        Ok(MqttSettings {
            host: host.to_owned(),
            port,
            topic: topic.to_owned(),
            client_id: client_id.to_owned(),
            username,
            password,
        })
    }
}

/// Turns one message into readings; what cannot be read goes to the report.
pub fn handle(
    c: &Conservation,
    topic: &str,
    payload: &[u8],
    now_ms: i64,
    report: &mut IngestReport,
) -> Vec<OwnedIncoming> {
    let code = topic.rsplit('/').next().unwrap_or_default();
    let first = payload.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match first {
        None => {
            report.reject(1, "empty message");
            Vec::new()
        }
        Some(b'{') | Some(b'[') => match serde_json::from_slice::<Value>(payload) {
            Ok(v) => {
                let batch = json_batch(v, code);
                let out = parse_json(&batch, now_ms, c.aliases(), report);
                out.into_iter().map(OwnedIncoming::from).collect()
            }
            Err(e) => {
                report.reject(1, format!("not JSON: {e}"));
                Vec::new()
            }
        },
        Some(_) => {
            let out = parse_line_protocol(
                payload,
                Precision::Ns,
                now_ms,
                c.aliases(),
                Some(code),
                report,
            );
            out.into_iter().map(OwnedIncoming::from).collect()
        }
    }
}

/// A reading detached from the message it came from.
pub struct OwnedIncoming(crate::ingest::Incoming<'static>);

impl From<crate::ingest::Incoming<'_>> for OwnedIncoming {
    fn from(i: crate::ingest::Incoming<'_>) -> Self {
        OwnedIncoming(crate::ingest::Incoming {
            sensor: i.sensor.into_owned().into(),
            space: i.space.map(|s| s.into_owned().into()),
            metric: i.metric.into_owned().into(),
            ts: i.ts,
            value: i.value,
            line: i.line,
        })
    }
}

/// The readings a JSON message holds: a batch, one object of fields, or an array of them.
fn json_batch(v: Value, code: &str) -> JsonBatch {
    let mut readings = Vec::new();
    let mut object = |o: serde_json::Map<String, Value>| {
        let time = ["time", "ts", "timestamp"]
            .iter()
            .find_map(|k| o.get(*k).cloned());
        let sensor = o
            .get("sensor")
            .and_then(Value::as_str)
            .unwrap_or(code)
            .to_owned();
        let space = o.get("space").and_then(Value::as_str).map(str::to_owned);
        for (k, val) in &o {
            if matches!(k.as_str(), "time" | "ts" | "timestamp" | "sensor" | "space") {
                continue;
            }
            let value = match val {
                Value::Number(n) => n.as_f64(),
                Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
                _ => None,
            };
            // A field that is not a number still counts, as a refused item with its reason.
            readings.push(JsonReading {
                sensor: sensor.clone(),
                metric: k.clone(),
                value: value.unwrap_or(f64::NAN),
                time: time.clone(),
                space: space.clone(),
            });
        }
    };
    match v {
        Value::Object(mut o) if o.contains_key("readings") => {
            let items = o.remove("readings").unwrap_or_default();
            if let Ok(mut b) =
                serde_json::from_value::<JsonBatch>(serde_json::json!({ "readings": items }))
            {
                for r in &mut b.readings {
                    if r.sensor.is_empty() {
                        r.sensor = code.to_owned();
                    }
                }
                return b;
            }
        }
        Value::Object(o) => object(o),
        Value::Array(items) => {
            for item in items {
                if let Value::Object(o) = item {
                    object(o);
                }
            }
        }
        _ => {}
    }
    JsonBatch { readings }
}

/// Subscribes and ingests until the process ends.
pub fn spawn(c: Conservation, s: MqttSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut opts = MqttOptions::new(s.client_id.clone(), s.host.clone(), s.port);
        opts.set_keep_alive(Duration::from_secs(30))
            .set_manual_acks(true)
            .set_clean_session(false);
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            opts.set_credentials(u.clone(), p.clone());
        }
        let (client, mut eventloop) = AsyncClient::new(opts, 64);
        // Commands of control rules go out on the same connection.
        c.set_publisher(client.clone());
        // The event loop must keep turning while readings are stored, so storing (and the
        // acknowledgement after it) happens in a second task.
        let (tx, mut rx) = mpsc::channel::<Publish>(64);
        let worker_client = client.clone();
        let worker_c = c.clone();
        tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                if store(&worker_c, &p).await {
                    let _ = worker_client.ack(&p).await;
                }
            }
        });
        let mut backoff = Duration::from_millis(500);
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                    backoff = Duration::from_millis(500);
                    c.mqtt_connected(true);
                    if let Err(e) = client.subscribe(s.topic.clone(), QoS::AtLeastOnce).await {
                        tracing::warn!(error = %e, "mqtt: cannot subscribe");
                    }
                }
                Ok(Event::Incoming(Incoming::Publish(p))) => {
                    if tx.send(p).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    c.mqtt_connected(false);
                    tracing::warn!(error = %e, broker = %format!("{}:{}", s.host, s.port), retry_in = ?backoff, "mqtt: connection lost");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    })
}

/// Stores one message; true when it may be acknowledged (stored, or unreadable for good).
async fn store(c: &Conservation, p: &Publish) -> bool {
    let mut rep = IngestReport::default();
    let now = chrono::Utc::now().timestamp_millis();
    let incoming: Vec<_> = handle(c, &p.topic, &p.payload, now, &mut rep)
        .into_iter()
        .map(|o| o.0)
        .collect();
    if rep.rejected > 0 {
        tracing::warn!(topic = %p.topic, first = ?rep.errors.first(), refused = rep.rejected, "mqtt: readings refused");
    }
    let writer = crate::service::Writer::Staff(vitrine_kernel::Actor::System("mqtt"));
    match c.ingest(&writer, Path::Mqtt, incoming, &mut rep).await {
        Ok(()) => true,
        Err(e) => {
            // Not acknowledged: the broker sends it again.
            tracing::warn!(error = %e, topic = %p.topic, "mqtt: could not store readings; the broker will resend");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    #[test]
    fn broker_urls() -> TestResult {
        let s = MqttSettings::from_url("mqtt://u:p@broker.local:1884", "t/+", "id")?;
        assert_eq!(
            (s.host.as_str(), s.port, s.username.as_deref()),
            ("broker.local", 1884, Some("u"))
        );
        assert_eq!(
            MqttSettings::from_url("mqtt://127.0.0.1", "t", "i")?.port,
            1883
        );
        assert!(MqttSettings::from_url("http://x", "t", "i").is_err());
        assert!(MqttSettings::from_url("mqtt://:1883", "t", "i").is_err());
        Ok(())
    }

    #[test]
    fn json_shapes() {
        let b = json_batch(
            serde_json::json!({"t": 20.5, "rh": 50, "time": 1000, "note": "x"}),
            "C1",
        );
        assert_eq!(b.readings.len(), 3);
        assert!(b.readings.iter().all(|r| r.sensor == "C1"));
        assert!(
            b.readings
                .iter()
                .any(|r| r.metric == "note" && r.value.is_nan())
        );
        let b = json_batch(
            serde_json::json!([{"t": 1}, {"t": 2, "sensor": "C9"}]),
            "C1",
        );
        assert_eq!(b.readings[1].sensor, "C9");
        let b = json_batch(
            serde_json::json!({"readings": [{"metric": "rh", "value": 3}]}),
            "C1",
        );
        assert_eq!(b.readings[0].sensor, "C1");
    }
}
