//! Bilingual text. Every human-readable value in Vitrine is a `LangText` keyed by
//! BCP-47 tag (`zh-Hans`, `en`, optionally `zh-Hant`), never a bare string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Problems;

/// Language tags a `LangText` may carry.
pub const LANG_TAGS: [&str; 3] = ["zh-Hans", "en", "zh-Hant"];

/// The interface languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese.
    #[default]
    #[serde(rename = "zh-Hans")]
    ZhHans,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The BCP-47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhHans => "zh-Hans",
            Lang::En => "en",
        }
    }
    /// Parses a tag or a loose form (`zh`, `zh-CN`, `en-GB`).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::ZhHans)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
    /// The other interface language (for the switch link).
    pub fn other(self) -> Lang {
        match self {
            Lang::ZhHans => Lang::En,
            Lang::En => Lang::ZhHans,
        }
    }
}

/// Text in several languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = BTreeMap<String, String>, example = json!({"zh-Hans": "青花缠枝莲纹梅瓶", "en": "Blue-and-white meiping vase"}))]
pub struct LangText(pub BTreeMap<String, String>);

impl LangText {
    /// Chinese and English at once.
    pub fn zh_en(zh: impl Into<String>, en: impl Into<String>) -> Self {
        let mut m = BTreeMap::new();
        m.insert("zh-Hans".to_owned(), zh.into());
        m.insert("en".to_owned(), en.into());
        LangText(m)
    }
    /// Only one language.
    pub fn one(tag: &str, text: impl Into<String>) -> Self {
        let mut m = BTreeMap::new();
        m.insert(tag.to_owned(), text.into());
        LangText(m)
    }
    /// The text in exactly this language.
    pub fn get(&self, tag: &str) -> Option<&str> {
        self.0
            .get(tag)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
    /// The text to show a reader of `lang`: that language, else Chinese, else English,
    /// else anything; empty when there is no text at all.
    pub fn best(&self, lang: Lang) -> &str {
        self.get(lang.tag())
            .or_else(|| self.get("zh-Hans"))
            .or_else(|| self.get("zh-Hant"))
            .or_else(|| self.get("en"))
            .unwrap_or("")
    }
    /// True when no language has text.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| v.trim().is_empty())
    }
    /// Sets one language; an empty text removes it.
    pub fn set(&mut self, tag: &str, text: &str) {
        let t = text.trim();
        if t.is_empty() {
            self.0.remove(tag);
        } else {
            self.0.insert(tag.to_owned(), t.to_owned());
        }
    }
    /// Trims every value and drops empty ones, so storage holds one canonical form.
    pub fn normalized(mut self) -> Self {
        self.0.retain(|_, v| {
            *v = v.trim().to_owned();
            !v.is_empty()
        });
        self
    }
    /// Checks language tags and length; `required` demands at least one language.
    pub fn check(&self, field: &str, required: bool, max_chars: usize, p: &mut Problems) {
        for (k, v) in &self.0 {
            if !LANG_TAGS.contains(&k.as_str()) {
                p.add(
                    format!("{field}.{k}"),
                    "unknown_language",
                    format!("language tag must be one of {}", LANG_TAGS.join(", ")),
                );
            } else if v.chars().count() > max_chars {
                p.add(
                    format!("{field}.{k}"),
                    "too_long",
                    format!("at most {max_chars} characters"),
                );
            }
        }
        if required && self.best(Lang::ZhHans).is_empty() {
            p.add(field, "required", "give the text in Chinese or English");
        }
    }
    /// All values joined, lower-cased: what a picker's substring search looks in.
    pub fn search_text(&self) -> String {
        self.0
            .values()
            .map(|v| v.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_falls_back_to_chinese_then_english() {
        let t = LangText::one("en", "Vase");
        assert_eq!(t.best(Lang::ZhHans), "Vase");
        let t = LangText::zh_en("瓶", "Vase");
        assert_eq!(t.best(Lang::ZhHans), "瓶");
        assert_eq!(t.best(Lang::En), "Vase");
        assert_eq!(LangText::default().best(Lang::En), "");
    }

    #[test]
    fn check_rejects_unknown_tags_and_missing_text() {
        let mut p = Problems::default();
        LangText::one("fr", "vase").check("title", true, 10, &mut p);
        let codes: Vec<_> = p.0.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["unknown_language", "required"]);
    }

    #[test]
    fn normalized_drops_blank_values() {
        let t = LangText::zh_en("  ", " Vase ").normalized();
        assert_eq!(t.0.len(), 1);
        assert_eq!(t.get("en"), Some("Vase"));
    }

    #[test]
    fn lang_parse_accepts_loose_tags() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhHans));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
