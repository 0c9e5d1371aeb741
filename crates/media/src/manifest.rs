//! IIIF Presentation 3.0: a manifest per public object (one canvas per image, in the
//! object's order) and a collection per department, in Chinese and English.

use serde_json::{Value, json};
use uuid::Uuid;
use vitrine_collections::model::Department;
use vitrine_collections::projection::PublicObject;
use vitrine_kernel::{Actor, Error, LangText, Result};

use crate::iiif::encode_identifier;
use crate::model::{Access, Asset};
use crate::service::Media;
use crate::store;

/// A language map (`{"zh-Hans": [...], "en": [...]}`); `none` when there is no text.
fn lang(t: &LangText, fallback: &str) -> Value {
    let map: serde_json::Map<String, Value> =
        t.0.iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), json!([v])))
            .collect();
    if map.is_empty() {
        json!({"none": [fallback]})
    } else {
        Value::Object(map)
    }
}

fn pair(en: &str, zh: &str, value: Value) -> Value {
    json!({"label": {"en": [en], "zh-Hans": [zh]}, "value": value})
}

/// The manifest of a public object, `base` being the site's public URL.
pub fn manifest(base: &str, object: &PublicObject, images: &[Asset], thumbnail_px: u32) -> Value {
    let id = format!("{base}/iiif/3/manifest/{}", object.id);
    let label = lang(&object.title, &object.object_number);
    let names = |ids: &[Uuid]| -> LangText {
        let mut out = LangText::default();
        for tag in ["zh-Hans", "en"] {
            let words: Vec<&str> = ids
                .iter()
                .filter_map(|i| object.labels.get(i))
                .filter_map(|l| {
                    l.get(tag)
                        .or_else(|| l.0.values().next().map(String::as_str))
                })
                .collect();
            if !words.is_empty() {
                out.set(tag, &words.join(if tag == "en" { ", " } else { "、" }));
            }
        }
        out
    };
    let mut metadata = vec![pair(
        "Object number",
        "藏品编号",
        json!({"none": [object.object_number]}),
    )];
    let makers: Vec<Uuid> = object
        .production
        .makers
        .iter()
        .map(|m| m.agent_id)
        .collect();
    if !makers.is_empty() {
        metadata.push(pair("Maker", "作者", lang(&names(&makers), "")));
    }
    if !object.production.date_display.is_empty() {
        metadata.push(pair(
            "Date",
            "年代",
            lang(&object.production.date_display, ""),
        ));
    } else if let Some(p) = object.production.period_id {
        metadata.push(pair("Date", "年代", lang(&names(&[p]), "")));
    }
    if let Some(p) = object.production.place_id {
        metadata.push(pair("Place made", "产地", lang(&names(&[p]), "")));
    }
    if !object.material_ids.is_empty() {
        metadata.push(pair(
            "Materials",
            "质地",
            lang(&names(&object.material_ids), ""),
        ));
    }
    metadata.push(pair(
        "Department",
        "部门",
        json!({"en": [department_label(object.department).1], "zh-Hans": [department_label(object.department).0]}),
    ));
    let canvases: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, a)| canvas(base, &id, i + 1, a, thumbnail_px))
        .collect();
    let mut doc = json!({
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": id,
        "type": "Manifest",
        "label": label,
        "metadata": metadata,
        "homepage": [{
            "id": format!("{base}/collection/{}", object.id),
            "type": "Text",
            "label": lang(&object.title, &object.object_number),
            "format": "text/html"
        }],
        "items": canvases,
    });
    if !object.description.is_empty() {
        doc["summary"] = lang(&object.description, "");
    }
    let credit = images
        .iter()
        .map(|a| &a.description.credit)
        .find(|c| !c.is_empty())
        .unwrap_or(&object.credit_line);
    if !credit.is_empty() {
        doc["requiredStatement"] = pair("Credit", "鸣谢", lang(credit, ""));
    }
    if let Some(r) = images
        .iter()
        .map(|a| &a.description.rights)
        .find(|r| !r.is_empty())
    {
        doc["rights"] = json!(r);
    }
    if let Some(first) = images.first() {
        doc["thumbnail"] = json!([thumbnail(base, first, thumbnail_px)]);
    }
    doc
}

fn service(base: &str, a: &Asset) -> Value {
    json!([{"id": format!("{base}/iiif/3/{}", encode_identifier(&a.identifier)), "type": "ImageService3", "profile": "level2"}])
}

/// The size of `full/!t,t` for an image.
fn confined(a: &Asset, t: u32) -> (u32, u32) {
    let (w, h) = (
        f64::from(a.technical.width.max(1)),
        f64::from(a.technical.height.max(1)),
    );
    let s = (f64::from(t) / w).min(f64::from(t) / h).min(1.0);
    (
        ((w * s).round() as u32).max(1),
        ((h * s).round() as u32).max(1),
    )
}

fn thumbnail(base: &str, a: &Asset, t: u32) -> Value {
    let (w, h) = confined(a, t);
    json!({
        "id": format!("{base}/iiif/3/{}/full/{w},{h}/0/default.jpg", encode_identifier(&a.identifier)),
        "type": "Image",
        "format": "image/jpeg",
        "width": w,
        "height": h,
        "service": service(base, a),
    })
}

fn canvas(base: &str, manifest: &str, n: usize, a: &Asset, t: u32) -> Value {
    let canvas_id = format!("{manifest}/canvas/{n}");
    let (w, h) = (a.technical.width, a.technical.height);
    // Images the public may only see small are painted at that size.
    let body = if a.public_access == Access::Thumbnail {
        thumbnail(base, a, t)
    } else {
        json!({
            "id": format!("{base}/iiif/3/{}/full/max/0/default.jpg", encode_identifier(&a.identifier)),
            "type": "Image",
            "format": "image/jpeg",
            "width": w,
            "height": h,
            "service": service(base, a),
        })
    };
    let mut c = json!({
        "id": canvas_id,
        "type": "Canvas",
        "width": w,
        "height": h,
        "items": [{
            "id": format!("{canvas_id}/page"),
            "type": "AnnotationPage",
            "items": [{
                "id": format!("{canvas_id}/page/image"),
                "type": "Annotation",
                "motivation": "painting",
                "body": body,
                "target": canvas_id,
            }]
        }],
        "thumbnail": [thumbnail(base, a, t)],
    });
    if !a.description.caption.is_empty() {
        c["label"] = lang(&a.description.caption, "");
    }
    if !a.description.rights.is_empty() {
        c["rights"] = json!(a.description.rights);
    }
    c
}

/// Chinese and English names of a department.
pub fn department_label(d: Department) -> (&'static str, &'static str) {
    match d {
        Department::History => ("历史", "History"),
        Department::FineArts => ("艺术", "Fine Arts"),
        Department::NaturalHistory => ("自然", "Natural History"),
    }
}

impl Media {
    /// The manifest of a public object with at least one public image.
    pub async fn manifest(&self, base: &str, object_id: Uuid) -> Result<Value> {
        let object = self.inner.collections.get_public_object(object_id).await?;
        let images = self.object_images(&Actor::Anonymous, object_id).await?;
        if images.is_empty() {
            return Err(Error::NotFound { what: "manifest" });
        }
        Ok(manifest(
            base,
            &object,
            &images,
            self.inner.settings.thumbnail_px,
        ))
    }

    /// A collection of the manifests of one department (`top` lists the departments).
    pub async fn collection(&self, base: &str, department: &str) -> Result<Value> {
        let id = format!("{base}/iiif/3/collection/{department}");
        if department == "top" {
            let items: Vec<Value> = Department::ALL
                .iter()
                .map(|d| {
                    let (zh, en) = department_label(*d);
                    json!({"id": format!("{base}/iiif/3/collection/{}", d.as_str()), "type": "Collection",
                           "label": {"zh-Hans": [zh], "en": [en]}})
                })
                .collect();
            return Ok(
                json!({"@context": "http://iiif.io/api/presentation/3/context.json", "id": id,
                "type": "Collection", "label": {"zh-Hans": ["馆藏"], "en": ["Collections"]}, "items": items}),
            );
        }
        let d = Department::ALL
            .iter()
            .find(|d| d.as_str() == department)
            .copied()
            .ok_or(Error::NotFound { what: "collection" })?;
        let (zh, en) = department_label(d);
        let objects = store::public_objects_with_images(self.inner.db.conn(), d.as_str()).await?;
        let items: Vec<Value> = objects
            .into_iter()
            .map(|(oid, number, title)| {
                json!({"id": format!("{base}/iiif/3/manifest/{oid}"), "type": "Manifest", "label": lang(&title, &number)})
            })
            .collect();
        Ok(json!({
            "@context": "http://iiif.io/api/presentation/3/context.json",
            "id": id,
            "type": "Collection",
            "label": {"zh-Hans": [zh], "en": [en]},
            "items": items,
        }))
    }
}
