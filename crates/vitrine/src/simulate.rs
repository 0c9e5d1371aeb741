//! `vitrine simulate` (and the demo's live data): registers the demo museum's sensors —
//! one in the air of each gallery, one in each showcase, one in each storeroom — places
//! them, gives each space its target, then writes history (`--backfill`) and live readings
//! through the same ingest pipeline as any gateway, in process or over HTTP.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use uuid::Uuid;
use vitrine_collections::authority::Kind;
use vitrine_conservation::Conservation;
use vitrine_conservation::Path;
use vitrine_conservation::ingest::{IngestReport, Precision, parse_line_protocol};
use vitrine_conservation::model::{PlacementInput, SensorInput, TargetInput};
use vitrine_conservation::simulator::{Fault, SimSensor, SpaceKind, lines};
use vitrine_kernel::Actor;

use crate::bench_http::Client;
use crate::demo::authorities::{GALLERIES, ROOMS};
use crate::museum::Museum;

const SYSTEM: Actor = Actor::System("simulator");
/// Interval of history readings.
const STEP_MS: i64 = 5 * 60_000;
/// Where readings go.
pub enum Sink {
    /// Straight into the pipeline of this process.
    InProcess(Box<Conservation>),
    /// To a server's `/api/v2/write`, with an `Authorization` header value.
    Http { url: String, auth: String },
    /// To an MQTT broker, one message per sensor on `vitrine/sensors/{code}`.
    Mqtt(rumqttc::AsyncClient),
}

impl Sink {
    /// Connects to a broker (`mqtt://host:port`); the connection is kept by a background task.
    pub fn mqtt(url: &str) -> anyhow::Result<Sink> {
        let s = vitrine_conservation::mqtt::MqttSettings::from_url(url, "", "vitrine-simulator")
            .map_err(anyhow::Error::msg)?;
        let opts = rumqttc::MqttOptions::new(
            format!("vitrine-simulator-{}", std::process::id()),
            s.host,
            s.port,
        );
        let (client, mut eventloop) = rumqttc::AsyncClient::new(opts, 1024);
        tokio::spawn(async move {
            loop {
                if let Err(e) = eventloop.poll().await {
                    tracing::warn!(error = %e, "simulator: MQTT connection lost; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        Ok(Sink::Mqtt(client))
    }
}

/// Parses `365d`, `12h`, `30m`.
pub fn parse_span(s: &str) -> anyhow::Result<Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .with_context(|| format!("`{s}`: expected a number then d, h or m (365d)"))?;
    let secs = match unit {
        "d" => n * 86_400,
        "h" => n * 3_600,
        "m" => n * 60,
        _ => bail!("`{s}`: the unit must be d, h or m (365d, 12h, 30m)"),
    };
    if secs > 5 * 366 * 86_400 {
        bail!("`{s}`: at most five years of history");
    }
    Ok(Duration::from_secs(secs))
}

fn profile_of_gallery(code: &str) -> (&'static str, f64) {
    match code {
        "G1" | "G6" => ("stone_ceramics", 200.0),
        "G2" => ("metals", 200.0),
        "G3" | "G5" => ("paper_textiles", 50.0),
        "G4" => ("organic_mixed", 100.0),
        "G8" => ("natural_history", 50.0),
        _ => ("general", 150.0),
    }
}

fn profile_of_room(en: &str) -> &'static str {
    match en {
        "Ceramics store" | "Fossil store" => "stone_ceramics",
        "Metals store" => "metals",
        "Paintings store" | "Textiles store" => "paper_textiles",
        "Wood store" => "organic_mixed",
        "Specimen store" => "natural_history",
        _ => "general",
    }
}

/// The demo's simulated sensors with the location each belongs in (by English label) and
/// that location's target profile.
fn plan() -> Vec<(SimSensor, String, &'static str)> {
    let mut out = Vec::new();
    let mut salt = 11u64;
    for (group, (_, en, code)) in GALLERIES.iter().enumerate() {
        let (profile, lux_on) = profile_of_gallery(code);
        // Metals are kept dry with silica gel; everything else near 50 %.
        let rh_set = if profile == "metals" { 36.0 } else { 50.0 };
        let fault_all = match *code {
            "G4" => Some(Fault::HvacFailure),
            "G5" => Some(Fault::LightsLeftOn),
            _ => None,
        };
        salt += 1;
        out.push((
            SimSensor {
                code: format!("EB-{code}-AIR"),
                kind: SpaceKind::Gallery,
                lux_on: 150.0,
                group,
                salt,
                rh_set: 55.0,
                fault: fault_all,
            },
            (*en).to_owned(),
            "general",
        ));
        for c in 1..=6 {
            salt += 1;
            let fault = match (*code, c) {
                ("G3", 2) => Some(Fault::LeakingShowcase),
                ("G2", 3) => Some(Fault::DropOut),
                _ => fault_all,
            };
            out.push((
                SimSensor {
                    code: format!("EB-{code}-C{c:02}"),
                    kind: SpaceKind::Showcase,
                    lux_on,
                    group,
                    salt,
                    rh_set,
                    fault,
                },
                format!("{en}, case {c:02}"),
                profile,
            ));
        }
    }
    for (i, (_, en)) in ROOMS.iter().enumerate() {
        salt += 1;
        out.push((
            SimSensor {
                code: format!("CS-{}{:02}", i / 2 + 1, i % 2 + 1),
                kind: SpaceKind::Storeroom,
                lux_on: 0.0,
                group: 100 + i,
                salt,
                rh_set: 50.0,
                fault: None,
            },
            (*en).to_owned(),
            profile_of_room(en),
        ));
    }
    out
}

/// A logger nobody registered: it reports, and waits under "unassigned sensors".
fn stray() -> SimSensor {
    SimSensor {
        code: "LOGGER-17".into(),
        kind: SpaceKind::Storeroom,
        lux_on: 0.0,
        group: 200,
        salt: 99,
        rh_set: 50.0,
        fault: None,
    }
}

/// Registers and places the demo sensors and sets targets (once); returns the sensors to feed.
pub async fn setup(
    m: &Museum,
    c: &Conservation,
    placed_at_ms: i64,
) -> anyhow::Result<Vec<SimSensor>> {
    let plan = plan();
    let existing: HashMap<String, Uuid> = c
        .list_sensors(&SYSTEM)
        .await?
        .into_iter()
        .map(|s| (s.data.code, s.id))
        .collect();
    let mut sims: Vec<SimSensor> = plan.iter().map(|(s, _, _)| s.clone()).collect();
    sims.push(stray());
    if plan.iter().all(|(s, _, _)| existing.contains_key(&s.code)) {
        return Ok(sims);
    }
    let locations: HashMap<String, Uuid> = m
        .collections
        .feed_authorities(&SYSTEM)
        .await?
        .into_iter()
        .filter(|(_, a)| a.kind == Kind::Location)
        .filter_map(|(id, a)| a.label.get("en").map(|en| (en.to_owned(), id)))
        .collect();
    let at = chrono::DateTime::from_timestamp_millis(placed_at_ms);
    for (s, place, profile) in &plan {
        if existing.contains_key(&s.code) {
            continue;
        }
        let Some(&loc) = locations.get(place) else {
            bail!(
                "the demo location `{place}` is missing; run the simulator on a demo museum (`vitrine demo`)"
            );
        };
        let metrics: Vec<String> = match s.kind {
            SpaceKind::Gallery => vec!["temperature", "rh", "lux", "uv", "co2", "battery"],
            SpaceKind::Showcase => vec!["temperature", "rh", "lux", "uv", "battery"],
            SpaceKind::Storeroom => vec!["temperature", "rh", "lux", "battery"],
        }
        .into_iter()
        .map(String::from)
        .collect();
        let model = match s.kind {
            SpaceKind::Gallery => "Vaisala HMP110 + LI-COR light (simulated)",
            SpaceKind::Showcase => "Hanwell RL4000 (simulated)",
            SpaceKind::Storeroom => "Meaco RH/T (simulated)",
        };
        let input = SensorInput {
            code: s.code.clone(),
            model: model.into(),
            metrics,
            interval_s: 300,
            ..Default::default()
        };
        let id = c.create_sensor(&SYSTEM, input).await?;
        c.place_sensor(
            &SYSTEM,
            id,
            1,
            PlacementInput {
                location_id: loc,
                at,
                note: "demo".into(),
            },
        )
        .await?;
        c.set_target(
            &SYSTEM,
            loc,
            TargetInput {
                profile: (*profile).into(),
                ranges: Default::default(),
            },
        )
        .await?;
    }
    Ok(sims)
}

async fn send(sink: &Sink, body: &str, client: &mut Option<Client>) -> anyhow::Result<()> {
    match sink {
        Sink::InProcess(c) => {
            let writer = c.authorize_ingest(None, Some(SYSTEM)).await?;
            let mut rep = IngestReport::default();
            let now = chrono::Utc::now().timestamp_millis();
            let incoming = parse_line_protocol(
                body.as_bytes(),
                Precision::Ns,
                now,
                c.aliases(),
                None,
                &mut rep,
            );
            c.ingest(&writer, Path::LineProtocol, incoming, &mut rep)
                .await?;
            if rep.rejected > 0 {
                bail!("simulated lines refused: {:?}", rep.errors.first());
            }
            Ok(())
        }
        Sink::Mqtt(client) => {
            for line in body.lines() {
                let code = line
                    .split([',', ' '])
                    .find_map(|t| t.strip_prefix("sensor="))
                    .unwrap_or("unknown");
                client
                    .publish(
                        format!("vitrine/sensors/{code}"),
                        rumqttc::QoS::AtLeastOnce,
                        false,
                        line.as_bytes().to_vec(),
                    )
                    .await?;
            }
            Ok(())
        }
        Sink::Http { url, auth } => {
            let cl = match client {
                Some(c) => c,
                None => client.insert(Client::connect(url).await?),
            };
            cl.post(url, auth, body.as_bytes()).await
        }
    }
}

/// Writes history from `from_ms` to now, then (with `live`) a reading of every sensor at
/// that interval (the `simulate_every` setting, 30 s by default).
pub async fn run(
    sink: Sink,
    sensors: Vec<SimSensor>,
    from_ms: i64,
    live: Option<Duration>,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut client = None;
    let mut t = from_ms.div_euclid(STEP_MS) * STEP_MS;
    let mut body = String::new();
    let mut sent = 0usize;
    while t <= now {
        lines(&sensors, t, now, &mut body);
        if body.len() > 400_000 {
            send(&sink, &body, &mut client).await?;
            sent += body.lines().count();
            body.clear();
        }
        t += STEP_MS;
    }
    if !body.is_empty() {
        sent += body.lines().count();
        send(&sink, &body, &mut client).await?;
    }
    if sent > 0 {
        println!(
            "simulator: wrote {sent} lines of history for {} sensors",
            sensors.len()
        );
    }
    if let Sink::InProcess(c) = &sink {
        c.readings().flush().await?;
    }
    let Some(every) = live else {
        return Ok(());
    };
    loop {
        tokio::time::sleep(every).await;
        let mut body = String::new();
        let t = chrono::Utc::now().timestamp_millis();
        lines(&sensors, t, t, &mut body);
        if let Err(e) = send(&sink, &body, &mut client).await {
            tracing::warn!(error = %e, "simulator: could not send live readings");
            client = None;
        }
    }
}

/// Where history should start: after the newest stored reading of the demo sensors, at
/// most `backfill` ago.
pub async fn resume_from(c: &Conservation, backfill: Duration) -> anyhow::Result<i64> {
    let now = chrono::Utc::now().timestamp_millis();
    let earliest = now - backfill.as_millis() as i64;
    let newest = c
        .list_sensors(&SYSTEM)
        .await?
        .iter()
        .filter_map(|s| s.last_seen)
        .map(|t| t.timestamp_millis())
        .max();
    Ok(newest.map_or(earliest, |n| (n + STEP_MS).max(earliest)))
}
