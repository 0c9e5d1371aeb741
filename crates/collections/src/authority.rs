//! Authorities: the controlled names a catalogue record points at. People and
//! organisations (`agent`), places (`place`), vocabulary terms (`term`) and the museum's
//! own locations (`location`: site → building → floor → gallery/storeroom → showcase)
//! share one shape, one table and one code path; each kind checks its own fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::error::Problems;
use vitrine_kernel::{Error, LangText};

use crate::code::code_enum;

code_enum! {
    /// Which list an authority belongs to.
    #[schema(as = AuthorityKind)]
    Kind {
        /// People and organisations.
        Agent = "agent",
        /// Geographic places.
        Place = "place",
        /// Vocabulary terms.
        Term = "term",
        /// The museum's own spaces (restricted: storage locations are never public).
        Location = "location",
    }
}

impl Kind {
    /// Every kind with the plural its URLs use (`/api/v1/people`, `/staff/places`).
    pub const SEGMENTS: [(&'static str, Kind); 4] = [
        ("people", Kind::Agent),
        ("places", Kind::Place),
        ("terms", Kind::Term),
        ("locations", Kind::Location),
    ];

    /// The kind a URL's plural names.
    pub fn from_segment(segment: &str) -> Option<Kind> {
        Kind::SEGMENTS
            .iter()
            .find(|(s, _)| *s == segment)
            .map(|(_, k)| *k)
    }

    /// The plural URLs use for this kind.
    pub fn segment(self) -> &'static str {
        Kind::SEGMENTS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("terms", |(s, _)| *s)
    }
}

/// The vocabularies of each kind. For agents the vocabulary says person or organisation;
/// for places and locations it is the type of place.
pub fn vocabularies(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Agent => &["person", "organisation"],
        Kind::Place => &[
            "country",
            "province",
            "prefecture",
            "county",
            "town",
            "site",
            "region",
            "sea",
        ],
        Kind::Term => &[
            "object_name",
            "material",
            "technique",
            "period",
            "classification",
            "collection",
        ],
        Kind::Location => &[
            "site",
            "building",
            "floor",
            "gallery",
            "storeroom",
            "showcase",
            "cabinet",
        ],
    }
}

/// Records a problem unless `v` is one of the kind's vocabularies.
pub fn check_vocabulary(kind: Kind, v: &str, p: &mut Problems) {
    if !vocabularies(kind).contains(&v) {
        p.add(
            "vocabulary",
            "unknown_vocabulary",
            format!("one of {}", vocabularies(kind).join(", ")),
        );
    }
}

/// What a reference from a catalogue record must point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// A person or organisation.
    Agent,
    /// A place.
    Place,
    /// A term of this vocabulary.
    Term(&'static str),
}

impl Expect {
    /// Whether an authority of this kind and vocabulary fits.
    pub fn accepts(self, kind: Kind, vocabulary: &str) -> bool {
        match self {
            Expect::Agent => kind == Kind::Agent,
            Expect::Place => kind == Kind::Place,
            Expect::Term(v) => kind == Kind::Term && vocabulary == v,
        }
    }
    /// Described for an error message.
    pub fn describe(self) -> String {
        match self {
            Expect::Agent => "a person or organisation".into(),
            Expect::Place => "a place".into(),
            Expect::Term(v) => format!("a `{v}` term"),
        }
    }
}

/// An authority as written by staff.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorityInput {
    /// Vocabulary (terms), person/organisation (agents) or type (places, locations).
    pub vocabulary: String,
    /// Preferred name or label.
    pub label: LangText,
    /// Broader entry of the same kind (hierarchy).
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// Other names and spellings (any script), for finding.
    #[serde(default)]
    pub variants: Vec<String>,
    /// Scope note or biography.
    #[serde(default)]
    pub note: LangText,
    /// Agents: life or activity dates as displayed.
    #[serde(default)]
    pub dates_display: LangText,
    /// Agents: year of birth or founding.
    #[serde(default)]
    pub birth_year: Option<i32>,
    /// Agents: year of death or dissolution.
    #[serde(default)]
    pub death_year: Option<i32>,
    /// Agents: roles such as `painter`, `potter`, `collector`, `donor`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Places: latitude in degrees.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Places: longitude in degrees.
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Terms: Getty AAT URI, e.g. `http://vocab.getty.edu/aat/300010662`.
    #[serde(default)]
    pub aat_uri: Option<String>,
    /// Locations: short code on labels and signs, e.g. `B1-S03-C12`.
    #[serde(default)]
    pub code: Option<String>,
}

/// An authority as read.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Authority {
    /// Id.
    pub id: Uuid,
    /// Kind.
    pub kind: Kind,
    /// Version; send back in `If-Match`.
    pub version: i64,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// Fields.
    #[serde(flatten)]
    pub data: AuthorityInput,
    /// The broader entry's label.
    pub parent_label: Option<LangText>,
}

/// A picker or list row.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuthoritySummary {
    /// Id.
    pub id: Uuid,
    /// Kind.
    pub kind: Kind,
    /// Vocabulary or type.
    pub vocabulary: String,
    /// Label.
    pub label: LangText,
    /// Broader entry.
    pub parent_id: Option<Uuid>,
}

impl AuthorityInput {
    /// Trims text.
    pub fn normalize(&mut self) {
        for t in [&mut self.label, &mut self.note, &mut self.dates_display] {
            *t = std::mem::take(t).normalized();
        }
        self.vocabulary = self.vocabulary.trim().to_owned();
        self.variants = self
            .variants
            .iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        self.roles = self
            .roles
            .iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect();
        for o in [&mut self.aat_uri, &mut self.code] {
            if o.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *o = None;
            }
        }
    }

    /// Checks the fields for a kind; fields of other kinds must be empty.
    pub fn validate(&self, kind: Kind) -> Result<(), Error> {
        let mut p = Problems::default();
        check_vocabulary(kind, &self.vocabulary, &mut p);
        self.label.check("label", true, 300, &mut p);
        self.note.check("note", false, 20_000, &mut p);
        self.dates_display
            .check("dates_display", false, 200, &mut p);
        if self.variants.len() > 50 || self.variants.iter().any(|v| v.chars().count() > 300) {
            p.add(
                "variants",
                "too_long",
                "at most 50 variants of 300 characters",
            );
        }
        let agent = kind == Kind::Agent;
        let place = kind == Kind::Place;
        let mut only = |field: &str, present: bool, allowed: bool| {
            if present && !allowed {
                p.add(
                    field,
                    "not_applicable",
                    format!("`{field}` does not apply to {} authorities", kind.as_str()),
                );
            }
        };
        only("birth_year", self.birth_year.is_some(), agent);
        only("death_year", self.death_year.is_some(), agent);
        only("dates_display", !self.dates_display.is_empty(), agent);
        only("roles", !self.roles.is_empty(), agent);
        only("latitude", self.latitude.is_some(), place);
        only("longitude", self.longitude.is_some(), place);
        only("aat_uri", self.aat_uri.is_some(), kind == Kind::Term);
        only("code", self.code.is_some(), kind == Kind::Location);
        if let (Some(b), Some(d)) = (self.birth_year, self.death_year)
            && b > d
        {
            p.add("birth_year", "year_order", "born after death");
        }
        if self.latitude.is_some_and(|v| !(-90.0..=90.0).contains(&v)) {
            p.add("latitude", "out_of_range", "between -90 and 90");
        }
        if self
            .longitude
            .is_some_and(|v| !(-180.0..=180.0).contains(&v))
        {
            p.add("longitude", "out_of_range", "between -180 and 180");
        }
        if self.latitude.is_some() != self.longitude.is_some() {
            p.add("longitude", "required", "give both latitude and longitude");
        }
        if let Some(u) = &self.aat_uri
            && !(u.starts_with("http://vocab.getty.edu/aat/")
                && u[27..].chars().all(|c| c.is_ascii_digit())
                && u.len() > 27)
        {
            p.add(
                "aat_uri",
                "invalid_uri",
                "an AAT URI such as http://vocab.getty.edu/aat/300010662",
            );
        }
        if self.code.as_ref().is_some_and(|c| c.chars().count() > 40) {
            p.add("code", "too_long", "at most 40 characters");
        }
        p.finish()
    }

    /// What a picker searches: every label and variant, lower-cased.
    pub fn search_text(&self) -> String {
        let mut s = self.label.search_text();
        for v in &self.variants {
            s.push(' ');
            s.push_str(&v.to_lowercase());
        }
        if let Some(c) = &self.code {
            s.push(' ');
            s.push_str(&c.to_lowercase());
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(vocab: &str) -> AuthorityInput {
        AuthorityInput {
            vocabulary: vocab.into(),
            label: LangText::zh_en("青花", "blue-and-white"),
            ..Default::default()
        }
    }

    #[test]
    fn fields_of_other_kinds_are_refused() {
        let mut t = term("technique");
        t.birth_year = Some(1900);
        let Err(Error::Invalid(e)) = t.validate(Kind::Term) else {
            panic!()
        };
        assert_eq!(e[0].field, "birth_year");
        assert_eq!(e[0].code, "not_applicable");
    }

    #[test]
    fn vocabulary_must_belong_to_the_kind() {
        assert!(term("technique").validate(Kind::Term).is_ok());
        assert!(term("technique").validate(Kind::Agent).is_err());
    }

    #[test]
    fn aat_uri_is_checked() {
        let mut t = term("material");
        t.aat_uri = Some("http://vocab.getty.edu/aat/300010662".into());
        assert!(t.validate(Kind::Term).is_ok());
        t.aat_uri = Some("http://vocab.getty.edu/aat/".into());
        assert!(t.validate(Kind::Term).is_err());
    }

    #[test]
    fn search_text_holds_both_languages_and_variants() {
        let mut t = term("technique");
        t.variants.push("Qinghua".into());
        assert_eq!(t.search_text(), "blue-and-white 青花 qinghua");
    }
}
