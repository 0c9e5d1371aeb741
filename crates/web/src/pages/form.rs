//! HTML forms as JSON paths. A field is named by the path of the value it edits
//! (`title.en`, `production.makers[0].agent_id`), so one function turns a submitted form
//! into the JSON the API takes, one turns a record back into form values, and a service's
//! field errors land beside the right input.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use uuid::Uuid;
use vitrine_kernel::error::Problems;
use vitrine_kernel::{Error, FieldError, Lang, LangText};

/// Fields whose text is a number.
const NUMERIC: [&str; 9] = [
    "earliest_year",
    "latest_year",
    "number_of_parts",
    "value",
    "amount",
    "birth_year",
    "death_year",
    "latitude",
    "longitude",
];
/// Fields that may repeat and form a list of strings.
const LISTS: [&str; 5] = [
    "material_ids",
    "technique_ids",
    "variants",
    "roles",
    "public_ids",
];
/// Check boxes.
const BOOLS: [&str; 1] = ["public"];

/// Submitted (or prefilled) form values, with what a template needs to show them.
#[derive(Default, Clone)]
pub struct FormValues {
    pairs: Vec<(String, String)>,
    /// Labels of referenced authorities, to show beside their ids.
    pub labels: BTreeMap<Uuid, LangText>,
    /// Field errors by field name.
    pub errors: BTreeMap<String, String>,
    lang: Lang,
    /// Fields the page has shown so far; `carry` keeps the others as hidden inputs, so a
    /// form never drops what it does not show (another language, a field added later).
    shown: RefCell<BTreeSet<String>>,
}

fn split_segment(seg: &str) -> (&str, Option<usize>) {
    match seg.split_once('[') {
        Some((name, rest)) => (name, rest.strip_suffix(']').and_then(|i| i.parse().ok())),
        None => (seg, None),
    }
}

fn insert(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut segs = path.split('.').peekable();
    let mut cur = root;
    while let Some(seg) = segs.next() {
        let last = segs.peek().is_none();
        let (name, idx) = split_segment(seg);
        match idx {
            Some(i) => {
                // Rows are keyed by index first; `rows_to_arrays` orders them later.
                let rows = cur
                    .entry(name.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                let Some(rows) = rows.as_object_mut() else {
                    return;
                };
                let row = rows
                    .entry(format!("{i:06}"))
                    .or_insert_with(|| Value::Object(Map::new()));
                if last {
                    *row = value;
                    return;
                }
                let Some(r) = row.as_object_mut() else { return };
                cur = r;
            }
            None if last => {
                if LISTS.contains(&name) {
                    let list = cur
                        .entry(name.to_owned())
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Some(a) = list.as_array_mut() {
                        a.push(value);
                    }
                } else {
                    cur.insert(name.to_owned(), value);
                }
                return;
            }
            None => {
                let next = cur
                    .entry(name.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                let Some(n) = next.as_object_mut() else {
                    return;
                };
                cur = n;
            }
        }
    }
}

/// Index-keyed row maps become arrays; rows left entirely blank disappear.
fn rows_to_arrays(v: &mut Value, row_groups: &[&str]) {
    if let Value::Object(m) = v {
        for (k, child) in m.iter_mut() {
            rows_to_arrays(child, row_groups);
            if row_groups.contains(&k.as_str())
                && let Value::Object(rows) = child
            {
                let arr: Vec<Value> = std::mem::take(rows)
                    .into_iter()
                    .map(|(_, r)| r)
                    .filter(|r| !is_blank(r))
                    .collect();
                *child = Value::Array(arr);
            }
        }
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(m) => m.values().all(is_blank),
        Value::Array(a) => a.iter().all(is_blank),
        _ => false,
    }
}

/// Drops empty objects so optional groups (specimen, confidential) stay absent.
fn prune(v: &mut Value) {
    if let Value::Object(m) = v {
        for c in m.values_mut() {
            prune(c);
        }
        m.retain(|_, c| !matches!(c, Value::Object(o) if o.is_empty()));
    }
}

impl FormValues {
    /// Values from a submitted form. Browsers send line breaks as CRLF; stored text
    /// uses LF, so an unchanged text area stays unchanged.
    pub fn from_pairs(pairs: Vec<(String, String)>, lang: Lang) -> Self {
        let pairs = pairs
            .into_iter()
            .map(|(k, v)| match v.contains('\r') {
                true => (k, v.replace("\r\n", "\n").replace('\r', "\n")),
                false => (k, v),
            })
            .collect();
        FormValues {
            pairs,
            lang,
            ..Default::default()
        }
    }

    /// Values that show a record (its JSON representation) in the form.
    pub fn from_json(v: &Value, lang: Lang) -> Self {
        let mut pairs = Vec::new();
        flatten("", v, &mut pairs);
        FormValues {
            pairs,
            lang,
            ..Default::default()
        }
    }

    /// The JSON document the form describes. Text that should be a number but is not is
    /// reported with its field name.
    pub fn to_json(&self, row_groups: &[&str]) -> Result<Value, Error> {
        let mut root = Map::new();
        let mut p = Problems::default();
        for (k, v) in &self.pairs {
            let v = v.trim();
            let leaf = k.rsplit('.').next().unwrap_or(k);
            let leaf = split_segment(leaf).0;
            if v.is_empty() || k == "version" || k.starts_with('_') {
                continue;
            }
            let value = if NUMERIC.contains(&leaf) {
                match v.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => match v.parse::<f64>() {
                        Ok(f) if f.is_finite() => Value::from(f),
                        _ => {
                            p.add(k.clone(), "not_a_number", "write a number");
                            continue;
                        }
                    },
                }
            } else if BOOLS.contains(&leaf) {
                Value::Bool(v == "true" || v == "on")
            } else {
                Value::String(v.to_owned())
            };
            insert(&mut root, k, value);
        }
        p.finish()?;
        let mut doc = Value::Object(root);
        rows_to_arrays(&mut doc, row_groups);
        prune(&mut doc);
        Ok(doc)
    }

    /// The form as a typed record, with the path of any field that does not fit it.
    pub fn parse<T: serde::de::DeserializeOwned>(&self, row_groups: &[&str]) -> Result<T, Error> {
        use serde::de::IntoDeserializer;
        let doc = self.to_json(row_groups)?;
        serde_path_to_error::deserialize(doc.into_deserializer()).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().to_string();
            // A field left empty is absent from the document: name it, not its parent.
            if let Some(name) = message
                .strip_prefix("missing field `")
                .and_then(|m| m.strip_suffix('`'))
            {
                let field = match path.as_str() {
                    "." => name.to_owned(),
                    p => format!("{p}.{name}"),
                };
                return Error::invalid(field, "required", "required");
            }
            Error::invalid(
                if path == "." { "body".to_owned() } else { path },
                "invalid",
                message,
            )
        })
    }

    /// Records the field errors of a refused save, in the page's language.
    pub fn set_errors(&mut self, errs: &[FieldError], tr: &crate::i18n::Tr) {
        for e in errs {
            self.errors
                .entry(e.field.clone())
                .or_insert_with(|| tr.field_message(&e.code, &e.message));
        }
    }

    fn mark(&self, name: &str) {
        self.shown.borrow_mut().insert(name.to_owned());
    }

    /// The first value of a field ("" when absent).
    pub fn val(&self, name: &str) -> &str {
        self.mark(name);
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of a repeatable field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.mark(name);
        self.pairs
            .iter()
            .filter(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether a check box is ticked.
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.val(name), "true" | "on")
    }

    /// Whether a select's option is the current value.
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.val(name) == value
    }

    /// The row indices of a group with something in them, plus `extra` blank rows (a
    /// refused save does not grow a blank row each time).
    pub fn rows(&self, group: &str, extra: usize) -> Vec<usize> {
        let prefix = format!("{group}[");
        let mut idx: Vec<usize> = self
            .pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .filter_map(|(k, _)| k.strip_prefix(&prefix)?.split(']').next()?.parse().ok())
            .collect();
        idx.sort_unstable();
        idx.dedup();
        let next = idx.last().map_or(0, |l| l + 1);
        idx.extend(next..next + extra);
        idx
    }

    /// Hidden inputs for every value under `prefix` the page has not shown yet (a row's
    /// `inscriptions[2].`, or `""` for the rest of the form), marked as shown. Call it
    /// after the visible fields of its part of the form.
    pub fn carry(&self, prefix: &str) -> String {
        let mut html = String::new();
        let mut shown = self.shown.borrow_mut();
        for (k, v) in &self.pairs {
            let skip = !k.starts_with(prefix)
                || v.trim().is_empty()
                || k == "version"
                || k.starts_with('_')
                || shown.contains(k);
            if skip {
                continue;
            }
            html.push_str("<input type=\"hidden\" name=\"");
            vitrine_search::snippet::escape(k, &mut html);
            html.push_str("\" value=\"");
            vitrine_search::snippet::escape(v, &mut html);
            html.push_str("\">");
        }
        // A key that repeats (a list) is carried whole, once.
        for (k, _) in &self.pairs {
            if k.starts_with(prefix) {
                shown.insert(k.clone());
            }
        }
        html
    }

    /// The authority ids among the values (to label them even when the form does not
    /// make a record, as after a refused save).
    pub fn ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .pairs
            .iter()
            .filter_map(|(_, v)| Uuid::parse_str(v.trim()).ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The label of a referenced authority id, in the page's language.
    pub fn label(&self, id: &str) -> String {
        Uuid::parse_str(id)
            .ok()
            .and_then(|u| self.labels.get(&u))
            .map(|l| l.best(self.lang).to_owned())
            .unwrap_or_default()
    }

    /// The error message of a field, if any.
    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    /// The first error of a field or of anything under it (`material_ids[2]`).
    pub fn error_under(&self, prefix: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.as_str())
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                match c {
                    Value::Array(items) if items.iter().all(|i| !i.is_object()) => {
                        for i in items {
                            flatten(&join(k), i, out);
                        }
                    }
                    Value::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            flatten(&format!("{}[{i}]", join(k)), item, out);
                        }
                    }
                    _ => flatten(&join(k), c, out),
                }
            }
        }
        Value::Null => {}
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Bool(b) => out.push((prefix.to_owned(), b.to_string())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn form_round_trips_through_json() {
        let doc = json!({
            "object_number": "A-1",
            "title": {"en": "Vase", "zh-Hans": "瓶"},
            "material_ids": ["m1", "m2"],
            "production": {"earliest_year": -1200, "makers": [{"agent_id": "p1", "role": "potter"}]},
            "dimensions": [{"kind": "height", "value": 31.5, "unit": "cm"}],
            "public": true
        });
        let f = FormValues::from_json(&doc, Lang::En);
        assert_eq!(f.val("production.makers[0].role"), "potter");
        assert_eq!(f.all("material_ids"), ["m1", "m2"]);
        let back = f
            .to_json(&["makers", "dimensions", "inscriptions"])
            .unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn blank_rows_and_groups_vanish_and_bad_numbers_are_named() {
        let pairs = vec![
            ("dimensions[0].kind".into(), "height".into()),
            ("dimensions[0].value".into(), "12".into()),
            ("dimensions[5].kind".into(), "".into()),
            ("specimen.scientific_name".into(), "".into()),
            ("version".into(), "3".into()),
        ];
        let f = FormValues::from_pairs(pairs, Lang::En);
        assert_eq!(
            f.to_json(&["dimensions"]).unwrap(),
            json!({"dimensions": [{"kind": "height", "value": 12}]})
        );
        // The blank row 5 is not shown again: a refused save does not grow blank rows.
        assert_eq!(f.rows("dimensions", 1), [0, 1]);
        let bad = FormValues::from_pairs(
            vec![("production.earliest_year".into(), "Ming".into())],
            Lang::En,
        );
        let Err(Error::Invalid(e)) = bad.to_json(&[]) else {
            panic!()
        };
        assert_eq!(e[0].field, "production.earliest_year");
    }

    #[test]
    fn values_the_page_did_not_show_are_carried_as_hidden_inputs() {
        let doc = json!({"title": {"en": "Vase", "zh-Hant": "瓶 \"甲\""}, "inscriptions": [{"text": "a", "position": {"en": "base"}}]});
        let f = FormValues::from_json(&doc, Lang::En);
        f.val("title.en");
        f.val("inscriptions[0].text");
        assert_eq!(
            f.carry("inscriptions[0]."),
            r#"<input type="hidden" name="inscriptions[0].position.en" value="base">"#
        );
        assert_eq!(
            f.carry(""),
            r#"<input type="hidden" name="title.zh-Hant" value="瓶 &quot;甲&quot;">"#
        );
        assert_eq!(f.carry(""), "", "carried once");
    }

    #[test]
    fn a_required_field_left_empty_is_named_itself() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Rec {
            object_number: String,
        }
        let f = FormValues::from_pairs(vec![("object_number".into(), " ".into())], Lang::En);
        let Err(Error::Invalid(e)) = f.parse::<Rec>(&[]) else {
            panic!()
        };
        assert_eq!(
            (e[0].field.as_str(), e[0].code.as_str()),
            ("object_number", "required")
        );
    }

    #[test]
    fn browser_line_breaks_are_stored_as_lf() {
        let f = FormValues::from_pairs(vec![("notes".into(), "a\r\nb\rc".into())], Lang::En);
        assert_eq!(f.val("notes"), "a\nb\nc");
    }
}
