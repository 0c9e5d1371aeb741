//! Preservation science used while readings arrive (../shared/specs/conservation.md). The
//! rate of natural chemical ageing is stored as its own series next to temperature and RH,
//! so that the time-weighted preservation index of any period comes from rollups alone:
//! TWPI = Σ Δt / Σ (Δt · k), and the rollups keep Σ Δt (`covered_ms`) and Σ k·Δt (`integral`).

/// Metric code of the derived ageing rate.
pub const AGEING_RATE: &str = "ageing_rate";

/// Activation energy of the Reilly/Padfield model, J/mol.
const EA: f64 = 90_300.0;
/// Gas constant, J/(mol·K).
const R: f64 = 8.314;

/// The Arrhenius rate k(T, RH) of Reilly et al. 1995, per year (PI = 1/k years).
pub fn arrhenius_rate(t_celsius: f64, rh: f64) -> f64 {
    rh * 5.9e12 * (-EA / (R * (t_celsius + 273.15))).exp()
}

/// The preservation index PI(T, RH) in years.
pub fn preservation_index(t_celsius: f64, rh: f64) -> f64 {
    1.0 / arrhenius_rate(t_celsius, rh)
}

/// The stored ageing-rate reading: k in thousandths per year, to four significant digits
/// (finer than the sensors that feed it, and it compresses like other readings), or none
/// for readings outside the model's range.
pub fn ageing_rate_reading(t_celsius: f64, rh: f64) -> Option<f64> {
    if !(-40.0..=80.0).contains(&t_celsius) || !(0.0..=100.0).contains(&rh) {
        return None;
    }
    let k = arrhenius_rate(t_celsius, rh) * 1000.0;
    if k <= 0.0 {
        return Some(0.0);
    }
    let decimals = (3 - k.log10().floor() as i32).clamp(0, 6);
    let f = 10f64.powi(decimals);
    Some((k * f).round() / f)
}

/// Time-weighted preservation index from an ageing-rate rollup: Σ Δt / Σ (Δt · k).
/// `integral` is Σ (reading · seconds) of [`AGEING_RATE`] readings (k × 1000).
pub fn twpi_from_rollup(integral: f64, covered_ms: i64) -> Option<f64> {
    (integral > 0.0).then(|| covered_ms as f64 / 1000.0 / (integral / 1000.0))
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;

    #[test]
    fn the_spec_vectors_hold() {
        let close = |a: f64, b: f64| (a - b).abs() < 0.15;
        assert!(
            close(preservation_index(20.0, 50.0), 41.76),
            "{}",
            preservation_index(20.0, 50.0)
        );
        assert!(close(preservation_index(20.0, 45.0), 46.40));
        assert!(close(preservation_index(18.0, 50.0), 53.86));
    }

    #[test]
    fn twpi_is_the_harmonic_mean_of_half_a_year_each() -> TestResult {
        // Half a year at 20/50 and half at 10/40: 68.68, not the arithmetic 117.47.
        let half = 182.5 * 86_400.0;
        let (a, b) = (
            ageing_rate_reading(20.0, 50.0).ok_or("a")?,
            ageing_rate_reading(10.0, 40.0).ok_or("b")?,
        );
        let integral = a * half + b * half;
        let twpi = twpi_from_rollup(integral, (2.0 * half * 1000.0) as i64).ok_or("twpi")?;
        assert!((twpi - 68.68).abs() < 0.3, "{twpi}");
        assert_eq!(ageing_rate_reading(20.0, 150.0), None);
        // Four significant digits whatever the size.
        assert_eq!(ageing_rate_reading(20.0, 50.0), Some(23.95));
        assert_eq!(
            ageing_rate_reading(-10.0, 40.0).map(|k| k < 1.0 && k > 0.0),
            Some(true)
        );
        Ok(())
    }
}
