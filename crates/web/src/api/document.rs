//! Finishing the generated OpenAPI document so it tells integrators exactly what the
//! server does: unique operation ids, the allowed `{kind}` values, every error status a
//! route can answer (as `application/problem+json`), and records described as one flat
//! object rather than an `allOf` of a strict input schema (which no answer could match).

use serde_json::{Map, Value, json};
use vitrine_collections::authority::Kind;

/// Applies every rule below to a document made by utoipa.
pub fn finish(doc: &mut Value) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        flatten_all_of(schemas);
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            unique_operation_id(op);
            kind_enum(op);
            error_statuses(op);
            problem_content(op);
        }
    }
}

/// `list` becomes `objects_list`: OpenAPI wants ids unique across the document.
fn unique_operation_id(op: &mut Map<String, Value>) {
    let tag = op
        .get("tags")
        .and_then(|t| t.get(0))
        .and_then(Value::as_str)
        .unwrap_or("api")
        .to_owned();
    if let Some(id) = op.get("operationId").and_then(Value::as_str)
        && !id.starts_with(&format!("{tag}_"))
    {
        let id = format!("{tag}_{id}");
        op.insert("operationId".into(), Value::String(id));
    }
}

/// A `{kind}` path segment takes only the authority lists that exist.
fn kind_enum(op: &mut Map<String, Value>) {
    let params = op.get_mut("parameters").and_then(Value::as_array_mut);
    for p in params.into_iter().flatten() {
        if p.get("name").and_then(Value::as_str) == Some("kind")
            && p.get("in").and_then(Value::as_str) == Some("path")
        {
            p["schema"] = json!({"type": "string", "enum": Kind::SEGMENTS.map(|(s, _)| s)});
        }
    }
}

/// The statuses every route of a shape can answer, whatever its handler documents:
/// 400 for a bad parameter or `Authorization` header, 401/403 where a caller is needed,
/// 404 where the path names a record, 409/413/415/422 where a body is read, 412/428 where
/// the operation takes `If-Match`.
fn error_statuses(op: &mut Map<String, Value>) {
    let secured = op.contains_key("security");
    let has_path = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
    let has_body = op.contains_key("requestBody");
    let mut codes = vec!["400"];
    if secured {
        codes.extend(["401", "403"]);
    }
    if has_path {
        codes.push("404");
    }
    if has_body {
        // 409: a code or number already taken, or a state that forbids the change.
        codes.extend(["409", "413", "415", "422"]);
    }
    let if_match = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter()
                .any(|p| p["in"] == "header" && p["name"] == "If-Match")
        });
    if if_match {
        codes.extend(["412", "428"]);
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    for code in codes {
        responses.entry(code).or_insert_with(|| {
            json!({
                "description": reason(code),
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            })
        });
    }
}

fn reason(code: &str) -> &'static str {
    match code {
        "400" => "Bad request: a parameter, header or body is malformed",
        "401" => "Sign-in required: no or an expired token",
        "403" => "Not allowed for this account's role",
        "404" => "No such record",
        "409" => "Clashes with an existing record or its state",
        "412" => "The record changed since you read it (If-Match)",
        "413" => "Body too large",
        "415" => "Unsupported media type",
        "422" => "Invalid values (each field named)",
        "428" => "If-Match required",
        _ => "Error",
    }
}

/// Errors are RFC 9457 problem documents; utoipa labels every body `application/json`.
fn problem_content(op: &mut Map<String, Value>) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (code, resp) in responses.iter_mut() {
        if !code.starts_with('4') && !code.starts_with('5') {
            continue;
        }
        let Some(content) = resp.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        if let Some(body) = content.remove("application/json") {
            content.insert("application/problem+json".into(), body);
        }
    }
}

/// Replaces each `allOf` of object schemas (what `#[serde(flatten)]` produces) by one
/// object with every member's properties: a flattened strict input (`additionalProperties:
/// false`) would otherwise refuse the record's own fields.
fn flatten_all_of(schemas: &mut Map<String, Value>) {
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let mut seen = Vec::new();
        if let Some(flat) = flattened(schemas, &name, &mut seen) {
            schemas.insert(name, flat);
        }
    }
}

/// The flat form of schema `name`, if it is an `allOf` of objects.
fn flattened(schemas: &Map<String, Value>, name: &str, seen: &mut Vec<String>) -> Option<Value> {
    if seen.iter().any(|n| n == name) {
        return None;
    }
    seen.push(name.to_owned());
    let schema = schemas.get(name)?;
    let members = schema.get("allOf")?.as_array()?;
    let mut props = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut strict = false;
    for m in members {
        let member = match m.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let target = r.strip_prefix("#/components/schemas/")?;
                flattened(schemas, target, seen).or_else(|| schemas.get(target).cloned())?
            }
            None => m.clone(),
        };
        if member.get("type").and_then(Value::as_str) != Some("object")
            && member.get("properties").is_none()
        {
            return None;
        }
        strict |= member.get("additionalProperties") == Some(&Value::Bool(false));
        if let Some(p) = member.get("properties").and_then(Value::as_object) {
            props.extend(p.clone());
        }
        if let Some(r) = member.get("required").and_then(Value::as_array) {
            required.extend(r.iter().cloned());
        }
    }
    let mut flat = json!({"type": "object", "properties": props, "required": required});
    if strict {
        flat["additionalProperties"] = Value::Bool(false);
    }
    if let Some(d) = schema.get("description") {
        flat["description"] = d.clone();
    }
    Some(flat)
}
