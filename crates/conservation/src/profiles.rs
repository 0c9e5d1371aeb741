//! Named target environments a space can follow. The figures are common conservation
//! practice (see ../shared/specs/conservation.md: ASHRAE classes, CIE 157 light categories,
//! Bizot); a museum overrides any range per space.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Allowed range of one metric.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lowest acceptable value.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest acceptable value.
    #[serde(default)]
    pub max: Option<f64>,
}

impl Range {
    /// Whether a value is inside.
    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// A named target.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// Code stored with a space.
    pub code: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
    /// Ranges per metric.
    pub ranges: &'static [(&'static str, Range)],
}

const fn r(min: f64, max: f64) -> Range {
    Range {
        min: Some(min),
        max: Some(max),
    }
}
const fn up_to(max: f64) -> Range {
    Range {
        min: None,
        max: Some(max),
    }
}

/// Every profile.
pub const PROFILES: &[Profile] = &[
    Profile {
        code: "general",
        zh: "一般藏品",
        en: "General collections",
        ranges: &[
            ("temperature", r(16.0, 25.0)),
            ("rh", r(40.0, 60.0)),
            ("lux", up_to(200.0)),
            ("uv", up_to(75.0)),
            ("co2", up_to(1000.0)),
        ],
    },
    Profile {
        code: "paper_textiles",
        zh: "纸张与纺织品",
        en: "Paper and textiles",
        ranges: &[
            ("temperature", r(16.0, 22.0)),
            ("rh", r(45.0, 55.0)),
            ("lux", up_to(50.0)),
            ("uv", up_to(10.0)),
        ],
    },
    Profile {
        code: "metals",
        zh: "金属",
        en: "Metals",
        ranges: &[
            ("temperature", r(15.0, 25.0)),
            ("rh", up_to(40.0)),
            ("lux", up_to(300.0)),
        ],
    },
    Profile {
        code: "organic_mixed",
        zh: "有机质复合材料",
        en: "Organic and mixed materials",
        ranges: &[
            ("temperature", r(16.0, 22.0)),
            ("rh", r(45.0, 60.0)),
            ("lux", up_to(150.0)),
            ("uv", up_to(10.0)),
        ],
    },
    Profile {
        code: "photographs",
        zh: "照片与胶片",
        en: "Photographs and film",
        ranges: &[
            ("temperature", r(2.0, 18.0)),
            ("rh", r(30.0, 40.0)),
            ("lux", up_to(50.0)),
            ("uv", up_to(10.0)),
        ],
    },
    Profile {
        code: "stone_ceramics",
        zh: "石质与陶瓷",
        en: "Stone and ceramics",
        ranges: &[("temperature", r(10.0, 28.0)), ("rh", r(35.0, 65.0))],
    },
    Profile {
        code: "natural_history",
        zh: "自然标本",
        en: "Natural history specimens",
        ranges: &[
            ("temperature", r(16.0, 21.0)),
            ("rh", r(45.0, 55.0)),
            ("lux", up_to(50.0)),
        ],
    },
];

/// A profile by code.
pub fn get(code: &str) -> Option<&'static Profile> {
    PROFILES.iter().find(|p| p.code == code)
}

/// Every code.
pub fn codes() -> Vec<&'static str> {
    PROFILES.iter().map(|p| p.code).collect()
}
