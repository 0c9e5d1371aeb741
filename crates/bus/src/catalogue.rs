//! The event catalogue: every event type the outbox carries, the records it is about and
//! who may read it. A type is `<entity>.<what happened>`; filters take names or
//! `<entity>.*`.

use vitrine_kernel::{Actor, FieldError, Permission};

/// One type of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct EventType {
    /// `object.updated`, `sensor.created`, ...
    pub name: &'static str,
    /// What it says, in English.
    pub summary: &'static str,
}

macro_rules! types {
    ($($name:literal => $summary:literal),+ $(,)?) => {
        /// Every event type, by entity.
        pub const CATALOGUE: &[EventType] = &[$(EventType { name: $name, summary: $summary }),+];
    };
}

types! {
    "object.created" => "A catalogue record was created (data: id, version, actor).",
    "object.updated" => "A catalogue record changed (data: id, version, actor).",
    "object.deleted" => "A catalogue record was withdrawn (data: id, version, actor).",
    "object.images_arranged" => "An object's images were reordered or its primary image changed (data: id, order, primary, actor).",
    "object.images_changed" => "Images an object shows changed: linked, unlinked, ready or rights changed (data: id).",
    "agent.created" => "A person or organisation was added (data: id, version, actor).",
    "agent.updated" => "A person or organisation changed (data: id, version, actor).",
    "agent.deleted" => "A person or organisation was withdrawn (data: id, version, actor).",
    "place.created" => "A place was added (data: id, version, actor).",
    "place.updated" => "A place changed (data: id, version, actor).",
    "place.deleted" => "A place was withdrawn (data: id, version, actor).",
    "term.created" => "A vocabulary term was added (data: id, version, actor).",
    "term.updated" => "A vocabulary term changed (data: id, version, actor).",
    "term.deleted" => "A vocabulary term was withdrawn (data: id, version, actor).",
    "location.created" => "A location of the museum was added (data: id, version, actor).",
    "location.updated" => "A location of the museum changed (data: id, version, actor).",
    "location.deleted" => "A location of the museum was withdrawn (data: id, version, actor).",
    "media_asset.created" => "An image was added to the media library (data: id, version, actor).",
    "media_asset.updated" => "An image's description or rights changed (data: id, version, actor).",
    "media_asset.deleted" => "An image was removed from the media library (data: id, version, actor).",
    "media_asset.ready" => "An image's pyramid is made: it can be served (data: id).",
    "media_asset.failed" => "An image's pyramid could not be made (data: id, error).",
    "media_asset.linked" => "An image was linked to an object (data: id, object_id, version, actor).",
    "media_asset.unlinked" => "An image was unlinked from an object (data: id, object_id, actor).",
    "sensor.created" => "A sensor was registered, by staff or by its first reading (data: id, version, actor).",
    "sensor.updated" => "A sensor was edited, placed, moved or calibrated (data: id, version, actor).",
    "control_rule.created" => "A control rule for an actuator was added (data: id, version, actor).",
    "control_rule.updated" => "A control rule changed or was overridden (data: id, version, actor).",
    "control_rule.deleted" => "A control rule was deleted (data: id, version, actor).",
    "environment_target.created" => "A space got environment targets (data: id, version, actor).",
    "environment_target.updated" => "A space's environment targets changed (data: id, version, actor).",
    "environment_target.deleted" => "A space's environment targets were removed (data: id, version, actor).",
}

/// The permission that reads events about records of `entity`; none for records whose
/// events stay private (one person's saved searches).
pub fn permission_for(entity: &str) -> Option<Permission> {
    match entity {
        "object" | "agent" | "place" | "term" | "location" | "media_asset" => {
            Some(Permission::CatalogueRead)
        }
        "sensor" | "control_rule" | "environment_target" => Some(Permission::EnvironmentRead),
        _ => None,
    }
}

/// The entity types whose events `actor` may read.
pub fn readable_entities(actor: &Actor) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in CATALOGUE {
        let entity = entity_of(t.name);
        if permission_for(entity).is_some_and(|p| actor.can(p)) && !out.iter().any(|e| e == entity)
        {
            out.push(entity.to_owned());
        }
    }
    out
}

/// The entity part of a type name.
pub fn entity_of(name: &str) -> &str {
    name.split_once('.').map_or(name, |(e, _)| e)
}

/// Parses a `types` filter: names from the catalogue and `<entity>.*`, separated by
/// commas. Returns (exact names, prefixes ending in `.`); an unknown type names the field.
pub fn parse_types(field: &str, list: &str) -> Result<(Vec<String>, Vec<String>), FieldError> {
    let (mut exact, mut prefixes) = (Vec::new(), Vec::new());
    for t in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if let Some(entity) = t.strip_suffix(".*") {
            if CATALOGUE.iter().any(|c| entity_of(c.name) == entity) {
                prefixes.push(format!("{entity}."));
                continue;
            }
        } else if CATALOGUE.iter().any(|c| c.name == t) {
            exact.push(t.to_owned());
            continue;
        }
        return Err(FieldError::new(
            field,
            "unknown_event_type",
            format!(
                "unknown event type `{}`: see the event catalogue at /api/v1/events/types",
                vitrine_kernel::excerpt::excerpt(t)
            ),
        ));
    }
    Ok((exact, prefixes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_filter_takes_names_and_entity_wildcards() {
        let (exact, prefixes) = parse_types("types", "object.updated, media_asset.*").unwrap();
        assert_eq!(exact, ["object.updated"]);
        assert_eq!(prefixes, ["media_asset."]);
    }

    #[test]
    fn unknown_event_type_names_the_field() {
        for bad in ["object.exploded", "nothing.*", "*"] {
            let e = parse_types("types", bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code.as_str()),
                ("types", "unknown_event_type")
            );
        }
    }

    #[test]
    fn the_public_reads_no_events_and_a_viewer_the_catalogue() {
        assert!(readable_entities(&Actor::Anonymous).is_empty());
        assert!(readable_entities(&Actor::System("t")).contains(&"sensor".to_owned()));
        assert!(!readable_entities(&Actor::System("t")).contains(&"saved_search".to_owned()));
    }
}
