//! The time-series engine of Vitrine: readings of numbered series (a sensor's metric, a
//! people counter's gate) stored compressed on SQLite or PostgreSQL, with hourly and daily
//! rollups kept beside them, durable write-ahead rows so an answered write survives kill -9,
//! and charts at a bounded number of points. It knows nothing of sensors or spaces: the
//! domain that owns a series hands out its [`SeriesId`].
//!
//! - [`codec`]: scaled-decimal, delta-of-delta, bit-packed blocks of readings.
//! - [`rollup`]: count, min, max, sum and time integral of a window; hours packed per day.
//! - [`readings`]: the store (write, head, flush, queries, retention).
//! - [`chart`]: one series over a range at the resolution that keeps it under a limit.

pub mod chart;
pub mod codec;
pub mod readings;
pub mod rollup;

pub use chart::{Chart, MAX_POINTS, MAX_RANGE_MS};
pub use readings::{Batch, Readings, SeriesId, StoreStats};
pub use rollup::{DAY_MS, HOUR_MS, Rollup};

use vitrine_kernel::migrate::Migration;

/// The store's tables.
pub const MIGRATIONS: &[Migration] = &[Migration {
    id: "timeseries/0001_readings",
    sql: include_str!("../migrations/0001_readings.sql"),
}];
