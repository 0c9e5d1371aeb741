//! Conservation, part 1: the museum's spaces and sensors, readings from every path
//! (line protocol, JSON, MQTT, logger files) into one pipeline, and a compressed readings
//! store with hourly and daily rollups on SQLite and PostgreSQL.

pub mod codec;
pub mod control;
pub mod ingest;
pub mod lineproto;
pub mod logger;
pub mod metric;
pub mod model;
pub mod mqtt;
pub mod overview;
pub mod profiles;
pub mod readings;
pub mod rollup;
pub mod rules;
pub mod science;
pub mod service;
pub mod simulator;
pub mod store;

pub use service::{Conservation, SeriesData, Settings, Writer};
