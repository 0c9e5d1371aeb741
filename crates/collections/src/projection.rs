//! What each kind of caller may see of a record. The public projection is its own type,
//! so a restricted field cannot reach an anonymous caller by accident.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::{Actor, LangText, Permission};

use crate::model::{
    Department, Dimension, Inscription, ObjectRecord, ObjectStatus, Production, Specimen,
};

/// A published catalogue record with public fields only: no location, storage notes,
/// valuation, insurance or private contacts.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicObject {
    /// Record id.
    pub id: Uuid,
    /// Object number.
    pub object_number: String,
    /// Object name / type term.
    pub object_name_id: Option<Uuid>,
    /// Title.
    pub title: LangText,
    /// Brief description.
    pub description: LangText,
    /// Department.
    pub department: Department,
    /// Sub-collection term.
    pub collection_id: Option<Uuid>,
    /// Classification term.
    pub classification_id: Option<Uuid>,
    /// Material terms.
    pub material_ids: Vec<Uuid>,
    /// Technique terms.
    pub technique_ids: Vec<Uuid>,
    /// Production.
    pub production: Production,
    /// Dimensions.
    pub dimensions: Vec<Dimension>,
    /// Number of parts.
    pub number_of_parts: i32,
    /// Inscriptions and marks.
    pub inscriptions: Vec<Inscription>,
    /// Credit line.
    pub credit_line: LangText,
    /// Whether on display, in store, on loan...
    pub status: ObjectStatus,
    /// Specimen data.
    pub specimen: Option<Specimen>,
    /// Labels of the authorities referred to.
    pub labels: BTreeMap<Uuid, LangText>,
}

impl From<ObjectRecord> for PublicObject {
    fn from(r: ObjectRecord) -> Self {
        let d = r.data;
        PublicObject {
            id: r.id,
            object_number: d.object_number,
            object_name_id: d.object_name_id,
            title: d.title,
            description: d.description,
            department: d.department,
            collection_id: d.collection_id,
            classification_id: d.classification_id,
            material_ids: d.material_ids,
            technique_ids: d.technique_ids,
            production: d.production,
            dimensions: d.dimensions,
            number_of_parts: d.number_of_parts,
            inscriptions: d.inscriptions,
            credit_line: d.credit_line,
            status: d.status,
            specimen: d.specimen,
            labels: r.labels,
        }
    }
}

/// Removes from a stored object representation what this caller may not see (used on
/// history before/after documents).
pub fn redact_object_json(actor: &Actor) -> impl Fn(&mut Value) + Sync + '_ {
    move |v: &mut Value| {
        if let Some(o) = v.as_object_mut() {
            if !actor.can(Permission::ConfidentialRead) {
                o.remove("confidential");
            }
            if !actor.is_staff() {
                o.remove("current_location");
                o.remove("storage_notes");
            }
        }
    }
}
