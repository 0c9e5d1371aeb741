//! The facets: their names in the API, their index fields and columns, and counts of their
//! values (see [`crate::facet_counter`] for how matches are counted).

use std::collections::HashMap;
use tantivy::schema::Field;

use crate::schema::Fields;

/// The facets, in display order: (name in the API, whether values are authority ids).
pub const FACETS: &[(&str, bool)] = &[
    ("department", false),
    ("type", true),
    ("material", true),
    ("period", true),
    ("place", true),
    ("status", false),
    ("has_image", false),
    ("on_display", false),
];

/// What a single-valued facet holds for a record without a value (never shown, never a
/// filter: facet filters are ids or known codes).
pub const NO_VALUE: &str = "-";

/// The index field of a facet.
pub fn field(f: &Fields, name: &str) -> Option<Field> {
    Some(match name {
        "department" => f.department,
        "type" => f.object_type,
        "material" => f.material,
        "period" => f.period,
        "place" => f.place,
        "status" => f.status,
        "has_image" => f.has_image,
        "on_display" => f.on_display,
        _ => return None,
    })
}

/// The fast-field column of a facet.
pub(crate) fn column_name(name: &str) -> &str {
    match name {
        "type" => "object_type",
        n => n,
    }
}

/// Counts per facet: value → count.
pub type Counts = Vec<HashMap<String, u64>>;

/// Segments' counts added together.
pub fn merge<C: std::borrow::Borrow<Counts>>(parts: &[C]) -> Counts {
    let mut out: Counts = vec![HashMap::new(); FACETS.len()];
    for part in parts {
        for (i, m) in part.borrow().iter().enumerate() {
            if let Some(o) = out.get_mut(i) {
                for (k, v) in m {
                    *o.entry(k.clone()).or_default() += v;
                }
            }
        }
    }
    out
}
