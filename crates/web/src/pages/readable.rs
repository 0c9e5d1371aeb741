//! Stored values as a reader sees them, for history and conflict tables: texts in each
//! language named, lists as lists, nested records as labelled fields, authority ids as
//! their names. Never raw JSON.

use std::collections::BTreeMap;

use serde_json::Value;
use uuid::Uuid;
use vitrine_kernel::LangText;
use vitrine_search::snippet::escape;

use crate::i18n::Tr;

/// Names of the authorities a set of values refers to.
pub type Labels = BTreeMap<Uuid, LangText>;

/// Every id found in the values (to look their labels up once).
pub fn ids<'v>(values: impl IntoIterator<Item = &'v Value>) -> Vec<Uuid> {
    fn walk(v: &Value, out: &mut Vec<Uuid>) {
        match v {
            Value::String(s) => out.extend(Uuid::parse_str(s).ok()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for v in values {
        walk(v, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The value as escaped HTML.
pub fn html(v: &Value, tr: &Tr, labels: &Labels) -> String {
    let mut out = String::new();
    write(v, tr, labels, &mut out);
    out
}

fn is_lang_text(m: &serde_json::Map<String, Value>) -> bool {
    !m.is_empty()
        && m.iter().all(|(k, v)| {
            vitrine_kernel::langtext::LANG_TAGS.contains(&k.as_str()) && v.is_string()
        })
}

fn write(v: &Value, tr: &Tr, labels: &Labels, out: &mut String) {
    match v {
        Value::Null => out.push('—'),
        Value::Bool(b) => out.push_str(tr.t(if *b {
            "search.bool.true"
        } else {
            "search.bool.false"
        })),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => match Uuid::parse_str(s).ok().and_then(|u| labels.get(&u)) {
            Some(l) => escape(l.best(tr.lang), out),
            None => escape(s, out),
        },
        Value::Array(a) if a.is_empty() => out.push('—'),
        Value::Array(a) if a.iter().all(|x| !x.is_object()) => {
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push('、');
                }
                write(x, tr, labels, out);
            }
        }
        Value::Array(a) => {
            out.push_str("<ol class=\"readable\">");
            for x in a {
                out.push_str("<li>");
                write(x, tr, labels, out);
                out.push_str("</li>");
            }
            out.push_str("</ol>");
        }
        Value::Object(m) if is_lang_text(m) => {
            for (i, (tag, text)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str("<br>");
                }
                out.push_str(&format!("<span lang=\"{tag}\">"));
                escape(text.as_str().unwrap_or_default(), out);
                out.push_str("</span> <span class=\"muted\">(");
                escape(&tr.field(tag), out);
                out.push_str(")</span>");
            }
        }
        Value::Object(m) => {
            let shown: Vec<_> = m.iter().filter(|(_, x)| !is_empty(x)).collect();
            if shown.is_empty() {
                out.push('—');
            }
            for (i, (k, x)) in shown.into_iter().enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                escape(&tr.field(k), out);
                out.push_str(": ");
                write(x, tr, labels, out);
            }
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(is_empty),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vitrine_kernel::Lang;

    #[test]
    fn nested_records_read_as_labelled_lists_not_json() {
        let i18n = crate::i18n::I18n::load();
        let tr = i18n.tr(Lang::En);
        let v = json!([{"kind": "seal", "position": {"en": "base", "zh-Hans": "底"}, "text": "<大清>"}]);
        let h = html(&v, &tr, &Labels::new());
        assert!(!h.contains('{') && !h.contains("\"kind\""), "{h}");
        assert!(h.starts_with("<ol class=\"readable\"><li>"), "{h}");
        assert!(h.contains("Position: <span lang=\"en\">base</span>"), "{h}");
        assert!(h.contains("&lt;大清&gt;"), "{h}");
    }

    #[test]
    fn ids_read_as_the_names_of_their_authorities() {
        let i18n = crate::i18n::I18n::load();
        let tr = i18n.tr(Lang::ZhHans);
        let id = Uuid::now_v7();
        let labels = Labels::from([(id, LangText::zh_en("瓷", "porcelain"))]);
        assert_eq!(html(&json!([id.to_string()]), &tr, &labels), "瓷");
    }
}
