//! The quantities sensors measure: the built-in metrics with their units and the names
//! gateways use for them (`t`, `temp` → temperature), plus any custom metric a museum adds.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

/// A built-in metric.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct MetricInfo {
    /// Stored name.
    pub code: &'static str,
    /// Unit shown next to values.
    pub unit: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
}

/// Every built-in metric, in the order screens list them.
pub const BUILT_IN: &[MetricInfo] = &[
    m("temperature", "°C", "温度", "Temperature"),
    m("rh", "%", "相对湿度", "Relative humidity"),
    m("lux", "lx", "照度", "Illuminance"),
    m("uv", "µW/lm", "紫外", "UV"),
    m("co2", "ppm", "二氧化碳", "CO₂"),
    m("voc", "ppb", "挥发性有机物", "VOC"),
    m("pm25", "µg/m³", "PM2.5", "PM2.5"),
    m("vibration", "mm/s", "振动", "Vibration"),
    m("leak", "", "漏水", "Leak"),
    m("door", "", "门磁", "Door"),
    m("battery", "%", "电量", "Battery"),
    // Derived while readings arrive from temperature and RH sent together (science.rs).
    m(
        "ageing_rate",
        "‰/yr",
        "化学老化速率",
        "Chemical ageing rate",
    ),
];

const fn m(
    code: &'static str,
    unit: &'static str,
    zh: &'static str,
    en: &'static str,
) -> MetricInfo {
    MetricInfo { code, unit, zh, en }
}

/// Names gateways use, mapped to metrics (more can be configured).
pub const DEFAULT_ALIASES: &[(&str, &str)] = &[
    ("t", "temperature"),
    ("temp", "temperature"),
    ("temperature_c", "temperature"),
    ("humidity", "rh"),
    ("hum", "rh"),
    ("relative_humidity", "rh"),
    ("light", "lux"),
    ("illuminance", "lux"),
    ("uv_uw_lm", "uv"),
    ("pm2_5", "pm25"),
    ("bat", "battery"),
];

/// Looks up the built-in metric of a code.
pub fn info(code: &str) -> Option<&'static MetricInfo> {
    BUILT_IN.iter().find(|m| m.code == code)
}

/// Whether a name can be a metric: 1–32 of `a-z 0-9 _`, starting with a letter.
pub fn valid_code(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.as_bytes()[0].is_ascii_lowercase()
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// Maps the field names of incoming readings to metric codes.
#[derive(Clone, Debug)]
pub struct Aliases(HashMap<String, String>);

impl Default for Aliases {
    fn default() -> Self {
        Aliases::new(&[])
    }
}

impl Aliases {
    /// The default aliases plus configured ones (`from → to`, later wins).
    pub fn new(extra: &[(String, String)]) -> Aliases {
        let mut map: HashMap<String, String> = DEFAULT_ALIASES
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        for (a, b) in extra {
            map.insert(a.to_ascii_lowercase(), b.clone());
        }
        Aliases(map)
    }

    /// The metric a field name stands for, or why it cannot be one.
    /// Names are matched without regard to case (`CO2` is `co2`).
    pub fn resolve<'a>(&'a self, field: &'a str) -> Result<Cow<'a, str>, String> {
        if let Some(m) = self.0.get(field) {
            return Ok(Cow::Borrowed(m));
        }
        if valid_code(field) {
            return Ok(Cow::Borrowed(field));
        }
        let lower = field.to_ascii_lowercase();
        match self.0.get(&lower) {
            Some(m) => Ok(Cow::Borrowed(m)),
            None if valid_code(&lower) => Ok(Cow::Owned(lower)),
            None => Err(format!(
                "field `{field}` is not a metric name (1–32 of a-z, 0-9, _)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_and_custom_names_pass() {
        let a = Aliases::new(&[("Feuchte".into(), "rh".into())]);
        let r = |s| a.resolve(s).map(|c| c.into_owned());
        assert_eq!(r("t"), Ok("temperature".into()));
        assert_eq!(r("humidity"), Ok("rh".into()));
        assert_eq!(r("Feuchte"), Ok("rh".into()));
        assert_eq!(r("formaldehyde"), Ok("formaldehyde".into()));
        assert_eq!(r("CO2"), Ok("co2".into()));
        assert!(r("Bad Name").is_err());
        assert!(r("1x").is_err());
    }
}
