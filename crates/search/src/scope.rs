//! The fields a `field:value` query can name (titles, makers, periods, …), the names a
//! query may use for each, and the band of positions each holds in the catch-all fields:
//! titles from 0, makers next, …, descriptions last (see [`crate::band`] for the queries).
//! Documents, the analysers and band queries all read it; it reads none of them.

use std::ops::Range;

/// What a `field:value` query can name. Each maps to a group of the record's texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Titles.
    Title,
    /// Descriptions.
    Description,
    /// Makers and collectors.
    Maker,
    /// Materials.
    Material,
    /// Techniques.
    Technique,
    /// Period, dynasty and dates as displayed.
    Period,
    /// Places of production and collecting, with their broader places.
    Place,
    /// Object name / type.
    Type,
    /// Collection and classification labels.
    Term,
    /// Inscriptions, marks and seals.
    Inscription,
    /// Scientific names.
    Name,
    /// Credit line.
    Credit,
    /// Current location and storage notes (staff only).
    Location,
}

impl Scope {
    /// Every scope with the names a query may use for it (first is canonical).
    pub const NAMES: &'static [(Scope, &'static [&'static str])] = &[
        (Scope::Title, &["title", "标题", "名称"]),
        (Scope::Description, &["description", "desc", "描述"]),
        (Scope::Maker, &["maker", "artist", "作者"]),
        (Scope::Material, &["material", "质地", "材质"]),
        (Scope::Technique, &["technique", "工艺"]),
        (Scope::Period, &["period", "dynasty", "date", "年代"]),
        (Scope::Place, &["place", "产地", "地点"]),
        (Scope::Type, &["type", "object", "类别"]),
        (Scope::Term, &["term", "collection", "classification"]),
        (Scope::Inscription, &["inscription", "mark", "款识", "铭文"]),
        (Scope::Name, &["name", "scientific", "学名"]),
        (Scope::Credit, &["credit", "来源"]),
        (Scope::Location, &["location", "位置"]),
    ];

    /// Finds a scope by any of its names.
    pub fn parse(name: &str) -> Option<Scope> {
        let n = name.to_lowercase();
        Scope::NAMES
            .iter()
            .find(|(_, names)| names.contains(&n.as_str()))
            .map(|(s, _)| *s)
    }

    /// Whether authorities are named in this field (see [`crate::document::scope_of`]).
    pub fn has_authorities(self) -> bool {
        matches!(
            self,
            Scope::Maker
                | Scope::Material
                | Scope::Technique
                | Scope::Period
                | Scope::Place
                | Scope::Type
                | Scope::Term
        )
    }

    /// Whether records hold text of this field themselves (see [`crate::document::build`]); the
    /// others are authorities' names, found through the authority index alone.
    pub fn in_records(self) -> bool {
        !matches!(
            self,
            Scope::Maker | Scope::Material | Scope::Technique | Scope::Type | Scope::Term
        )
    }

    /// Whether pinyin of this scope's Chinese text is indexed.
    pub fn has_pinyin(self) -> bool {
        matches!(self, Scope::Title | Scope::Maker | Scope::Place)
    }
}

/// Positions a field's band holds: a first position in a record is stored as its
/// distance from 0, so bands are kept narrow (inscriptions may be long; the last band,
/// descriptions, is open-ended).
fn band_size(scope: Scope) -> u32 {
    match scope {
        Scope::Inscription => 8 * 1024,
        _ => 1024,
    }
}

/// Where band `n` (see [`Scope::BANDS`]) starts.
pub fn band_start(n: usize) -> u32 {
    Scope::BANDS[..n.min(Scope::BANDS.len())]
        .iter()
        .map(|s| band_size(*s))
        .sum()
}

impl Scope {
    /// The scopes in band order: short texts first, descriptions (the longest) last.
    pub const BANDS: [Scope; 13] = [
        Scope::Title,
        Scope::Maker,
        Scope::Material,
        Scope::Technique,
        Scope::Period,
        Scope::Place,
        Scope::Type,
        Scope::Term,
        Scope::Inscription,
        Scope::Name,
        Scope::Credit,
        Scope::Location,
        Scope::Description,
    ];

    /// The band's number (see [`Scope::BANDS`]).
    pub fn band_index(self) -> usize {
        Scope::BANDS.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The positions of this field's texts in the catch-all fields.
    pub fn band(self) -> Range<u32> {
        let start = band_start(self.band_index());
        match self {
            Scope::Description => start..u32::MAX,
            _ => start..start + band_size(self),
        }
    }
}
