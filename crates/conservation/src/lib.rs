//! Conservation: the museum's spaces and sensors, readings from every path (line protocol,
//! JSON, MQTT, logger files) into one pipeline, charts of their series, targets, and control
//! of actuators. Readings are stored by the time-series engine (`vitrine-timeseries`).
//!
//! Rooms: [`model`] (types and validation), [`store`] (SQL), [`service`] (the service type),
//! and its use cases by topic: [`pipeline`], [`registry`], [`tokens`], [`series`],
//! [`overview`], [`control`] with [`rules`]. Parsers of outside input: [`lineproto`],
//! [`ingest`] (JSON and the shared checks), [`mqtt`], [`logger`].

pub mod control;
pub mod form;
pub mod ingest;
pub mod ingest_stats;
pub mod lineproto;
pub mod logger;
pub mod logger_params;
pub mod metric;
pub mod model;
pub mod mqtt;
pub mod overview;
pub mod pipeline;
pub mod profiles;
pub mod registry;
pub mod rules;
pub mod science;
pub mod series;
pub mod service;
pub mod simulator;
pub mod store;
pub mod tokens;

pub use ingest_stats::{IngestStats, Path};
pub use series::{SeriesData, SeriesQuery};
pub use service::{Conservation, Settings, Writer};
