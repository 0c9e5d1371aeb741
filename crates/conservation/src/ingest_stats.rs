//! Counters of the ingest paths, for `/metrics`.

use std::sync::atomic::AtomicU64;

/// The ways readings arrive, for counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// InfluxDB line protocol over HTTP.
    LineProtocol,
    /// JSON batches.
    Json,
    /// MQTT messages.
    Mqtt,
    /// Logger files.
    File,
}

impl Path {
    /// Every path, in the order `/metrics` lists them.
    pub const ALL: [Path; 4] = [Path::LineProtocol, Path::Json, Path::Mqtt, Path::File];
    /// Label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Path::LineProtocol => "line_protocol",
            Path::Json => "json",
            Path::Mqtt => "mqtt",
            Path::File => "file",
        }
    }
}

/// Ingest counters for `/metrics`.
#[derive(Default, Debug)]
pub struct IngestStats {
    /// Requests or messages received, by path (index of [`Path::ALL`]).
    pub batches: [AtomicU64; 4],
    /// Lines or items refused, by path.
    pub rejected_by_path: [AtomicU64; 4],
    /// Lines or items refused.
    pub rejected: AtomicU64,
    /// Sensors registered because they reported unannounced.
    pub sensors_discovered: AtomicU64,
    /// Refused for credentials.
    pub auth_failures: AtomicU64,
    /// Whole batches refused before reading a line (size, encoding, parameters).
    pub refused_batches: AtomicU64,
    /// 1 while connected to the MQTT broker.
    pub mqtt_connected: AtomicU64,
    /// Connections to the MQTT broker lost.
    pub mqtt_disconnects: AtomicU64,
}
