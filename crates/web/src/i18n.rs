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

    /// A field path (`inscriptions[0].position.en`, `confidential.valuation.amount`) as a
    /// reader names it, in this language: "Inscriptions and marks 1 › Position (English)".
    /// A segment with no label shows as written, so a gap is visible.
    pub fn field(&self, path: &str) -> String {
        let mut parts: Vec<String> = Vec::new();
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            let (name, idx) = match seg.split_once('[') {
                Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (seg, None),
            };
            if let Some(lang) = self.language_name(name) {
                match parts.last_mut() {
                    Some(last) => last.push_str(&format!(" ({lang})")),
                    None => parts.push(lang.to_owned()),
                }
                continue;
            }
            let mut label = self.segment_label(name);
            if let Some(i) = idx {
                label.push_str(&format!(" {}", i + 1));
            }
            parts.push(label);
        }
        parts.join(" › ")
    }

    fn language_name(&self, tag: &str) -> Option<&'static str> {
        match tag {
            "zh-Hans" => Some("中文"),
            "zh-Hant" => Some("繁體中文"),
            "en" => Some("English"),
            _ => None,
        }
    }

    fn segment_label(&self, name: &str) -> String {
        let bare = name
            .strip_suffix("_ids")
            .map(|b| format!("{b}s"))
            .or_else(|| name.strip_suffix("_id").map(str::to_owned))
            .unwrap_or_else(|| name.to_owned());
        for key in [
            format!("field.{name}"),
            format!("field.{bare}"),
            format!("section.{name}"),
            format!("authority.{name}"),
            format!("authority.{bare}"),
            format!("label.{name}"),
        ] {
            if let Some(s) = self.map.get(&key) {
                return s.clone();
            }
        }
        name.to_owned()
    }

    /// A sum of money as readers of both languages write it: digits grouped by three
    /// (`6,475,000`), cents only when there are any (`1,250.50`).
    pub fn amount(&self, v: &f64) -> String {
        let v = *v;
        let cents = (v.abs() * 100.0).round() as u128;
        let (whole, frac) = (cents / 100, cents % 100);
        let digits = whole.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
        if v < 0.0 && cents > 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if frac > 0 {
            out.push_str(&format!(".{frac:02}"));
        }
        out
    }

    /// A field error's message in this language: `err.{code}` with `{n}` taken from the
    /// first number of the service's message ("at most 500 characters"), else the message.
    pub fn field_message(&self, code: &str, message: &str) -> String {
        match self.map.get(&format!("err.{code}")) {
            Some(t) if t.contains("{n}") => {
                let n: String = message
                    .chars()
                    .skip_while(|c| !c.is_ascii_digit())
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if n.is_empty() {
                    message.to_owned()
                } else {
                    t.replace("{n}", &n)
                }
            }
            Some(t) => t.clone(),
            None => message.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_read_as_labels_in_the_page_language() {
        let i = I18n::load();
        assert_eq!(
            i.tr(Lang::En).field("inscriptions[0].position.en"),
            "Inscriptions and marks 1 › Position (English)"
        );
        assert_eq!(i.tr(Lang::ZhHans).field("title.en"), "名称 (English)");
        assert_eq!(i.tr(Lang::En).field("material_ids"), "Materials");
        assert_eq!(i.tr(Lang::En).field("no_such_field"), "no_such_field");
    }

    #[test]
    fn amounts_are_grouped_by_three_digits() {
        let tr = I18n::load();
        let tr = tr.tr(Lang::En);
        assert_eq!(tr.amount(&6_475_000.0), "6,475,000");
        assert_eq!(tr.amount(&1250.5), "1,250.50");
        assert_eq!(tr.amount(&999.0), "999");
        assert_eq!(tr.amount(&0.0), "0");
    }

    #[test]
    fn field_messages_keep_the_number_of_the_rule() {
        let i = I18n::load();
        let zh = i.tr(Lang::ZhHans);
        assert_eq!(
            zh.field_message("too_long", "at most 500 characters"),
            "最多 500 个字符"
        );
        assert_eq!(zh.field_message("no_such_code", "as sent"), "as sent");
    }

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
