//! Highlighted snippets: a short piece of a record's text in the page's language with
//! the words that matched marked, as escaped HTML with `<mark>`.

use std::collections::HashSet;

use crate::analysis::{Analyzer, is_han};
use crate::query::Parsed;

/// Characters of context kept before the first match.
const LEAD: usize = 16;

/// What to mark, from the query's wanted (not excluded) words.
#[derive(Debug, Default)]
pub struct Marks {
    zh: HashSet<String>,
    runs: Vec<String>,
    en: HashSet<String>,
    pinyin: Vec<Vec<String>>,
}

impl Marks {
    /// The terms of a parsed query.
    pub fn of(an: &Analyzer, p: Option<&Parsed>) -> Marks {
        let mut m = Marks::default();
        for t in p.iter().flat_map(|p| p.must.iter().flatten()) {
            if t.text.chars().any(is_han) {
                m.zh.extend(an.zh_terms(&t.text));
                let folded = crate::analysis::fold(&t.text);
                m.runs.extend(
                    folded
                        .split(|c: char| !is_han(c))
                        .filter(|r| r.chars().count() >= 2)
                        .map(str::to_owned),
                );
            } else {
                m.en.extend(an.en_terms(&t.text));
                let syl: Option<Vec<String>> = t
                    .text
                    .split_whitespace()
                    .map(|w| an.split_pinyin(w))
                    .collect::<Option<Vec<_>>>()
                    .map(|v| v.concat());
                if let Some(s) = syl.filter(|s| !s.is_empty()) {
                    m.pinyin.push(s);
                }
            }
        }
        m
    }

    /// Byte ranges of `text` that match. A text is analysed only as far as the marks
    /// need (a page of hits is up to forty texts): no jieba cut when the words are the
    /// runs typed, no English pass without English words.
    fn ranges(&self, an: &Analyzer, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut toks = Vec::new();
        let zh_wanted = !self.runs.is_empty() || !self.zh.is_empty() || !self.pinyin.is_empty();
        if zh_wanted && text.chars().any(is_han) {
            // Runs of the query's characters, wherever they stand (fold keeps offsets).
            let folded = crate::analysis::fold(text);
            for run in &self.runs {
                out.extend(
                    folded
                        .match_indices(run.as_str())
                        .map(|(i, m)| (i, i + m.len())),
                );
            }
            // A word that is itself a run is marked wherever the run is: the cut would
            // only find the same places again.
            if self.zh.iter().any(|w| !self.runs.contains(w)) {
                an.zh(text, &mut toks, &mut 0);
                out.extend(
                    toks.iter()
                        .filter(|t| self.zh.contains(&t.text))
                        .map(|t| (t.offset_from, t.offset_to)),
                );
            }
            if !self.pinyin.is_empty() {
                let mut py = Vec::new();
                an.pinyin(text, &mut py, &mut 0);
                for want in &self.pinyin {
                    for w in py.windows(want.len()) {
                        if w.iter().zip(want).all(|(t, s)| &t.text == s)
                            && let (Some(a), Some(b)) = (w.first(), w.last())
                        {
                            out.push((a.offset_from, b.offset_to));
                        }
                    }
                }
            }
        }
        if !self.en.is_empty() && text.bytes().any(|b| b.is_ascii_alphanumeric()) {
            toks.clear();
            an.en(text, &mut toks, &mut 0);
            out.extend(
                toks.iter()
                    .filter(|t| self.en.contains(&t.text))
                    .map(|t| (t.offset_from, t.offset_to)),
            );
        }
        out.sort_unstable();
        // Overlapping sub-words (青花 inside 青花瓷) merge into one mark.
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in out {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        merged
    }

    /// The text, cut to about `max` characters around the first match, escaped, marked.
    pub fn snippet(&self, an: &Analyzer, text: &str, max: usize) -> Option<String> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(cut(text, self.ranges(an, text), max))
    }

    /// [`Marks::snippet`] of a text where something matches; `None` otherwise.
    pub fn matched(&self, an: &Analyzer, text: &str, max: usize) -> Option<String> {
        let text = text.trim();
        let ranges = self.ranges(an, text);
        (!ranges.is_empty()).then(|| cut(text, ranges, max))
    }
}

/// The start of a text, escaped, unmarked.
pub fn plain(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| cut(text, Vec::new(), max))
}

/// `text` cut to about `max` characters around the first of `ranges`, escaped, with the
/// ranges marked.
fn cut(text: &str, ranges: Vec<(usize, usize)>, max: usize) -> String {
    let first = ranges.first().map_or(0, |r| r.0);
    let lead_start = text[..first]
        .char_indices()
        .rev()
        .nth(LEAD - 1)
        .map_or(0, |(i, _)| i);
    let start = if first == 0 { 0 } else { lead_start };
    let end = text[start..]
        .char_indices()
        .nth(max)
        .map_or(text.len(), |(i, _)| start + i);
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    let mut at = start;
    for (a, b) in ranges {
        if b <= at || a >= end {
            continue;
        }
        let a = a.max(at);
        let b = b.min(end);
        escape(&text[at..a], &mut html);
        html.push_str("<mark>");
        escape(&text[a..b], &mut html);
        html.push_str("</mark>");
        at = b;
    }
    escape(&text[at..end], &mut html);
    if end < text.len() {
        html.push('…');
    }
    html
}

/// Escapes text for HTML.
pub fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    /// What a test returns: an error fails it with its message.
    type TestResult = Result<(), Box<dyn std::error::Error>>;
    use super::*;
    use crate::query::parse;

    #[test]
    fn marks_chinese_english_and_pinyin() -> TestResult {
        let an = Analyzer::new();
        let p = parse("青花 vases", false)?;
        let m = Marks::of(&an, Some(&p));
        let s = m
            .snippet(&an, "明代青花缠枝莲纹梅瓶，<底款>", 80)
            .ok_or("none")?;
        assert_eq!(s, "明代<mark>青花</mark>缠枝莲纹梅瓶，&lt;底款&gt;");
        let s = m
            .snippet(&an, "Two blue-and-white vases", 80)
            .ok_or("none")?;
        assert!(s.contains("<mark>vases</mark>"), "{s}");
        let p = parse("qinghua", false)?;
        let m = Marks::of(&an, Some(&p));
        let s = m.snippet(&an, "明代青花瓶", 80).ok_or("none")?;
        assert!(s.contains("<mark>青花</mark>"), "{s}");
        // English words inside Chinese text; a text where nothing matches is no match.
        let p = parse("storeroom", false)?;
        let m = Marks::of(&an, Some(&p));
        let s = m.matched(&an, "库房 Storeroom 3", 80).ok_or("none")?;
        assert_eq!(s, "库房 <mark>Storeroom</mark> 3");
        assert_eq!(m.matched(&an, "库房三号柜", 80), None);
        // A longer word is marked whole.
        let p = parse("缠枝莲纹", false)?;
        let m = Marks::of(&an, Some(&p));
        let s = m.matched(&an, "青花缠枝莲纹梅瓶", 80).ok_or("none")?;
        assert!(s.contains("<mark>缠枝莲纹</mark>"), "{s}");
        assert_eq!(super::plain(" <b> ", 80).as_deref(), Some("&lt;b&gt;"));
        Ok(())
    }

    #[test]
    fn long_text_is_cut_around_the_match() -> TestResult {
        let an = Analyzer::new();
        let p = parse("粉彩", false)?;
        let m = Marks::of(&an, Some(&p));
        let text = format!(
            "{}清代粉彩花卉纹盘。{}",
            "这件器物釉色莹润。".repeat(10),
            "胎质细腻。".repeat(20)
        );
        let s = m.snippet(&an, &text, 40).ok_or("none")?;
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("<mark>粉彩</mark>"));
        assert!(s.chars().count() < 70);
        Ok(())
    }
}
