//! The index schema: which fields a document has and how each is indexed.
//!
//! Text is indexed four ways (Chinese words, Chinese characters and pairs, English stems,
//! pinyin syllables; see `analysis`) into catch-all fields that plain words search, each
//! text once, at the positions of its field's band (see `band`), which answers
//! `maker:齐白石`. Titles' Chinese words and English stems are indexed once more on their own to lift
//! title matches in the ranking; titles' pinyin is indexed on its own only. Facets
//! are string fast fields; years and change times are numeric fast fields.

use crate::analysis::Kind;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Bumped whenever the schema or the analysis changes: an index of another version is
/// rebuilt on start.
pub const SCHEMA_VERSION: u32 = 13;

/// Handles of every field.
#[derive(Clone, Debug)]
pub struct Fields {
    /// Record id (term for updates and deletes).
    pub id: Field,
    /// Object number, lower-cased: exact as a term, by prefix as a range of its column
    /// (fast field); also the sort key.
    pub number: Field,
    /// Object number as written.
    pub number_shown: Field,
    /// Title as JSON `LangText`.
    pub title_json: Field,
    /// Description as JSON `LangText` (snippets).
    pub desc_json: Field,
    /// Every searchable text, Chinese words (one value per record: its texts, each after
    /// an `ENTRY` mark).
    pub all_zh: Field,
    /// Every searchable text, English stems.
    pub all_en: Field,
    /// Makers and places, pinyin syllables and neighbouring pairs (`qing_hua`).
    pub all_py: Field,
    /// Every searchable Chinese text as characters and character pairs (substring recall).
    pub all_zhc: Field,
    /// Titles, Chinese words.
    pub title_zh: Field,
    /// Titles, English stems.
    pub title_en: Field,
    /// Titles, pinyin syllables and pairs (not in `all_py`: a lone syllable's title
    /// matches are then one more list, not the positions of every record holding it).
    pub title_py: Field,
    /// Confidential text (staff index only; searched for roles allowed it), Chinese.
    pub secret_zh: Field,
    /// Confidential text, English.
    pub secret_en: Field,
    /// Every authority the record names (suggestions offer only what is indexed).
    pub refs: Field,
    /// Facet: department code.
    pub department: Field,
    /// Facet: object name term id.
    pub object_type: Field,
    /// Facet: material term ids.
    pub material: Field,
    /// Facet: period term id.
    pub period: Field,
    /// Facet: production place id.
    pub place: Field,
    /// Facet: status code.
    pub status: Field,
    /// Facet: `true` when the record has an image.
    pub has_image: Field,
    /// Facet: `true` when on display.
    pub on_display: Field,
    /// Earliest year (BCE negative).
    pub earliest: Field,
    /// Latest year.
    pub latest: Field,
    /// Sort key for date ascending (undated last).
    pub year_asc: Field,
    /// Sort key for date descending (undated last).
    pub year_desc: Field,
    /// Last change, microseconds since 1970.
    pub updated: Field,
}

fn analyzed(kind: Kind, banded: bool, positions: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(kind.name(banded))
            .set_index_option(record),
    )
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let facet = STRING | FAST;
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        number: b.add_text_field("number", STRING | FAST),
        number_shown: b.add_text_field("number_shown", STORED),
        title_json: b.add_text_field("title_json", STORED),
        desc_json: b.add_text_field("desc_json", STORED),
        all_zh: b.add_text_field("all_zh", analyzed(Kind::Zh, true, false)),
        all_en: b.add_text_field("all_en", analyzed(Kind::En, true, true)),
        all_py: b.add_text_field("all_py", analyzed(Kind::Pinyin, true, true)),
        all_zhc: b.add_text_field("all_zhc", analyzed(Kind::Chars, true, true)),
        title_zh: b.add_text_field("title_zh", analyzed(Kind::Zh, false, false)),
        title_en: b.add_text_field("title_en", analyzed(Kind::En, false, false)),
        title_py: b.add_text_field("title_py", analyzed(Kind::Pinyin, false, true)),
        secret_zh: b.add_text_field("secret_zh", analyzed(Kind::Zh, false, false)),
        secret_en: b.add_text_field("secret_en", analyzed(Kind::En, false, true)),
        refs: b.add_text_field("refs", STRING),
        department: b.add_text_field("department", facet.clone()),
        object_type: b.add_text_field("object_type", facet.clone()),
        material: b.add_text_field("material", facet.clone()),
        period: b.add_text_field("period", facet.clone()),
        place: b.add_text_field("place", facet.clone()),
        status: b.add_text_field("status", facet.clone()),
        has_image: b.add_text_field("has_image", facet.clone()),
        on_display: b.add_text_field("on_display", facet),
        earliest: b.add_i64_field("earliest", INDEXED | FAST),
        latest: b.add_i64_field("latest", INDEXED | FAST),
        year_asc: b.add_i64_field("year_asc", FAST),
        year_desc: b.add_i64_field("year_desc", FAST),
        updated: b.add_i64_field("updated", FAST),
    };
    (b.build(), f)
}
