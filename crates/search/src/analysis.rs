//! Turning text into index terms, the same way for records and for queries.
//!
//! - Chinese: traditional characters are folded to simplified (so 青花 and 靑花/繁體
//!   find each other), then jieba cuts words, with a museum dictionary of dynasties,
//!   wares, kilns, techniques and places (`dict/museum.txt`), records and queries alike
//!   in precise mode. A word inside a longer one (缠枝 in 缠枝莲纹) is found through the
//!   characters and their pairs, which every Chinese text is also indexed as.
//! - English: words, lower-cased, accents folded, Snowball-stemmed; in the catch-all
//!   field each also with the word after it (`qing_dynasti`), so a phrase reads pairs.
//! - Pinyin: each Chinese character becomes its toneless syllable, indexed alone and
//!   with its neighbour (`qing_hua`), so `qinghua` and `qing hua` reach 青花 as one term.
//!
//! The same functions serve tantivy as registered tokenizers (records are tokenized in
//! tantivy's indexing threads) and the query planner and snippets directly.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::scope::{Scope, band_start};
use jieba_rs::Jieba;
use pinyin::ToPinyin;
use tantivy::Index;
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Positions left between two values of one field, so a phrase never spans them.
pub const VALUE_GAP: usize = 50;
/// Longest word kept (longer ones are noise: hashes, run-together text).
const MAX_WORD: usize = 40;

thread_local! {
    static ENGLISH: RefCell<English> = RefCell::new(English::new());
}

/// English analysis: words, lower-cased and folded, then stemmed through a cache (a
/// collection's vocabulary is small; stemming every occurrence was a tenth of indexing).
struct English {
    words: TextAnalyzer,
    stemmer: TextAnalyzer,
    stems: HashMap<String, String>,
}

/// Words whose stems a thread keeps (then it starts over).
const STEM_CACHE: usize = 50_000;

impl English {
    fn new() -> English {
        English {
            words: TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(MAX_WORD))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            stems: HashMap::new(),
        }
    }

    fn stem<'a>(
        stems: &'a mut HashMap<String, String>,
        stemmer: &mut TextAnalyzer,
        word: &str,
    ) -> &'a str {
        if !stems.contains_key(word) {
            if stems.len() >= STEM_CACHE {
                stems.clear();
            }
            let mut s = stemmer.token_stream(word);
            let stem = if s.advance() {
                s.token().text.clone()
            } else {
                word.to_owned()
            };
            stems.insert(word.to_owned(), stem);
        }
        stems.get(word).map_or("", String::as_str)
    }
}

/// Where an analysis puts its terms: the term, its byte offsets in the analysed text and
/// its position. Queries and snippets collect tokens; the index tokenizers write into
/// buffers they reuse, so indexing makes no string per term.
pub trait Sink {
    /// Takes one term.
    fn term(&mut self, text: &str, from: usize, to: usize, position: usize);
}

impl Sink for Vec<Token> {
    fn term(&mut self, text: &str, from: usize, to: usize, position: usize) {
        self.push(token(text.to_owned(), from, to, position));
    }
}

/// Passes terms on, and before each one that follows its predecessor directly, the pair
/// of the two at the predecessor's position (see [`Analyzer::en_paired`]).
struct Paired<'a, S> {
    out: &'a mut S,
    prev: String,
    /// Position and start offset of the previous term.
    prev_at: Option<(usize, usize)>,
    pair: String,
}

impl<S: Sink> Sink for Paired<'_, S> {
    fn term(&mut self, text: &str, from: usize, to: usize, position: usize) {
        // A word dropped as too long leaves a gap: no pair across it.
        if let Some((p, f)) = self.prev_at
            && p + 1 == position
        {
            self.pair.clear();
            self.pair.push_str(&self.prev);
            self.pair.push(PAIR_JOIN);
            self.pair.push_str(text);
            self.out.term(&self.pair, f, to, p);
        }
        self.out.term(text, from, to, position);
        self.prev.clear();
        self.prev.push_str(text);
        self.prev_at = Some((position, from));
    }
}

/// Whether a character is a CJK ideograph (the ranges Chinese text uses).
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Simplified form of `text`, character for character (offsets stay valid because each
/// character keeps its UTF-8 length; when one would not, the text is left as it was).
pub fn fold(text: &str) -> String {
    if !text.chars().any(is_han) {
        return text.to_owned();
    }
    let s = fast2s::convert(text);
    if s.len() == text.len() {
        s
    } else {
        text.to_owned()
    }
}

/// The analyzers: one jieba with the museum dictionary, and the set of pinyin syllables.
pub struct Analyzer {
    jieba: Jieba,
    syllables: HashSet<String>,
    longest_syllable: usize,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// Loads jieba's dictionary plus the museum's (a few hundred milliseconds, once).
    pub fn new() -> Self {
        let mut jieba = Jieba::new();
        for line in include_str!("../dict/museum.txt").lines() {
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next().filter(|w| !w.starts_with('#')) else {
                continue;
            };
            let freq = parts.next().and_then(|f| f.parse().ok());
            jieba.add_word(word, freq, parts.next());
        }
        let mut syllables = HashSet::new();
        for c in (0x4E00u32..=0x9FFF).filter_map(char::from_u32) {
            if let Some(p) = c.to_pinyin() {
                syllables.insert(p.plain().to_owned());
            }
        }
        let longest_syllable = syllables.iter().map(|s| s.len()).max().unwrap_or(6);
        Analyzer {
            jieba,
            syllables,
            longest_syllable,
        }
    }

    /// Chinese tokens of a record's text, appended with positions from `*pos`.
    pub fn zh(&self, text: &str, out: &mut impl Sink, pos: &mut usize) {
        self.zh_simplified(&fold(text), out, pos);
    }

    /// [`Analyzer::zh`] of text already folded to simplified characters.
    fn zh_simplified(&self, folded: &str, out: &mut impl Sink, pos: &mut usize) {
        for t in self.jieba.cut(folded, true) {
            if let Some(term) = zh_term(t.word) {
                out.term(&term, t.byte_start, t.byte_end, *pos);
                *pos += 1;
            }
        }
        *pos += VALUE_GAP;
    }

    /// English tokens of a record's text.
    pub fn en(&self, text: &str, out: &mut impl Sink, pos: &mut usize) {
        ENGLISH.with(|a| {
            let mut a = a.borrow_mut();
            let English {
                words,
                stemmer,
                stems,
            } = &mut *a;
            let mut s = words.token_stream(text);
            let base = *pos;
            let mut last = 0;
            s.process(&mut |t: &Token| {
                let p = t.position + base;
                last = p + 1;
                out.term(
                    English::stem(stems, stemmer, &t.text),
                    t.offset_from,
                    t.offset_to,
                    p,
                );
            });
            *pos = last.max(base) + VALUE_GAP;
        });
    }

    /// Pinyin syllables of the Chinese characters of a record's text.
    pub fn pinyin(&self, text: &str, out: &mut impl Sink, pos: &mut usize) {
        let folded = fold(text);
        for (i, c) in folded.char_indices() {
            if let Some(p) = c.to_pinyin() {
                out.term(p.plain(), i, i + c.len_utf8(), *pos);
                *pos += 1;
            }
        }
        *pos += VALUE_GAP;
    }

    /// Pinyin as indexed: each syllable, and with it the pair it starts (`qing_hua`), so
    /// a typed word of two syllables is one term and a longer one a phrase of pairs:
    /// pairs are rare where single syllables (`jing`, `de`) are in half the collection.
    pub fn pinyin_terms(&self, text: &str, out: &mut impl Sink, pos: &mut usize) {
        self.pinyin_terms_simplified(&fold(text), out, pos);
    }

    /// [`Analyzer::pinyin_terms`] of text already folded to simplified characters.
    fn pinyin_terms_simplified(&self, folded: &str, out: &mut impl Sink, pos: &mut usize) {
        let mut chars = folded
            .char_indices()
            .map(|(i, c)| (i, i + c.len_utf8(), c.to_pinyin().map(|p| p.plain())))
            .peekable();
        let mut pair = String::new();
        while let Some((from, to, syllable)) = chars.next() {
            let Some(s) = syllable else { continue };
            out.term(s, from, to, *pos);
            if let Some(&(_, next_to, Some(next))) = chars.peek() {
                pair.clear();
                pair.push_str(s);
                pair.push(PAIR_JOIN);
                pair.push_str(next);
                out.term(&pair, from, next_to, *pos);
            }
            *pos += 1;
        }
        *pos += VALUE_GAP;
    }

    /// How typed syllables or English words are looked up where their pairs are indexed
    /// (the pinyin fields, English in the catch-all field): one as itself, more as their
    /// neighbouring pairs in order (see [`Analyzer::pinyin_terms`], [`Analyzer::en_paired`]).
    pub fn pair_terms(words: &[String]) -> Vec<String> {
        match words {
            [one] => vec![one.clone()],
            many => many
                .windows(2)
                .map(|w| format!("{}{PAIR_JOIN}{}", w[0], w[1]))
                .collect(),
        }
    }

    /// English as the catch-all field indexes it: each word, and at its position the pair
    /// it starts with the next word of the same text (`qing_dynasti`). A phrase of two
    /// words is then one term, and a longer one a phrase of pairs (a phrase of words read
    /// the positions of every record holding them all: for `"Qing dynasty"`, most of the
    /// collection).
    pub fn en_paired(&self, text: &str, out: &mut impl Sink, pos: &mut usize) {
        let mut paired = Paired {
            out,
            prev: String::new(),
            prev_at: None,
            pair: String::new(),
        };
        self.en(text, &mut paired, pos);
    }

    /// Chinese characters and overlapping pairs of them (青花瓶 → 青 青花 花 花瓶 瓶), a
    /// character and the pair it starts sharing a position. Any run of characters is then
    /// found as a phrase of pairs (one character as itself), whatever word boundaries
    /// jieba chose in this record's context.
    pub fn char_grams(&self, text: &str, out: &mut impl Sink, pos: &mut usize) {
        self.char_grams_simplified(&fold(text), out, pos);
    }

    /// [`Analyzer::char_grams`] of text already folded to simplified characters.
    fn char_grams_simplified(&self, folded: &str, out: &mut impl Sink, pos: &mut usize) {
        let mut chars = folded.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if !is_han(c) {
                // Keep a phrase from spanning punctuation or Latin text.
                *pos += 2;
                continue;
            }
            let end = i + c.len_utf8();
            // Folding keeps offsets, so a character and its pair are slices of the text.
            out.term(&folded[i..end], i, end, *pos);
            if let Some(&(j, d)) = chars.peek().filter(|(_, d)| is_han(*d)) {
                let pair_end = j + d.len_utf8();
                out.term(&folded[i..pair_end], i, pair_end, *pos);
            }
            *pos += 1;
        }
        *pos += VALUE_GAP;
    }

    /// How a query's run of Chinese characters is looked up in the character field: one
    /// character as itself, longer runs as their pairs in order.
    pub fn gram_terms(&self, run: &str) -> Vec<String> {
        let chars: Vec<char> = fold(run).chars().collect();
        if chars.len() == 1 {
            return vec![chars[0].to_string()];
        }
        chars.windows(2).map(|w| w.iter().collect()).collect()
    }

    /// Chinese terms of a query word, in order (precise cut).
    pub fn zh_terms(&self, text: &str) -> Vec<String> {
        let folded = fold(text);
        self.jieba
            .cut(&folded, true)
            .into_iter()
            .filter_map(|t| zh_term(t.word).map(Cow::into_owned))
            .collect()
    }

    /// English terms of a query word or phrase, in order.
    pub fn en_terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut pos = 0;
        self.en(text, &mut out, &mut pos);
        out.into_iter().map(|t| t.text).collect()
    }

    /// Splits a run of Latin letters into pinyin syllables (`qinghua` → `qing hua`),
    /// preferring the fewest syllables; `None` when it is not pinyin.
    pub fn split_pinyin(&self, word: &str) -> Option<Vec<String>> {
        let w = word.to_ascii_lowercase().replace(['ü', 'v'], "v");
        if w.is_empty() || w.len() > 60 || !w.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        // best[i]: fewest syllables covering w[..i], with the start of the last one.
        let n = w.len();
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for end in 1..=n {
            for start in end.saturating_sub(self.longest_syllable)..end {
                let Some((count, _)) = best[start] else {
                    continue;
                };
                if self.syllables.contains(&w[start..end])
                    && best[end].is_none_or(|(c, _)| count + 1 < c)
                {
                    best[end] = Some((count + 1, start));
                }
            }
        }
        let mut out = Vec::new();
        let mut end = n;
        while end > 0 {
            let (_, start) = best[end]?;
            out.push(w[start..end].to_owned());
            end = start;
        }
        out.reverse();
        Some(out)
    }

    /// Whether a word is a pinyin syllable.
    pub fn is_syllable(&self, s: &str) -> bool {
        self.syllables.contains(s)
    }
}

/// Starts each text in a record's value of a catch-all field, followed by its field's
/// band as one character ([`band_mark`]): the record's texts are one value, so the
/// tokenizer places each at its band's positions (see `band`).
pub const ENTRY: char = '\u{1E}';
/// Joins the two syllables or English words of an indexed pair (`qing_hua`,
/// `qing_dynasti`); never in a syllable or an English term (words are letters and digits).
const PAIR_JOIN: char = '_';
/// Position of a value's first token in fields of several values: tantivy leaves one
/// position between values, this keeps phrases from spanning two.
const FIRST_POSITION: usize = 8;

/// The character naming band `n` after an [`ENTRY`].
pub fn band_mark(n: usize) -> char {
    char::from(b'a' + n as u8)
}

/// Which analysis a registered tokenizer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Chinese words (jieba, precise mode).
    Zh,
    /// Chinese characters and character pairs.
    Chars,
    /// Pinyin syllables.
    Pinyin,
    /// English stems.
    En,
}

impl Kind {
    /// The tokenizer's registered name (banded: reads a record's texts, each after an
    /// [`ENTRY`] and its band).
    pub fn name(self, banded: bool) -> &'static str {
        match (self, banded) {
            (Kind::Zh, false) => "vt_zh",
            (Kind::Chars, false) => "vt_zhc",
            (Kind::Pinyin, false) => "vt_py",
            (Kind::En, false) => "vt_en",
            (Kind::Zh, true) => "vt_zh_b",
            (Kind::Chars, true) => "vt_zhc_b",
            (Kind::Pinyin, true) => "vt_py_b",
            (Kind::En, true) => "vt_en_b",
        }
    }
}

/// One of the analyses as a tantivy tokenizer.
#[derive(Clone)]
pub struct VtTokenizer {
    an: Arc<Analyzer>,
    kind: Kind,
    banded: bool,
    terms: Terms,
}

/// The terms of one value, kept in buffers the tokenizer reuses from value to value.
#[derive(Clone, Default)]
struct Terms {
    /// Every term's text, one after another.
    text: String,
    /// Per term: where its text ends in `text`, its offsets and position.
    spans: Vec<Span>,
    /// The term being handed out.
    token: Token,
    /// Added to offsets (where the text being analysed starts in the value).
    shift: usize,
}

#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    from: usize,
    to: usize,
    position: usize,
}

impl Sink for Terms {
    fn term(&mut self, text: &str, from: usize, to: usize, position: usize) {
        let start = self.text.len();
        self.text.push_str(text);
        self.spans.push(Span {
            start,
            end: self.text.len(),
            from: from + self.shift,
            to: to + self.shift,
            position,
        });
    }
}

/// The terms of one value, handed out one by one through a single token.
pub struct TermStream<'a> {
    terms: &'a mut Terms,
    next: usize,
}

impl TokenStream for TermStream<'_> {
    fn advance(&mut self) -> bool {
        let t = &mut *self.terms;
        let Some(span) = t.spans.get(self.next).copied() else {
            return false;
        };
        t.token.text.clear();
        t.token.text.push_str(&t.text[span.start..span.end]);
        t.token.offset_from = span.from;
        t.token.offset_to = span.to;
        t.token.position = span.position;
        t.token.position_length = 1;
        self.next += 1;
        true
    }
    fn token(&self) -> &Token {
        &self.terms.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.terms.token
    }
}

impl Tokenizer for VtTokenizer {
    type TokenStream<'a> = TermStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> TermStream<'a> {
        let t = &mut self.terms;
        t.text.clear();
        t.spans.clear();
        t.shift = 0;
        if !self.banded {
            let mut pos = FIRST_POSITION;
            analyse(&self.an, self.kind, false, text, t, &mut pos);
        } else {
            // Where the next text of each band goes, from the band's start.
            let mut next = [0usize; Scope::BANDS.len()];
            let mut at = 0;
            for entry in text.split(ENTRY) {
                let start = at;
                at += entry.len() + ENTRY.len_utf8();
                let mut chars = entry.chars();
                let Some(n) = chars
                    .next()
                    .and_then(|c| (c as usize).checked_sub(usize::from(b'a')))
                    .filter(|n| *n < next.len())
                else {
                    continue;
                };
                let body = chars.as_str();
                t.shift = start + 1;
                // A text longer than its band runs on into the next one: only a field
                // query on its end would miss it.
                let base = band_start(n) as usize;
                let mut pos = base + next[n];
                analyse(&self.an, self.kind, true, body, t, &mut pos);
                next[n] = pos - base;
            }
            // The index takes a field's terms in position order; texts come grouped by
            // band (see `document`), this keeps any other order from corrupting it.
            if t.spans.windows(2).any(|w| w[0].position > w[1].position) {
                t.spans.sort_by_key(|s| s.position);
            }
        }
        TermStream {
            terms: &mut self.terms,
            next: 0,
        }
    }
}

/// The index's analysis of a text: Chinese text comes already folded to simplified (the
/// document folds each text once for all its fields, see `document`); English in a
/// banded (catch-all) field comes with its pairs, where phrases are searched.
fn analyse(an: &Analyzer, kind: Kind, banded: bool, text: &str, out: &mut Terms, pos: &mut usize) {
    match kind {
        Kind::Zh => an.zh_simplified(text, out, pos),
        Kind::Chars => an.char_grams_simplified(text, out, pos),
        Kind::Pinyin => an.pinyin_terms_simplified(text, out, pos),
        Kind::En if banded => an.en_paired(text, out, pos),
        Kind::En => an.en(text, out, pos),
    }
}

/// Registers every analysis on an index (tokenizers are not stored with the index).
pub fn register(index: &Index, an: &Arc<Analyzer>) {
    for kind in [Kind::Zh, Kind::Chars, Kind::Pinyin, Kind::En] {
        for banded in [false, true] {
            index.tokenizers().register(
                kind.name(banded),
                TextAnalyzer::from(VtTokenizer {
                    an: an.clone(),
                    kind,
                    banded,
                    terms: Terms::default(),
                }),
            );
        }
    }
}

/// The term jieba's word becomes: lower-cased; punctuation and spaces dropped.
fn zh_term(word: &str) -> Option<Cow<'_, str>> {
    let w = word.trim();
    if w.is_empty() || w.len() > MAX_WORD * 3 || !w.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(if w.chars().any(char::is_uppercase) {
        Cow::Owned(w.to_lowercase())
    } else {
        Cow::Borrowed(w)
    })
}

fn token(text: String, from: usize, to: usize, position: usize) -> Token {
    Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zh(a: &Analyzer, s: &str) -> Vec<String> {
        let mut out = Vec::new();
        a.zh(s, &mut out, &mut 0);
        out.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn chinese_words_come_from_the_museum_dictionary() {
        let a = Analyzer::new();
        let t = zh(&a, "明代青花缠枝莲纹梅瓶");
        for w in ["青花", "缠枝莲纹", "梅瓶"] {
            assert!(t.contains(&w.to_owned()), "{w} in {t:?}");
        }
        assert!(zh(&a, "石湾窑仿钧釉塑像").contains(&"石湾窑".to_owned()));
    }

    #[test]
    fn traditional_folds_to_simplified_with_offsets_intact() {
        let a = Analyzer::new();
        // A word inside a longer one is reached through the character pairs.
        assert!(zh(&a, "明代青花瓷瓶").contains(&"青花瓷".to_owned()));
        let mut pairs = Vec::new();
        a.char_grams("明代青花瓷瓶", &mut pairs, &mut 0);
        assert!(pairs.iter().any(|t| t.text == "青花"));
        let mut out = Vec::new();
        let text = "廣彩人物紋碗";
        a.zh(text, &mut out, &mut 0);
        let first = &out[0];
        assert_eq!(first.text, "广彩");
        assert_eq!(&text[first.offset_from..first.offset_to], "廣彩");
        assert_eq!(a.zh_terms("廣彩"), vec!["广彩"]);
    }

    #[test]
    fn english_is_stemmed_and_folded() {
        let a = Analyzer::new();
        assert_eq!(a.en_terms("Vases, Décor"), vec!["vase", "decor"]);
    }

    #[test]
    fn pinyin_splits_into_the_fewest_syllables() {
        let a = Analyzer::new();
        assert_eq!(
            a.split_pinyin("qinghua"),
            Some(vec!["qing".into(), "hua".into()])
        );
        assert_eq!(
            a.split_pinyin("Guangcai"),
            Some(vec!["guang".into(), "cai".into()])
        );
        assert_eq!(a.split_pinyin("xian"), Some(vec!["xian".into()]));
        assert_eq!(a.split_pinyin("porcelain"), None);
        let mut out = Vec::new();
        a.pinyin("青花", &mut out, &mut 0);
        let t: Vec<_> = out.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(t, vec!["qing", "hua"]);
        let mut indexed = Vec::new();
        a.pinyin_terms("景德镇", &mut indexed, &mut 0);
        let t: Vec<_> = indexed
            .iter()
            .map(|t| (t.text.as_str(), t.position))
            .collect();
        assert_eq!(
            t,
            vec![
                ("jing", 0),
                ("jing_de", 0),
                ("de", 1),
                ("de_zhen", 1),
                ("zhen", 2)
            ]
        );
        let typed = a.split_pinyin("jingdezhen").unwrap();
        assert_eq!(Analyzer::pair_terms(&typed), vec!["jing_de", "de_zhen"]);
    }
}

#[cfg(test)]
mod tokenizer_tests {
    use super::*;

    fn terms(t: &mut VtTokenizer, text: &str) -> Vec<(String, usize)> {
        let mut s = t.token_stream(text);
        let mut got = Vec::new();
        while s.advance() {
            got.push((s.token().text.clone(), s.token().position));
        }
        got
    }

    #[test]
    fn english_in_the_catch_all_field_comes_with_its_pairs() {
        let an = Arc::new(Analyzer::new());
        let kind = Kind::En;
        let mut banded = VtTokenizer {
            an: an.clone(),
            kind,
            banded: true,
            terms: Terms::default(),
        };
        let text = format!(
            "{ENTRY}{}Blue and white{ENTRY}{}Qing dynasty",
            band_mark(0),
            band_mark(0)
        );
        let at = |t: &str, p: usize| (t.to_owned(), p);
        let second = 3 + VALUE_GAP;
        assert_eq!(
            terms(&mut banded, &text),
            vec![
                at("blue", 0),
                at("blue_and", 0),
                at("and", 1),
                at("and_white", 1),
                at("white", 2),
                // No pair across two texts ("white_qing").
                at("qing", second),
                at("qing_dynasti", second),
                at("dynasti", second + 1),
            ]
        );
        // Elsewhere (titles, suggestions) words alone; a query's phrase is its pairs.
        let mut plain = VtTokenizer {
            an,
            kind,
            banded: false,
            terms: Terms::default(),
        };
        let words: Vec<String> = terms(&mut plain, "Qing dynasty")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(words, vec!["qing", "dynasti"]);
        assert_eq!(Analyzer::pair_terms(&words), vec!["qing_dynasti"]);
    }

    #[test]
    fn banded_tokenizers_place_each_text_in_its_band() {
        let an = Arc::new(Analyzer::new());
        let mut t = VtTokenizer {
            an,
            kind: Kind::Chars,
            banded: true,
            terms: Terms::default(),
        };
        let maker = Scope::Maker.band_index();
        let text = format!(
            "{ENTRY}{}梅瓶{ENTRY}{}齐白石{ENTRY}{}瓶",
            band_mark(0),
            band_mark(maker),
            band_mark(0)
        );
        let mut s = t.token_stream(&text);
        let mut got = Vec::new();
        while s.advance() {
            let k = s.token();
            got.push((
                k.text.clone(),
                k.position,
                text[k.offset_from..k.offset_to].to_owned(),
            ));
        }
        let band = band_start(maker) as usize;
        let at = |t: &str, p: usize| (t.to_owned(), p, t.to_owned());
        assert_eq!(
            got,
            vec![
                at("梅", 0),
                at("梅瓶", 0),
                at("瓶", 1),
                // The second title continues after the first, a gap between them,
                // and the terms come in position order.
                at("瓶", 2 + VALUE_GAP),
                at("齐", band),
                at("齐白", band),
                at("白", band + 1),
                at("白石", band + 1),
                at("石", band + 2),
            ]
        );
    }
}
