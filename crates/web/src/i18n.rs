//! Interface strings in Chinese and English, from `i18n/*.toml` (never in templates).

use std::collections::HashMap;

use vitrine_kernel::Lang;

/// Every interface string of both languages.
pub struct I18n {
    zh: HashMap<String, String>,
    en: HashMap<String, String>,
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut HashMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

fn parse(src: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    // The files are compiled in and checked by a test; should one still be broken, the
    // interface shows keys instead of words rather than refusing to start.
    match toml::from_str::<toml::Value>(src) {
        Ok(v) => flatten("", &v, &mut out),
        Err(e) => tracing::error!(error = %e, "translation file unreadable"),
    }
    out
}

impl I18n {
    /// Loads the compiled-in translation files.
    pub fn load() -> Self {
        I18n {
            zh: parse(include_str!("../i18n/zh-Hans.toml")),
            en: parse(include_str!("../i18n/en.toml")),
        }
    }

    /// The strings of one language.
    pub fn tr(&self, lang: Lang) -> Tr<'_> {
        Tr {
            lang,
            map: if lang == Lang::En { &self.en } else { &self.zh },
        }
    }
}

/// One language's strings, handed to templates.
#[derive(Clone, Copy)]
pub struct Tr<'a> {
    /// The language.
    pub lang: Lang,
    map: &'a HashMap<String, String>,
}

impl<'a> Tr<'a> {
    /// The string for a key (the key itself when missing, so a gap is visible, not fatal).
    pub fn t(&self, key: &'a str) -> &'a str {
        match self.map.get(key) {
            Some(s) => s.as_str(),
            None => {
                tracing::warn!(key, "missing translation");
                key
            }
        }
    }
    /// The string for `prefix.code`, or the code when there is none (enum labels).
    pub fn code<'b>(&self, prefix: &str, code: &'b str) -> std::borrow::Cow<'b, str>
    where
        'a: 'b,
    {
        match self.map.get(&format!("{prefix}.{code}")) {
            Some(s) => std::borrow::Cow::Borrowed(s.as_str()),
            None => std::borrow::Cow::Borrowed(code),
        }
    }
    /// The language tag (`zh-Hans`, `en`).
    pub fn tag(&self) -> &'static str {
        self.lang.tag()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let i = I18n::load();
        let mut zh: Vec<_> = i.zh.keys().collect();
        let mut en: Vec<_> = i.en.keys().collect();
        zh.sort();
        en.sort();
        let only_zh: Vec<_> = zh
            .iter()
            .filter(|k| !i.en.contains_key(k.as_str()))
            .collect();
        let only_en: Vec<_> = en
            .iter()
            .filter(|k| !i.zh.contains_key(k.as_str()))
            .collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only zh: {only_zh:?}; only en: {only_en:?}"
        );
    }
}
