//! Catalogue records and their validation. Plain types, no I/O.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::LangText;
use vitrine_kernel::error::Problems;

/// Latest year a date may name (the present is cataloguing, not prophecy).
pub const MAX_YEAR: i32 = 2100;
/// Earliest year (geological ages of specimens belong in `period` terms, not here).
pub const MIN_YEAR: i32 = -1_000_000_000;

use crate::code::code_enum;

code_enum! {
    /// The three curatorial departments; sub-collections are `collection` terms.
    Department {
        /// Archaeology, ceramics, bronzes, crafts.
        History = "history",
        /// Painting, calligraphy, decorative arts.
        FineArts = "fine_arts",
        /// Minerals, fossils, insects, plants.
        NaturalHistory = "natural_history",
    }
}

code_enum! {
    /// Where an object stands in its life (Spectrum object status).
    ObjectStatus {
        /// In store, part of the permanent collection.
        InCollection = "in_collection",
        /// In a gallery.
        OnDisplay = "on_display",
        /// Lent to another institution.
        OnLoan = "on_loan",
        /// In the conservation studio.
        InConservation = "in_conservation",
        /// Formally removed from the collection.
        Deaccessioned = "deaccessioned",
    }
}

code_enum! {
    /// What a dimension measures.
    DimensionKind {
        /// Height.
        Height = "height",
        /// Width.
        Width = "width",
        /// Depth.
        Depth = "depth",
        /// Length.
        Length = "length",
        /// Diameter.
        Diameter = "diameter",
        /// Diameter at the mouth (vessels).
        MouthDiameter = "mouth_diameter",
        /// Diameter at the base (vessels).
        BaseDiameter = "base_diameter",
        /// Thickness.
        Thickness = "thickness",
        /// Weight.
        Weight = "weight",
    }
}

code_enum! {
    /// Units of measure.
    Unit {
        /// Millimetre.
        Mm = "mm",
        /// Centimetre.
        Cm = "cm",
        /// Metre.
        M = "m",
        /// Gram.
        G = "g",
        /// Kilogram.
        Kg = "kg",
    }
}

impl Unit {
    /// True for mass units.
    pub fn is_mass(self) -> bool {
        matches!(self, Unit::G | Unit::Kg)
    }
}

/// A maker and their part in the making.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Maker {
    /// The person or organisation (authority id).
    pub agent_id: Uuid,
    /// Role code, e.g. `painter`, `calligrapher`, `potter`, `carver`, `workshop`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role: String,
}

/// Who made the object, when and where.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Production {
    /// Makers, in order of importance.
    #[serde(default)]
    pub makers: Vec<Maker>,
    /// Period or dynasty (`period` term).
    #[serde(default)]
    pub period_id: Option<Uuid>,
    /// The date as a reader should see it, e.g. 明永乐 / Ming dynasty, Yongle reign.
    #[serde(default)]
    pub date_display: LangText,
    /// Earliest possible year (negative = BCE).
    #[serde(default)]
    pub earliest_year: Option<i32>,
    /// Latest possible year (negative = BCE).
    #[serde(default)]
    pub latest_year: Option<i32>,
    /// Place of production (place authority id).
    #[serde(default)]
    pub place_id: Option<Uuid>,
}

/// One measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Which part was measured (empty = the whole object).
    #[serde(default)]
    pub part: LangText,
    /// What was measured.
    pub kind: DimensionKind,
    /// The value, positive.
    pub value: f64,
    /// The unit.
    pub unit: Unit,
}

/// An inscription, mark, seal or signature.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Inscription {
    /// Kind code: `inscription`, `mark`, `seal`, `signature`, `colophon`.
    #[serde(default)]
    pub kind: String,
    /// Where on the object.
    #[serde(default)]
    pub position: LangText,
    /// The text as written (original script).
    #[serde(default)]
    pub text: String,
    /// Transcription (e.g. modern characters, pinyin).
    #[serde(default)]
    pub transcription: String,
    /// Translation.
    #[serde(default)]
    pub translation: LangText,
}

/// What a natural-history specimen adds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Specimen {
    /// Scientific name, e.g. `Papilio bianor`.
    pub scientific_name: String,
    /// Taxonomic rank: `species`, `genus`, `family`, `subspecies`, ...
    #[serde(default)]
    pub rank: String,
    /// Where it was collected.
    #[serde(default)]
    pub locality: LangText,
    /// Who collected it (agent id).
    #[serde(default)]
    pub collector_id: Option<Uuid>,
    /// When: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    pub collecting_date: Option<String>,
}

/// An amount of money.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    /// Amount, not negative.
    pub amount: f64,
    /// ISO 4217 code, e.g. `CNY`.
    pub currency: String,
}

/// Information only registrars and administrators may see.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confidential {
    /// Current valuation.
    #[serde(default)]
    pub valuation: Option<Money>,
    /// Date of that valuation (`YYYY-MM-DD`).
    #[serde(default)]
    pub valuation_date: Option<String>,
    /// Value for insurance.
    #[serde(default)]
    pub insurance_value: Option<Money>,
    /// The source's (donor's, vendor's) private contact details.
    #[serde(default)]
    pub source_contact: Option<String>,
}

impl Confidential {
    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        *self == Confidential::default()
    }
}

/// A catalogue record as written by staff: what the API takes and the form edits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectInput {
    /// The museum's number for the object (unique; pattern configurable).
    pub object_number: String,
    /// Object name / type (`object_name` term).
    #[serde(default)]
    pub object_name_id: Option<Uuid>,
    /// Title.
    pub title: LangText,
    /// Brief description.
    #[serde(default)]
    pub description: LangText,
    /// Department.
    pub department: Department,
    /// Sub-collection (`collection` term).
    #[serde(default)]
    pub collection_id: Option<Uuid>,
    /// Classification (`classification` term).
    #[serde(default)]
    pub classification_id: Option<Uuid>,
    /// Materials (`material` terms).
    #[serde(default)]
    pub material_ids: Vec<Uuid>,
    /// Techniques (`technique` terms).
    #[serde(default)]
    pub technique_ids: Vec<Uuid>,
    /// Production.
    #[serde(default)]
    pub production: Production,
    /// Dimensions.
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    /// Number of parts (at least 1).
    #[serde(default = "one")]
    pub number_of_parts: i32,
    /// Inscriptions and marks.
    #[serde(default)]
    pub inscriptions: Vec<Inscription>,
    /// Credit line.
    #[serde(default)]
    pub credit_line: LangText,
    /// Status.
    #[serde(default = "in_collection")]
    pub status: ObjectStatus,
    /// Where the object is now (staff only).
    #[serde(default)]
    pub current_location: Option<String>,
    /// Notes for the storeroom (staff only).
    #[serde(default)]
    pub storage_notes: Option<String>,
    /// Shown on the public site.
    #[serde(default)]
    pub public: bool,
    /// Natural-history specimen data.
    #[serde(default)]
    pub specimen: Option<Specimen>,
    /// Registrars and administrators only; others' writes leave it unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidential: Option<Confidential>,
}

fn one() -> i32 {
    1
}
fn in_collection() -> ObjectStatus {
    ObjectStatus::InCollection
}

/// A catalogue record as read by staff.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ObjectRecord {
    /// Record id.
    pub id: Uuid,
    /// Version, bumped by every change; send it back in `If-Match`.
    pub version: i64,
    /// When first catalogued.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
    /// The record's fields.
    #[serde(flatten)]
    pub data: ObjectInput,
    /// Labels of every authority the record refers to, by id.
    pub labels: BTreeMap<Uuid, LangText>,
}

/// The summary row of an object list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ObjectSummary {
    /// Record id.
    pub id: Uuid,
    /// Object number.
    pub object_number: String,
    /// Title.
    pub title: LangText,
    /// Object name label.
    pub object_name: Option<LangText>,
    /// Department.
    pub department: Department,
    /// Status.
    pub status: ObjectStatus,
    /// Date as displayed.
    pub date_display: LangText,
    /// Shown to the public.
    pub public: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Object numbers: a prefix, a year and a serial, e.g. `GDM-2016-00042`; checked against
/// the configurable pattern. The default accepts letters, digits, `.`, `-`, `/`, `:`.
#[derive(Clone, Debug)]
pub struct NumberRule {
    allowed: fn(char) -> bool,
    /// Shown to the user when a number is refused.
    pub hint: String,
    /// Optional required prefix (e.g. `GDM-`).
    pub prefix: Option<String>,
}

impl Default for NumberRule {
    fn default() -> Self {
        NumberRule {
            allowed: |c| c.is_ascii_alphanumeric() || ".-/:".contains(c),
            hint: "letters, digits and . - / : only, at most 40".into(),
            prefix: None,
        }
    }
}

impl NumberRule {
    /// A rule that also demands a prefix.
    pub fn with_prefix(prefix: &str) -> Self {
        let mut r = NumberRule::default();
        r.hint = format!("must start with `{prefix}`; {}", r.hint);
        r.prefix = Some(prefix.to_owned());
        r
    }

    /// Checks one number.
    pub fn check(&self, n: &str, p: &mut Problems) {
        if n.is_empty() {
            p.add("object_number", "required", "give the object number");
        } else if n.len() > 40
            || !n.chars().all(self.allowed)
            || self
                .prefix
                .as_ref()
                .is_some_and(|x| !n.starts_with(x.as_str()))
        {
            p.add("object_number", "invalid_number", self.hint.clone());
        }
    }
}

fn check_date(field: &str, d: &str, p: &mut Problems) {
    let ok = match d.len() {
        4 => d.parse::<u16>().is_ok(),
        7 => chrono::NaiveDate::parse_from_str(&format!("{d}-01"), "%Y-%m-%d").is_ok(),
        10 => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok(),
        _ => false,
    };
    if !ok {
        p.add(field, "invalid_date", "write YYYY, YYYY-MM or YYYY-MM-DD");
    }
}

fn check_money(field: &str, m: &Money, p: &mut Problems) {
    if !m.amount.is_finite() || m.amount < 0.0 {
        p.add(
            format!("{field}.amount"),
            "out_of_range",
            "a sum of zero or more",
        );
    }
    if m.currency.len() != 3 || !m.currency.chars().all(|c| c.is_ascii_uppercase()) {
        p.add(
            format!("{field}.currency"),
            "invalid_currency",
            "an ISO 4217 code such as CNY",
        );
    }
}

fn check_text(field: &str, s: &str, max: usize, p: &mut Problems) {
    if s.chars().count() > max {
        p.add(field, "too_long", format!("at most {max} characters"));
    }
}

impl ObjectInput {
    /// Trims text so storage holds one canonical form.
    pub fn normalize(&mut self) {
        self.object_number = self.object_number.trim().to_owned();
        for t in [
            &mut self.title,
            &mut self.description,
            &mut self.credit_line,
            &mut self.production.date_display,
        ] {
            *t = std::mem::take(t).normalized();
        }
        for o in [&mut self.current_location, &mut self.storage_notes] {
            if o.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *o = None;
            }
            if let Some(s) = o {
                *s = s.trim().to_owned();
            }
        }
        if let Some(c) = &self.confidential
            && c.is_empty()
        {
            self.confidential = None;
        }
    }

    /// Checks every rule that needs no database; collects all problems at once.
    pub fn validate(&self, rule: &NumberRule) -> Result<(), vitrine_kernel::Error> {
        let mut p = Problems::default();
        rule.check(&self.object_number, &mut p);
        self.title.check("title", true, 500, &mut p);
        self.description.check("description", false, 20_000, &mut p);
        self.credit_line.check("credit_line", false, 1000, &mut p);
        let pr = &self.production;
        pr.date_display
            .check("production.date_display", false, 200, &mut p);
        for (f, y) in [
            ("production.earliest_year", pr.earliest_year),
            ("production.latest_year", pr.latest_year),
        ] {
            if y.is_some_and(|y| !(MIN_YEAR..=MAX_YEAR).contains(&y)) {
                p.add(
                    f,
                    "out_of_range",
                    format!("a year between {MIN_YEAR} and {MAX_YEAR}"),
                );
            }
        }
        if let (Some(a), Some(b)) = (pr.earliest_year, pr.latest_year)
            && a > b
        {
            p.add(
                "production.earliest_year",
                "year_order",
                "the earliest year is after the latest year",
            );
        }
        for (i, m) in pr.makers.iter().enumerate() {
            check_text(&format!("production.makers[{i}].role"), &m.role, 50, &mut p);
        }
        if !(1..=100_000).contains(&self.number_of_parts) {
            p.add("number_of_parts", "out_of_range", "between 1 and 100000");
        }
        if self.dimensions.len() > 50 {
            p.add("dimensions", "too_many", "at most 50 dimensions");
        }
        for (i, d) in self.dimensions.iter().enumerate() {
            let f = format!("dimensions[{i}]");
            if !d.value.is_finite() || d.value <= 0.0 || d.value > 1e6 {
                p.add(format!("{f}.value"), "out_of_range", "a positive number");
            }
            if (d.kind == DimensionKind::Weight) != d.unit.is_mass() {
                p.add(
                    format!("{f}.unit"),
                    "unit_mismatch",
                    "weights take g or kg; lengths take mm, cm or m",
                );
            }
            d.part.check(&format!("{f}.part"), false, 200, &mut p);
        }
        if self.inscriptions.len() > 100 {
            p.add("inscriptions", "too_many", "at most 100 inscriptions");
        }
        for (i, ins) in self.inscriptions.iter().enumerate() {
            let f = format!("inscriptions[{i}]");
            check_text(&format!("{f}.text"), &ins.text, 5000, &mut p);
            check_text(
                &format!("{f}.transcription"),
                &ins.transcription,
                5000,
                &mut p,
            );
            check_text(&format!("{f}.kind"), &ins.kind, 50, &mut p);
            ins.translation
                .check(&format!("{f}.translation"), false, 5000, &mut p);
            ins.position
                .check(&format!("{f}.position"), false, 200, &mut p);
        }
        for (f, v) in [
            ("current_location", &self.current_location),
            ("storage_notes", &self.storage_notes),
        ] {
            check_text(f, v.as_deref().unwrap_or(""), 2000, &mut p);
        }
        for (f, v) in [
            ("material_ids", &self.material_ids),
            ("technique_ids", &self.technique_ids),
        ] {
            if v.len() > 50 {
                p.add(f, "too_many", "at most 50 terms");
            }
        }
        if let Some(s) = &self.specimen {
            if s.scientific_name.trim().is_empty() {
                p.add(
                    "specimen.scientific_name",
                    "required",
                    "give the scientific name",
                );
            }
            check_text("specimen.scientific_name", &s.scientific_name, 200, &mut p);
            check_text("specimen.rank", &s.rank, 50, &mut p);
            s.locality.check("specimen.locality", false, 500, &mut p);
            if let Some(d) = &s.collecting_date {
                check_date("specimen.collecting_date", d, &mut p);
            }
        }
        if let Some(c) = &self.confidential {
            if let Some(m) = &c.valuation {
                check_money("confidential.valuation", m, &mut p);
            }
            if let Some(m) = &c.insurance_value {
                check_money("confidential.insurance_value", m, &mut p);
            }
            if let Some(d) = &c.valuation_date {
                check_date("confidential.valuation_date", d, &mut p);
            }
            check_text(
                "confidential.source_contact",
                c.source_contact.as_deref().unwrap_or(""),
                2000,
                &mut p,
            );
        }
        p.finish()
    }

    /// Every authority this record refers to, with the field that names it and the kind
    /// and vocabulary it must be.
    pub fn references(&self) -> Vec<(String, Uuid, crate::authority::Expect)> {
        use crate::authority::Expect;
        let mut out = Vec::new();
        let term = |v: &'static str| Expect::Term(v);
        let mut push = |f: String, id: Option<Uuid>, e: Expect| {
            if let Some(id) = id {
                out.push((f, id, e));
            }
        };
        push(
            "object_name_id".into(),
            self.object_name_id,
            term("object_name"),
        );
        push(
            "collection_id".into(),
            self.collection_id,
            term("collection"),
        );
        push(
            "classification_id".into(),
            self.classification_id,
            term("classification"),
        );
        push(
            "production.period_id".into(),
            self.production.period_id,
            term("period"),
        );
        push(
            "production.place_id".into(),
            self.production.place_id,
            Expect::Place,
        );
        for (i, id) in self.material_ids.iter().enumerate() {
            push(format!("material_ids[{i}]"), Some(*id), term("material"));
        }
        for (i, id) in self.technique_ids.iter().enumerate() {
            push(format!("technique_ids[{i}]"), Some(*id), term("technique"));
        }
        for (i, m) in self.production.makers.iter().enumerate() {
            push(
                format!("production.makers[{i}].agent_id"),
                Some(m.agent_id),
                Expect::Agent,
            );
        }
        if let Some(s) = &self.specimen {
            push(
                "specimen.collector_id".into(),
                s.collector_id,
                Expect::Agent,
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn sample() -> ObjectInput {
        serde_json::from_value(serde_json::json!({
            "object_number": "GDM-2016-00001",
            "title": {"zh-Hans": "青花缠枝莲纹梅瓶", "en": "Blue-and-white meiping vase"},
            "department": "history"
        }))
        .unwrap()
    }

    #[test]
    fn minimal_record_is_valid_with_defaults() {
        let o = sample();
        assert_eq!(o.number_of_parts, 1);
        assert_eq!(o.status, ObjectStatus::InCollection);
        o.validate(&NumberRule::default()).unwrap();
    }

    #[test]
    fn unknown_fields_are_refused() {
        let r: Result<ObjectInput, _> = serde_json::from_value(serde_json::json!({
            "object_number": "A1", "title": {"en": "x"}, "department": "history", "colour": "blue"
        }));
        assert!(r.unwrap_err().to_string().contains("colour"));
    }

    #[test]
    fn earliest_after_latest_names_the_field() {
        let mut o = sample();
        o.production.earliest_year = Some(1400);
        o.production.latest_year = Some(1300);
        let Err(vitrine_kernel::Error::Invalid(e)) = o.validate(&NumberRule::default()) else {
            panic!()
        };
        assert_eq!(e[0].field, "production.earliest_year");
        assert_eq!(e[0].code, "year_order");
    }

    #[test]
    fn weights_need_mass_units() {
        let mut o = sample();
        o.dimensions.push(Dimension {
            part: LangText::default(),
            kind: DimensionKind::Weight,
            value: 3.0,
            unit: Unit::Cm,
        });
        let Err(vitrine_kernel::Error::Invalid(e)) = o.validate(&NumberRule::default()) else {
            panic!()
        };
        assert_eq!(e[0].field, "dimensions[0].unit");
    }

    #[test]
    fn prefix_rule_refuses_other_numbers() {
        let mut p = Problems::default();
        NumberRule::with_prefix("GDM-").check("XYZ-1", &mut p);
        assert_eq!(p.0[0].code, "invalid_number");
    }

    proptest! {
        // Validation never panics and either accepts or names a field, whatever arrives.
        #[test]
        fn validation_is_total(num in ".{0,60}", title in ".{0,30}", lang in "(en|zh-Hans|fr|)",
                               a in proptest::option::of(any::<i32>()), b in proptest::option::of(any::<i32>()),
                               parts in any::<i32>(), value in any::<f64>()) {
            let mut o = sample();
            o.object_number = num;
            o.title = LangText::one(&lang, title);
            o.production.earliest_year = a;
            o.production.latest_year = b;
            o.number_of_parts = parts;
            o.dimensions.push(Dimension { part: LangText::default(), kind: DimensionKind::Height, value, unit: Unit::Cm });
            o.normalize();
            match o.validate(&NumberRule::default()) {
                Ok(()) => {
                    prop_assert!(!o.object_number.is_empty());
                    if let (Some(a), Some(b)) = (a, b) { prop_assert!(a <= b); }
                }
                Err(vitrine_kernel::Error::Invalid(e)) => prop_assert!(e.iter().all(|f| !f.field.is_empty())),
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        // Any JSON object either deserializes or is refused; never a panic.
        #[test]
        fn arbitrary_json_never_panics(keys in proptest::collection::vec("[a-z_]{1,12}", 0..6), n in any::<i64>()) {
            let mut m = serde_json::Map::new();
            for k in keys { m.insert(k, serde_json::json!(n)); }
            let _ = serde_json::from_value::<ObjectInput>(serde_json::Value::Object(m));
        }
    }
}
