//! Suggestions as you type: matching objects from the index, and the makers, terms and
//! places whose names (any language, any variant, or their pinyin) contain what was
//! typed. Only names that some record of the caller's index refers to are offered, so
//! the public never sees a name that only restricted records use.

use pinyin::ToPinyin;
use serde::Serialize;
use tantivy::Searcher;
use tantivy::schema::Field;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_collections::authority::Kind;
use vitrine_kernel::Lang;

use crate::analysis::fold;
use crate::document::Authorities;

/// What a suggestion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// A catalogue record (opens it).
    Object,
    /// A maker (searches `maker:`).
    Maker,
    /// A vocabulary term (filters by it).
    Term,
    /// A place.
    Place,
}

/// One suggestion.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Suggestion {
    /// What it is.
    pub kind: SuggestionKind,
    /// Record or authority id.
    pub id: Uuid,
    /// What to show.
    pub label: String,
    /// A second line: the object number, or the vocabulary.
    pub detail: String,
    /// What to put in the search box when chosen.
    pub query: String,
}

/// A name prepared for matching.
#[derive(Clone, Debug)]
pub struct NameEntry {
    id: Uuid,
    kind: SuggestionKind,
    vocabulary: String,
    keys: Vec<String>,
}

/// All names, prepared once per change of authorities.
#[derive(Clone, Debug, Default)]
pub struct Names {
    entries: Vec<NameEntry>,
}

fn key(s: &str) -> String {
    fold(s).to_lowercase()
}

impl Names {
    /// Prepares every maker, term and place (locations are never suggested).
    pub fn new(auth: &Authorities) -> Names {
        let mut entries = Vec::new();
        for (id, a) in auth {
            let kind = match a.kind {
                Kind::Agent => SuggestionKind::Maker,
                Kind::Term => SuggestionKind::Term,
                Kind::Place => SuggestionKind::Place,
                Kind::Location => continue,
            };
            let mut keys: Vec<String> = a.label.0.values().map(|s| key(s)).collect();
            keys.extend(a.variants.iter().map(|s| key(s)));
            if let Some(zh) = a.label.get("zh-Hans") {
                let py: String = zh
                    .to_pinyin()
                    .flatten()
                    .map(|p| p.plain())
                    .collect::<Vec<_>>()
                    .concat();
                if !py.is_empty() {
                    keys.push(py);
                }
            }
            entries.push(NameEntry {
                id: *id,
                kind,
                vocabulary: a.vocabulary.clone(),
                keys,
            });
        }
        Names { entries }
    }

    /// Names containing `typed` that records in `searcher` refer to, most used first.
    pub fn matching(
        &self,
        auth: &Authorities,
        searcher: &Searcher,
        refs: Field,
        typed: &str,
        lang: Lang,
        limit: usize,
    ) -> Vec<Suggestion> {
        let t = key(typed.trim());
        let compact: String = t.split_whitespace().collect();
        if compact.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(u64, bool, &NameEntry)> = Vec::new();
        for e in &self.entries {
            let starts = e
                .keys
                .iter()
                .any(|k| k.starts_with(&t) || k.starts_with(&compact));
            if !starts && !e.keys.iter().any(|k| k.contains(&t)) {
                continue;
            }
            let used = searcher
                .doc_freq(&tantivy::Term::from_field_text(refs, &e.id.to_string()))
                .unwrap_or(0);
            if used > 0 {
                found.push((used, starts, e));
            }
        }
        found.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        found
            .into_iter()
            .take(limit)
            .filter_map(|(used, _, e)| {
                let a = auth.get(&e.id)?;
                let label = a.label.best(lang).to_owned();
                let field = match (e.kind, e.vocabulary.as_str()) {
                    (SuggestionKind::Maker, _) => "maker",
                    (SuggestionKind::Place, _) => "place",
                    (_, "object_name") => "type",
                    (_, "material") => "material",
                    (_, "technique") => "technique",
                    (_, "period") => "period",
                    _ => "term",
                };
                let query = format!("{field}:\"{label}\"");
                Some(Suggestion {
                    kind: e.kind,
                    id: e.id,
                    label,
                    detail: format!("{} · {used}", e.vocabulary),
                    query,
                })
            })
            .collect()
    }
}
