//! One catalogue record as an index document, in one of two projections. The public
//! projection is built from a copy of the record with every restricted field removed,
//! so restricted text cannot reach the public index at all.

use std::borrow::Cow;
use std::collections::HashMap;

use tantivy::TantivyDocument;
use uuid::Uuid;
use vitrine_collections::authority::Kind;
use vitrine_collections::feed::{FeedAuthority, FeedObject};
use vitrine_collections::model::{MAX_YEAR, MIN_YEAR, ObjectInput, ObjectStatus};
use vitrine_kernel::LangText;

use crate::analysis::{ENTRY, band_mark, fold, is_han};
use crate::schema::Fields;
use crate::scope::Scope;

/// Which index a document is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Projection {
    /// Every live record, every field the staff may search.
    Staff,
    /// Public records, public fields only.
    Public,
}

impl Projection {
    /// Directory name of this projection's index.
    pub fn dir(self) -> &'static str {
        match self {
            Projection::Staff => "staff",
            Projection::Public => "public",
        }
    }
}

/// Where a piece of text goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Scoped(Scope),
    Secret,
}

/// Gathers a record's texts: each goes once into the catch-all values (marked with its
/// field's band, see `band`), titles also into the title fields; tantivy's registered
/// tokenizers (see `analysis`) turn them into terms.
struct Texts<'a> {
    f: &'a Fields,
    doc: TantivyDocument,
    /// Chinese texts by band (words and characters are cut from the same value).
    zh: Bands,
    /// Chinese texts of the fields whose pinyin is searched.
    py: Bands,
    /// Latin texts.
    en: Bands,
}

/// Texts gathered per band, so the value lists them in band order: the index takes a
/// field's terms in position order.
type Bands = [String; Scope::BANDS.len()];

/// One value of the gathered texts, bands in order.
fn joined(bands: Bands) -> String {
    let mut out = String::with_capacity(bands.iter().map(String::len).sum());
    for b in bands {
        out.push_str(&b);
    }
    out
}

impl<'a> Texts<'a> {
    fn new(f: &'a Fields) -> Self {
        Texts {
            f,
            doc: TantivyDocument::default(),
            zh: Default::default(),
            py: Default::default(),
            en: Default::default(),
        }
    }

    fn text(&mut self, target: Target, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        // The mark that separates texts cannot come from the record itself.
        let text: Cow<str> = if text.contains(ENTRY) {
            Cow::Owned(text.replace(ENTRY, " "))
        } else {
            Cow::Borrowed(text)
        };
        let f = self.f;
        let han = text.chars().any(is_han);
        // Folded once here for every field's tokenizer (they expect simplified text).
        let text: Cow<str> = if han { Cow::Owned(fold(&text)) } else { text };
        // Latin words are English terms, also inside Chinese text ("库房 Storeroom 3").
        let latin = if !han {
            Some(text.clone())
        } else if text.bytes().any(|b| b.is_ascii_alphabetic()) {
            Some(Cow::Owned(latin_only(&text)))
        } else {
            None
        };
        match target {
            Target::Secret => {
                if han {
                    self.doc.add_text(f.secret_zh, &text);
                }
                if let Some(l) = &latin {
                    self.doc.add_text(f.secret_en, l);
                }
            }
            Target::Scoped(scope) => {
                let n = scope.band_index();
                let entry = |bands: &mut Bands, t: &str| {
                    let buf = &mut bands[n];
                    buf.push(ENTRY);
                    buf.push(band_mark(n));
                    buf.push_str(t);
                };
                if han {
                    entry(&mut self.zh, &text);
                    // Titles' pinyin goes to a field of its own (see `schema`).
                    if scope.has_pinyin() && scope != Scope::Title {
                        entry(&mut self.py, &text);
                    }
                }
                if let Some(l) = &latin {
                    entry(&mut self.en, l);
                }
                if scope == Scope::Title {
                    if han {
                        self.doc.add_text(f.title_zh, &text);
                        self.doc.add_text(f.title_py, &text);
                    }
                    if let Some(l) = &latin {
                        self.doc.add_text(f.title_en, l);
                    }
                }
            }
        }
    }

    fn lang(&mut self, target: Target, t: &LangText) {
        for v in t.0.values() {
            self.text(target, v);
        }
    }

    /// The document, with the gathered catch-all values.
    fn finish(self) -> TantivyDocument {
        let (f, mut doc) = (self.f, self.doc);
        let zh = joined(self.zh);
        if !zh.is_empty() {
            doc.add_text(f.all_zhc, &zh);
            doc.add_text(f.all_zh, zh);
        }
        for (field, v) in [(f.all_py, joined(self.py)), (f.all_en, joined(self.en))] {
            if !v.is_empty() {
                doc.add_text(field, v);
            }
        }
        doc
    }
}

/// Authorities by id, as the index needs them.
pub type Authorities = HashMap<Uuid, FeedAuthority>;

/// The record as a projection may see it: the staff see it whole; the public get a copy
/// with every restricted field removed.
fn visible(o: &ObjectInput, p: Projection) -> Cow<'_, ObjectInput> {
    match p {
        Projection::Staff => Cow::Borrowed(o),
        Projection::Public => Cow::Owned(ObjectInput {
            current_location: None,
            storage_notes: None,
            confidential: None,
            ..o.clone()
        }),
    }
}

/// Whether a projection holds a record at all.
pub fn included(o: &FeedObject, p: Projection) -> bool {
    p == Projection::Staff || o.data.public
}

/// Builds the document of one record; `images` says whether it has images and whether the
/// public may see one (see `ImageLookup` in the service).
pub fn build(f: &Fields, o: &FeedObject, p: Projection, images: Option<bool>) -> TantivyDocument {
    let d = visible(&o.data, p);
    let mut t = Texts::new(f);
    // Authorities are searched by name in their own index (see `authority_index`):
    // the record holds only which it refers to.
    let mut refs: Vec<Uuid> = Vec::new();
    let doc = &mut t.doc;
    doc.add_text(f.id, o.id.to_string());
    // Prefixes are read from the number's column (see `plan`), not indexed as terms:
    // they were a twentieth of a record's terms, nearly all found in no other record.
    doc.add_text(f.number, d.object_number.to_lowercase());
    doc.add_text(f.number_shown, &d.object_number);
    doc.add_text(f.title_json, json(&d.title));
    doc.add_text(f.desc_json, json(&d.description));

    t.lang(Target::Scoped(Scope::Title), &d.title);
    t.lang(Target::Scoped(Scope::Description), &d.description);
    refs.extend(d.references().into_iter().map(|(_, id, _)| id));
    t.lang(Target::Scoped(Scope::Period), &d.production.date_display);
    for i in &d.inscriptions {
        t.text(Target::Scoped(Scope::Inscription), &i.text);
        t.text(Target::Scoped(Scope::Inscription), &i.transcription);
        t.lang(Target::Scoped(Scope::Inscription), &i.translation);
        t.lang(Target::Scoped(Scope::Inscription), &i.position);
    }
    if let Some(s) = &d.specimen {
        t.text(Target::Scoped(Scope::Name), &s.scientific_name);
        t.lang(Target::Scoped(Scope::Place), &s.locality);
    }
    t.lang(Target::Scoped(Scope::Credit), &d.credit_line);
    for s in [&d.current_location, &d.storage_notes]
        .into_iter()
        .flatten()
    {
        t.text(Target::Scoped(Scope::Location), s);
    }
    if let Some(c) = &d.confidential
        && let Some(s) = &c.source_contact
    {
        t.text(Target::Secret, s);
    }
    let mut doc = t.finish();
    refs.sort_unstable();
    refs.dedup();
    for r in &refs {
        doc.add_text(f.refs, r.to_string());
    }
    doc.add_text(f.department, d.department.as_str());
    doc.add_text(f.status, d.status.as_str());
    for (field, id) in [
        (f.object_type, d.object_name_id),
        (f.period, d.production.period_id),
        (f.place, d.production.place_id),
    ] {
        // A record without a value holds NO_VALUE, so each of these columns has exactly
        // one value per record: facet counting reads such columns in packed blocks.
        match id {
            Some(id) => doc.add_text(field, id.to_string()),
            None => doc.add_text(field, crate::facets::NO_VALUE),
        }
    }
    for m in &d.material_ids {
        doc.add_text(f.material, m.to_string());
    }
    let has_image = match p {
        Projection::Staff => images.is_some(),
        Projection::Public => images == Some(true),
    };
    doc.add_text(f.has_image, if has_image { "true" } else { "false" });
    doc.add_text(
        f.on_display,
        if d.status == ObjectStatus::OnDisplay {
            "true"
        } else {
            "false"
        },
    );
    let (e, l) = (d.production.earliest_year, d.production.latest_year);
    // An undated record gets years no range reaches (years are checked to lie within
    // MIN_YEAR..=MAX_YEAR), so that every record has a value: a range over a column
    // with gaps maps every row to its record, which took most of a year filter's time.
    let (from, to) = match (e.or(l), l.or(e)) {
        (Some(e), Some(l)) => (i64::from(e), i64::from(l)),
        _ => (i64::from(MAX_YEAR) + 1, i64::from(MIN_YEAR) - 1),
    };
    doc.add_i64(f.earliest, from);
    doc.add_i64(f.latest, to);
    doc.add_i64(f.year_asc, e.or(l).map_or(i64::MAX, i64::from));
    doc.add_i64(f.year_desc, l.or(e).map_or(i64::MIN, i64::from));
    doc.add_i64(f.updated, o.updated_at.timestamp_micros());
    doc
}

/// The field query that names an authority's kind and vocabulary; `None` for the
/// museum's own locations (searched only as the text of restricted fields).
pub fn scope_of(a: &FeedAuthority) -> Option<Scope> {
    Some(match a.kind {
        Kind::Agent => Scope::Maker,
        Kind::Place => Scope::Place,
        Kind::Location => return None,
        Kind::Term => match a.vocabulary.as_str() {
            "object_name" => Scope::Type,
            "material" => Scope::Material,
            "technique" => Scope::Technique,
            "period" => Scope::Period,
            _ => Scope::Term,
        },
    })
}

/// The document of an authority in the authority index (see `authority_index`): its
/// label and variants in the band of its field, as a record would hold them.
pub fn authority(f: &Fields, id: Uuid, a: &FeedAuthority) -> Option<TantivyDocument> {
    let scope = scope_of(a)?;
    let mut t = Texts::new(f);
    t.doc.add_text(f.id, id.to_string());
    t.lang(Target::Scoped(scope), &a.label);
    for v in &a.variants {
        t.text(Target::Scoped(scope), v);
    }
    Some(t.finish())
}

/// `text` with Chinese characters blanked (same byte length, so offsets stay valid).
fn latin_only(text: &str) -> String {
    if !text.chars().any(is_han) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if is_han(c) {
                " ".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn json(t: &LangText) -> String {
    serde_json::to_string(t).unwrap_or_default()
}
