//! Staff edit forms never lose data: for random records on both engines, opening the
//! edit form and saving it unchanged leaves the record (and its version) as it was, and
//! an edit of one field changes that field only.

mod common;

use common::{Site, form_fields, samples, sites};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Text a person types on one line: any script, HTML specials, inner spaces.
fn line() -> impl Strategy<Value = String> {
    "[a-zA-Z青花瓷&<>\"'](?:[a-zA-Z0-9 青花瓷缠枝&<>\"'=;,.]{0,18}[a-z瓷])?"
}

/// Text of a text area: one to three lines.
fn lines() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 1..4).prop_map(|l| l.join("\n"))
}

/// A LangText with any of the three stored languages.
fn lang_text(required: bool) -> impl Strategy<Value = Value> {
    (
        prop::option::of(line()),
        prop::option::of(line()),
        prop::option::of(line()),
    )
        .prop_map(move |(zh, en, hant)| {
            let mut m = Map::new();
            let zh = if required {
                zh.or(Some("瓶".into()))
            } else {
                zh
            };
            for (k, v) in [("zh-Hans", zh), ("en", en), ("zh-Hant", hant)] {
                if let Some(v) = v {
                    m.insert(k.into(), Value::String(v));
                }
            }
            Value::Object(m)
        })
}

/// Ids of the authorities records may refer to, made once per site.
struct Refs {
    people: Vec<String>,
    materials: Vec<String>,
    period: String,
    place: String,
}

async fn refs(s: &Site, t: &str) -> Refs {
    Refs {
        people: vec![
            s.authority(t, "people", "person", "Tang Ying").await,
            s.authority(t, "people", "organisation", "Imperial kilns")
                .await,
        ],
        materials: vec![
            s.authority(t, "terms", "material", "porcelain").await,
            s.authority(t, "terms", "material", "cobalt").await,
        ],
        period: s.authority(t, "terms", "period", "Qianlong").await,
        place: s.authority(t, "places", "town", "Jingdezhen").await,
    }
}

/// Choices a record is made of; ids are picked from the site's authorities by index.
#[derive(Debug, Clone)]
struct Shape {
    record: Value,
    makers: Vec<(usize, String)>,
    materials: Vec<usize>,
    period: bool,
    place: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    let inscription = (
        prop::sample::select(vec!["inscription", "seal", "colophon", "stamp"]),
        lang_text(false),
        line(),
        prop::option::of(line()),
        lang_text(false),
    )
        .prop_map(|(kind, position, text, transcription, translation)| {
            json!({"kind": kind, "position": position, "text": text,
                   "transcription": transcription.unwrap_or_default(), "translation": translation})
        });
    let dimension = (
        prop::sample::select(vec!["height", "width", "diameter", "weight"]),
        1u32..100_000,
        lang_text(false),
    )
        .prop_map(|(kind, tenths, part)| {
            let unit = if kind == "weight" { "g" } else { "cm" };
            json!({"kind": kind, "value": tenths as f64 / 10.0, "unit": unit, "part": part})
        });
    let years = prop::option::of((-3000i32..1600, 0i32..500));
    (
        (
            lang_text(true),
            lang_text(false),
            lang_text(false),
            lang_text(false),
            prop::sample::select(vec!["history", "fine_arts", "natural_history"]),
            prop::sample::select(vec!["in_collection", "on_display", "on_loan"]),
            1i32..5,
            any::<bool>(),
        ),
        (
            prop::collection::vec(inscription, 0..3),
            prop::collection::vec(dimension, 0..3),
            prop::option::of(line()),
            prop::option::of(lines()),
            years,
            prop::option::of(1u32..10_000_000),
        ),
        (
            prop::collection::vec(
                (
                    0usize..2,
                    prop::sample::select(vec!["", "painter", "designer"]),
                ),
                0..3,
            ),
            prop::collection::vec(0usize..2, 0..3),
            any::<bool>(),
            any::<bool>(),
            prop::option::of((line(), lang_text(false))),
        ),
    )
        .prop_map(
            |(
                (title, description, credit, date, department, status, parts, public),
                (inscriptions, dimensions, location, notes, years, valuation),
                (makers, materials, period, place, specimen),
            )| {
                let mut r = json!({
                    "title": title, "description": description, "credit_line": credit,
                    "department": department, "status": status, "number_of_parts": parts,
                    "public": public, "inscriptions": inscriptions, "dimensions": dimensions,
                    "production": {"date_display": date},
                });
                if let Some(l) = location {
                    r["current_location"] = json!(l);
                }
                if let Some(n) = notes {
                    r["storage_notes"] = json!(n);
                }
                if let Some((from, span)) = years {
                    r["production"]["earliest_year"] = json!(from);
                    r["production"]["latest_year"] = json!(from + span);
                }
                if let Some(v) = valuation {
                    r["confidential"] = json!({"valuation": {"amount": v, "currency": "CNY"},
                                               "valuation_date": "2024-05"});
                }
                if let Some((name, locality)) = specimen {
                    r["specimen"] =
                        json!({"scientific_name": name, "rank": "species", "locality": locality});
                }
                let mut materials = materials;
                materials.sort_unstable();
                materials.dedup();
                Shape {
                    record: r,
                    makers: makers.into_iter().map(|(i, r)| (i, r.to_owned())).collect(),
                    materials,
                    period,
                    place,
                }
            },
        )
}

fn record(shape: &Shape, refs: &Refs, number: &str) -> Value {
    let mut r = shape.record.clone();
    r["object_number"] = json!(number);
    r["production"]["makers"] = shape
        .makers
        .iter()
        .map(|(i, role)| json!({"agent_id": refs.people[*i], "role": role}))
        .collect();
    r["material_ids"] = shape
        .materials
        .iter()
        .map(|i| json!(refs.materials[*i]))
        .collect();
    if shape.period {
        r["production"]["period_id"] = json!(refs.period);
    }
    if shape.place {
        r["production"]["place_id"] = json!(refs.place);
    }
    r
}

/// The edit form's fields, as a browser would submit them unchanged.
async fn edit_form(s: &Site, cookie: &str, id: &str) -> Vec<(String, String)> {
    let html = s
        .get_page(cookie, &format!("/staff/objects/{id}/edit"))
        .await;
    assert_eq!(html.status.as_u16(), 200, "{}", html.text());
    form_fields(&html.text())
}

async fn submit(s: &Site, cookie: &str, id: &str, fields: &[(String, String)]) {
    let r = s
        .post_form(cookie, &format!("/staff/objects/{id}/edit"), fields)
        .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text());
}

async fn get(s: &Site, t: &str, id: &str) -> Value {
    s.call("GET", &format!("/api/v1/objects/{id}"), Some(t), None, &[])
        .await
        .json()
}

#[tokio::test]
async fn test_unchanged_edit_form_saves_nothing() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let refs = refs(&s, &t).await;
        let cookie = s.login("registrar").await;
        for (n, shape) in samples(shape(), 24).iter().enumerate() {
            let body = record(shape, &refs, &format!("RT-{n}"));
            let created = s
                .call("POST", "/api/v1/objects", Some(&t), Some(body.clone()), &[])
                .await;
            assert_eq!(
                created.status.as_u16(),
                201,
                "{}: {}",
                s.engine,
                created.text()
            );
            let id = created.json()["id"].as_str().unwrap().to_owned();
            let before = get(&s, &t, &id).await;
            let fields = edit_form(&s, &cookie, &id).await;
            submit(&s, &cookie, &id, &fields).await;
            let after = get(&s, &t, &id).await;
            assert_eq!(after, before, "{} case {n}: {body}", s.engine);
        }
    }
}

#[tokio::test]
async fn test_editing_one_language_keeps_every_other_text() {
    for s in sites().await {
        let t = s.token("registrar").await;
        let refs = refs(&s, &t).await;
        let cookie = s.login("registrar").await;
        for (n, shape) in samples(shape(), 8).iter().enumerate() {
            let body = record(shape, &refs, &format!("ED-{n}"));
            let created = s
                .call("POST", "/api/v1/objects", Some(&t), Some(body), &[])
                .await;
            let id = created.json()["id"].as_str().unwrap().to_owned();
            let before = get(&s, &t, &id).await;
            let mut fields = edit_form(&s, &cookie, &id).await;
            let title = fields.iter_mut().find(|(k, _)| k == "title.en");
            title.expect("an English title input").1 = format!("Edited {n}");
            submit(&s, &cookie, &id, &fields).await;
            let after = get(&s, &t, &id).await;
            let mut expected = before.clone();
            expected["title"]["en"] = json!(format!("Edited {n}"));
            for k in ["version", "updated_at"] {
                expected[k] = after[k].clone();
            }
            assert_eq!(
                after["version"],
                json!(before["version"].as_i64().unwrap() + 1)
            );
            assert_eq!(after, expected, "{} case {n}", s.engine);
        }
    }
}

/// A random authority of one of the four kinds, as the API takes it.
fn authority_shape() -> impl Strategy<Value = (&'static str, Value)> {
    (
        0usize..4,
        lang_text(true),
        lang_text(false),
        prop::collection::vec("[a-zA-Z青花 ]{0,6}[a-z瓷]", 0..3),
        prop::collection::vec("[a-z]{1,8}", 0..3),
        prop::option::of((1000i32..1900, 1i32..90)),
        prop::option::of((-89.0f64..89.0, -179.0f64..179.0)),
        "[A-Z]{1,3}-[0-9]{1,3}",
    )
        .prop_map(|(k, label, note, variants, roles, years, at, code)| {
            let (seg, vocabulary) = [
                ("people", "person"),
                ("places", "town"),
                ("terms", "material"),
                ("locations", "gallery"),
            ][k];
            let mut a = json!({"vocabulary": vocabulary, "label": label, "note": note, "variants": variants});
            match seg {
                "people" => {
                    a["roles"] = json!(roles);
                    if let Some((born, age)) = years {
                        a["birth_year"] = json!(born);
                        a["death_year"] = json!(born + age);
                    }
                }
                "places" => {
                    if let Some((lat, lon)) = at {
                        a["latitude"] = json!((lat * 1e4).round() / 1e4);
                        a["longitude"] = json!((lon * 1e4).round() / 1e4);
                    }
                }
                "locations" => a["code"] = json!(code),
                _ => {}
            }
            (seg, a)
        })
}

#[tokio::test]
async fn test_unchanged_authority_form_saves_nothing() {
    let shapes = samples(authority_shape(), 16);
    for s in sites().await {
        let t = s.token("registrar").await;
        let cookie = s.login("registrar").await;
        for (n, (seg, body)) in shapes.iter().enumerate() {
            let r = s
                .call(
                    "POST",
                    &format!("/api/v1/{seg}"),
                    Some(&t),
                    Some(body.clone()),
                    &[],
                )
                .await;
            assert_eq!(r.status.as_u16(), 201, "{}: {}", s.engine, r.text());
            let id = r.json()["id"].as_str().unwrap().to_owned();
            let url = format!("/api/v1/{seg}/{id}");
            let before = s.call("GET", &url, Some(&t), None, &[]).await.json();
            let form = format!("/staff/authorities/{seg}/{id}");
            let html = s.get_page(&cookie, &form).await;
            assert_eq!(html.status.as_u16(), 200, "{}", html.text());
            let fields = form_fields(&html.text());
            let saved = s.post_form(&cookie, &form, &fields).await;
            assert_eq!(saved.status.as_u16(), 303, "{}", saved.text());
            let after = s.call("GET", &url, Some(&t), None, &[]).await.json();
            assert_eq!(after, before, "{} case {n}: {body}", s.engine);
        }
    }
}
