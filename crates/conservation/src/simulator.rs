//! A believable museum climate for demos and tests: Guangzhou's hot, humid weather outside,
//! HVAC holding galleries near 20 °C / 55 % RH, visitors in opening hours, lights on and
//! off, showcases buffering their gallery, storerooms steady — and scripted faults (an
//! HVAC failure, a leaking showcase, lights left on overnight, a sensor that drops out).
//! Pure functions of time: the same instant always gives the same reading.

use std::f64::consts::TAU;

use vitrine_timeseries::{DAY_MS, HOUR_MS};

/// What kind of space a simulated sensor measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpaceKind {
    /// Open gallery air (temperature, rh, lux, uv, co2).
    Gallery,
    /// A sealed showcase inside a gallery (temperature, rh, lux, uv).
    Showcase,
    /// A storeroom (temperature, rh, lux).
    Storeroom,
}

/// A simulated sensor.
#[derive(Clone, Debug)]
pub struct SimSensor {
    /// Code it reports under.
    pub code: String,
    /// Where it hangs.
    pub kind: SpaceKind,
    /// Illuminance when the lights are on (50 lx for paper and textiles, 150–200 otherwise).
    pub lux_on: f64,
    /// Index of its gallery (shared conditions, faults).
    pub group: usize,
    /// Per-sensor offset so no two sensors read the same.
    pub salt: u64,
    /// RH a showcase is conditioned to (silica gel or a humidity module), %.
    pub rh_set: f64,
    /// Scripted fault, if any.
    pub fault: Option<Fault>,
}

/// A scripted fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The gallery's air handling fails for 36 hours, 10 days before `now`.
    HvacFailure,
    /// The showcase seal leaks: for the last 3 days its RH drifts toward the outside air.
    LeakingShowcase,
    /// Lights stay on overnight on Fridays.
    LightsLeftOn,
    /// The sensor stopped reporting 2 hours before `now`.
    DropOut,
}

/// The museum opens 09:00–17:00 local time, closed on Mondays (local time = UTC + 8 h).
fn open_at(t_local: i64) -> bool {
    let day = t_local.div_euclid(DAY_MS);
    let weekday = (day + 4).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Sunday
    let hour = t_local.rem_euclid(DAY_MS) as f64 / HOUR_MS as f64;
    weekday != 1 && (9.0..17.0).contains(&hour)
}

fn noise(salt: u64, t: i64, scale: f64) -> f64 {
    // Cheap deterministic noise: a hash of (salt, minute) mapped to [-1, 1].
    let mut x = salt ^ (t.div_euclid(60_000) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    ((x as f64 / u64::MAX as f64) * 2.0 - 1.0) * scale
}

/// Outdoor air in Guangzhou: (°C, % RH).
pub fn outdoor(t: i64) -> (f64, f64) {
    let local = t + 8 * HOUR_MS;
    let year = (local.rem_euclid(365 * DAY_MS)) as f64 / (365.0 * DAY_MS as f64);
    let day = (local.rem_euclid(DAY_MS)) as f64 / DAY_MS as f64;
    // Warmest late July (day ~205), coolest mid January; warmest at 14:00.
    let seasonal = (TAU * (year - 205.0 / 365.0)).cos();
    let daily = (TAU * (day - 14.0 / 24.0)).cos();
    let temp = 22.5 + 6.5 * seasonal + 3.5 * daily;
    let rh = (78.0 + 6.0 * seasonal - 9.0 * daily).clamp(35.0, 99.0);
    (temp, rh)
}

/// The readings of a sensor at `t` (ms), or none when it is silent. `now` anchors the faults.
pub fn reading(s: &SimSensor, t: i64, now: i64) -> Option<Vec<(&'static str, f64)>> {
    if s.fault == Some(Fault::DropOut) && t > now - 2 * HOUR_MS {
        return None;
    }
    let local = t + 8 * HOUR_MS;
    let open = open_at(local);
    let hour = (local.rem_euclid(DAY_MS)) as f64 / HOUR_MS as f64;
    let (out_t, out_rh) = outdoor(t);
    let hvac_down = s.fault == Some(Fault::HvacFailure)
        && t > now - 10 * DAY_MS
        && t < now - 10 * DAY_MS + 36 * HOUR_MS;
    let visitors = if open {
        ((hour - 9.0) / 8.0 * std::f64::consts::PI).sin().max(0.0)
    } else {
        0.0
    };
    let g = s.group as u64;
    // Gallery air: HVAC near 20/55, leaning a little toward outside, warmed by visitors.
    let (mut gt, mut grh) = (
        20.0 + 0.08 * (out_t - 22.5) + 0.9 * visitors + noise(g * 7 + 1, t, 0.15),
        55.0 + 0.12 * (out_rh - 78.0) + 2.0 * visitors + noise(g * 7 + 2, t, 0.6),
    );
    if hvac_down {
        gt = 0.4 * gt + 0.6 * out_t;
        grh = 0.35 * grh + 0.65 * out_rh;
    }
    let lights = open
        || (s.fault == Some(Fault::LightsLeftOn)
            && (local.div_euclid(DAY_MS) + 4).rem_euclid(7) == 5);
    let lux = if lights {
        s.lux_on * (1.0 + noise(s.salt, t, 0.04))
    } else {
        0.0
    };
    let uv = if lights {
        6.0 + noise(s.salt + 3, t, 1.5)
    } else {
        0.0
    };
    let mut out = match s.kind {
        SpaceKind::Gallery => vec![
            ("temperature", gt),
            ("rh", grh),
            ("lux", lux),
            ("uv", uv),
            ("co2", 430.0 + 520.0 * visitors + noise(s.salt + 4, t, 15.0)),
        ],
        SpaceKind::Showcase => {
            let leaking = s.fault == Some(Fault::LeakingShowcase) && t > now - 3 * DAY_MS;
            // A leaking seal lets the humid Guangzhou air in through the gallery.
            let buffered = if leaking {
                0.5 * grh + 0.5 * out_rh
            } else {
                s.rh_set + 0.15 * (grh - 55.0)
            };
            vec![
                (
                    "temperature",
                    gt + 0.3 * (lux / s.lux_on.max(1.0)) + noise(s.salt, t, 0.05),
                ),
                ("rh", buffered + noise(s.salt + 1, t, 0.3)),
                ("lux", lux),
                ("uv", uv),
            ]
        }
        SpaceKind::Storeroom => vec![
            (
                "temperature",
                19.0 + 0.03 * (out_t - 22.5) + noise(s.salt, t, 0.1),
            ),
            (
                "rh",
                50.0 + 0.05 * (out_rh - 78.0) + noise(s.salt + 1, t, 0.4),
            ),
            (
                "lux",
                if (10.0..10.5).contains(&hour) && open {
                    120.0
                } else {
                    0.0
                },
            ),
        ],
    };
    // Battery: from 100 % down about 0.1 % a day, salted so a few sensors run low.
    let age_days = (t.rem_euclid(900 * DAY_MS)) as f64 / DAY_MS as f64;
    let start = 100.0 - (s.salt % 7) as f64 * 12.0;
    out.push(("battery", (start - 0.1 * age_days).clamp(3.0, 100.0)));
    for (m, v) in &mut out {
        let places = if *m == "co2" || *m == "lux" || *m == "battery" {
            10.0
        } else {
            100.0
        };
        *v = (*v * places).round() / places;
    }
    Some(out)
}

/// Line protocol for every sensor at `t`.
pub fn lines(sensors: &[SimSensor], t: i64, now: i64, out: &mut String) {
    use std::fmt::Write;
    for s in sensors {
        if let Some(vals) = reading(s, t, now) {
            let fields: Vec<String> = vals.iter().map(|(m, v)| format!("{m}={v}")).collect();
            let _ = writeln!(
                out,
                "env,sensor={} {} {}",
                s.code,
                fields.join(","),
                t * 1_000_000
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    fn sensor(kind: SpaceKind, fault: Option<Fault>) -> SimSensor {
        SimSensor {
            code: "X".into(),
            kind,
            lux_on: 50.0,
            group: 1,
            salt: 3,
            rh_set: 50.0,
            fault,
        }
    }

    #[test]
    fn galleries_are_held_near_target_and_storerooms_are_steady() -> TestResult {
        let now = 1_800_000_000_000;
        for h in 0..48 {
            let t = now - h * HOUR_MS;
            let g = reading(&sensor(SpaceKind::Gallery, None), t, now).ok_or("reads")?;
            let temp = g[0].1;
            assert!((17.0..24.0).contains(&temp), "{temp}");
            let s = reading(&sensor(SpaceKind::Storeroom, None), t, now).ok_or("reads")?;
            assert!((45.0..55.0).contains(&s[1].1), "{}", s[1].1);
        }
        Ok(())
    }

    #[test]
    fn faults_show() -> TestResult {
        let now = 1_800_000_000_000;
        assert!(
            reading(
                &sensor(SpaceKind::Showcase, Some(Fault::DropOut)),
                now - HOUR_MS,
                now
            )
            .is_none()
        );
        let t = now - 10 * DAY_MS + 20 * HOUR_MS;
        let ok = reading(&sensor(SpaceKind::Gallery, None), t, now).ok_or("reads")?;
        let bad = reading(
            &sensor(SpaceKind::Gallery, Some(Fault::HvacFailure)),
            t,
            now,
        )
        .ok_or("reads")?;
        assert!(
            (bad[1].1 - ok[1].1).abs() > 5.0,
            "{} vs {}",
            bad[1].1,
            ok[1].1
        );
        let leak = reading(
            &sensor(SpaceKind::Showcase, Some(Fault::LeakingShowcase)),
            now - HOUR_MS,
            now,
        )
        .ok_or("reads")?;
        let tight =
            reading(&sensor(SpaceKind::Showcase, None), now - HOUR_MS, now).ok_or("reads")?;
        assert!(leak[1].1 > tight[1].1 + 2.0);
        Ok(())
    }

    #[test]
    fn the_same_instant_gives_the_same_reading() {
        let s = sensor(SpaceKind::Gallery, None);
        assert_eq!(
            reading(&s, 5_000_000, 9_000_000),
            reading(&s, 5_000_000, 9_000_000)
        );
    }
}
