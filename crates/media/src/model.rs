//! Media assets: what the library keeps about each image, what a person may change, and
//! the rules those changes must follow. No I/O here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_kernel::error::{FieldError, Problems};
use vitrine_kernel::{Error, LangText, Result};

use crate::master::{Kind, Technical};

/// How much of an image the public may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Nothing at all.
    Closed,
    /// A small thumbnail only.
    Thumbnail,
    /// Everything up to the server's limits (never the master file).
    Open,
}

impl Access {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Closed => "closed",
            Access::Thumbnail => "thumbnail",
            Access::Open => "open",
        }
    }

    /// Parses a stored or submitted name.
    pub fn parse(s: &str) -> Option<Access> {
        match s {
            "closed" => Some(Access::Closed),
            "thumbnail" => Some(Access::Thumbnail),
            "open" => Some(Access::Open),
            _ => None,
        }
    }
}

/// Where the derivatives of an asset stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for a worker.
    Pending,
    /// A worker is making the pyramid.
    Processing,
    /// The pyramid is ready: the image is served.
    Ready,
    /// The pyramid could not be made; `error` says why.
    Failed,
}

impl Status {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Processing => "processing",
            Status::Ready => "ready",
            Status::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Status {
        match s {
            "pending" => Status::Pending,
            "processing" => Status::Processing,
            "ready" => Status::Ready,
            _ => Status::Failed,
        }
    }
}

/// One object an asset depicts, with its place among that object's images.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Link {
    /// The object.
    pub object_id: Uuid,
    /// Its number.
    pub object_number: String,
    /// Its title.
    pub title: LangText,
    /// 1-based position among the object's images.
    pub position: i64,
    /// The object's primary image.
    pub primary: bool,
}

/// An image in the library.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Asset {
    /// Internal id.
    pub id: Uuid,
    /// The IIIF identifier (`/iiif/3/{identifier}`); the id unless given at import.
    pub identifier: String,
    /// Master file format.
    pub kind: Kind,
    /// The name the file arrived with.
    pub original_name: String,
    /// SHA-256 of the master, hex (fixity).
    pub sha256: String,
    /// Master size in bytes.
    pub byte_size: i64,
    /// Technical metadata read from the file.
    pub technical: Technical,
    /// Description a person gave.
    #[serde(flatten)]
    pub description: Description,
    /// Derivative state.
    pub status: Status,
    /// Percent of the pyramid made.
    pub progress: i64,
    /// Why the pyramid failed.
    pub error: Option<String>,
    /// Pyramid levels.
    pub levels: i64,
    /// Objects shown.
    pub objects: Vec<Link>,
    /// What the public may see of it, all rules applied (rights, flag, objects).
    pub public_access: Access,
    /// Version for If-Match.
    pub version: i64,
    /// Added.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Who added it.
    pub created_by: String,
}

/// The primary image of an object, for thumbnails in lists and search results.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Thumb {
    /// The IIIF identifier.
    pub identifier: String,
    /// Full width.
    pub width: u32,
    /// Full height.
    pub height: u32,
}

impl Thumb {
    /// A IIIF URL of the image fitted in a `px` square (what lists and cards show).
    pub fn url(&self, px: u32) -> String {
        thumb_url(&self.identifier, self.width, self.height, px)
    }
}

/// A IIIF URL of an image fitted in a `px` square; an image already smaller is sent as it
/// is (the Image API refuses to enlarge without `^`).
pub fn thumb_url(identifier: &str, width: u32, height: u32, px: u32) -> String {
    let id = crate::iiif::encode_identifier(identifier);
    if width <= px && height <= px {
        format!("/iiif/3/{id}/full/max/0/default.jpg")
    } else {
        format!("/iiif/3/{id}/full/!{px},{px}/0/default.jpg")
    }
}

impl Asset {
    /// A IIIF URL of this image fitted in a `px` square.
    pub fn thumb_url(&self, px: u32) -> String {
        thumb_url(
            &self.identifier,
            self.technical.width,
            self.technical.height,
            px,
        )
    }
}

/// What a person says about an image: caption, photographer, date, view and rights.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Description {
    /// Caption (`zh-Hans`, `en`).
    pub caption: LangText,
    /// Photographer.
    pub photographer: String,
    /// When it was taken (free text: `2024-05-01`, `1936`).
    pub taken: String,
    /// View: `front`, `back`, `detail`, `side`, `top`, `installation`, `other` or empty.
    pub view: String,
    /// RightsStatements.org or Creative Commons URI.
    pub rights: String,
    /// Credit line (`zh-Hans`, `en`).
    pub credit: LangText,
    /// What the public may see: `open`, `thumbnail` or `closed`.
    pub access: Option<Access>,
}

/// The views a photograph can show.
pub const VIEWS: [&str; 8] = [
    "",
    "front",
    "back",
    "detail",
    "side",
    "top",
    "installation",
    "other",
];

/// Rights statements offered in the UI: `(uri, English label, Chinese label)`.
pub const RIGHTS: [(&str, &str, &str); 10] = [
    (
        "http://creativecommons.org/publicdomain/zero/1.0/",
        "CC0 1.0 (no rights reserved)",
        "CC0 1.0（放弃权利）",
    ),
    (
        "http://creativecommons.org/publicdomain/mark/1.0/",
        "Public Domain Mark",
        "公有领域标记",
    ),
    (
        "http://creativecommons.org/licenses/by/4.0/",
        "CC BY 4.0",
        "署名 4.0",
    ),
    (
        "http://creativecommons.org/licenses/by-sa/4.0/",
        "CC BY-SA 4.0",
        "署名-相同方式共享 4.0",
    ),
    (
        "http://creativecommons.org/licenses/by-nc/4.0/",
        "CC BY-NC 4.0",
        "署名-非商业性使用 4.0",
    ),
    (
        "http://creativecommons.org/licenses/by-nc-nd/4.0/",
        "CC BY-NC-ND 4.0",
        "署名-非商业性使用-禁止演绎 4.0",
    ),
    (
        "http://rightsstatements.org/vocab/InC/1.0/",
        "In Copyright",
        "版权保护中",
    ),
    (
        "http://rightsstatements.org/vocab/InC-EDU/1.0/",
        "In Copyright – Educational Use Permitted",
        "版权保护中—允许教育使用",
    ),
    (
        "http://rightsstatements.org/vocab/NoC-US/1.0/",
        "No Copyright – United States",
        "无版权—美国",
    ),
    (
        "http://rightsstatements.org/vocab/CNE/1.0/",
        "Copyright Not Evaluated",
        "版权未评估",
    ),
];

/// The canonical (http) form of a rights URI, or a field error.
pub fn normalize_rights(uri: &str) -> std::result::Result<String, FieldError> {
    let uri = uri.trim();
    if uri.is_empty() {
        return Ok(String::new());
    }
    let http = match uri.strip_prefix("https://") {
        Some(rest) => format!("http://{rest}"),
        None => uri.to_owned(),
    };
    let ok_prefix = [
        "http://creativecommons.org/licenses/",
        "http://creativecommons.org/publicdomain/",
        "http://rightsstatements.org/vocab/",
    ]
    .iter()
    .any(|p| http.starts_with(p) && http.len() > p.len());
    if !ok_prefix
        || http
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
    {
        return Err(FieldError::new(
            "rights",
            "rights_uri",
            "rights must be a Creative Commons (creativecommons.org/licenses/… or /publicdomain/…) or RightsStatements.org (rightsstatements.org/vocab/…) URI",
        ));
    }
    let mut out = http;
    if !out.ends_with('/') {
        out.push('/');
    }
    Ok(out)
}

/// The most a rights statement lets the public see: in-copyright images only as thumbnails.
pub fn rights_cap(rights: &str) -> Access {
    if rights.starts_with("http://rightsstatements.org/vocab/InC") {
        Access::Thumbnail
    } else {
        Access::Open
    }
}

impl Description {
    /// Sets one field from a form or query field (`caption_zh`, `caption_en`, `credit_zh`,
    /// `credit_en`, `photographer`, `taken`, `view`, `rights`, `access`); false when the
    /// name is none of these. Uploads and the image page read descriptions this way.
    pub fn set_field(&mut self, k: &str, v: &str) -> Result<bool> {
        let d = self;
        let v = v.trim();
        match k {
            "caption_zh" => d.caption.set("zh-Hans", v),
            "caption_en" => d.caption.set("en", v),
            "credit_zh" => d.credit.set("zh-Hans", v),
            "credit_en" => d.credit.set("en", v),
            "photographer" => d.photographer = v.to_owned(),
            "taken" => d.taken = v.to_owned(),
            "view" => d.view = v.to_owned(),
            "rights" => d.rights = v.to_owned(),
            "access" if v.is_empty() => d.access = None,
            "access" => {
                d.access = Some(Access::parse(v).ok_or_else(|| {
                    Error::InvalidParameters(vec![FieldError::new(
                        "access",
                        "unknown",
                        "access is open, thumbnail or closed",
                    )])
                })?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks and normalises every field, naming each that is wrong.
    pub fn validated(mut self) -> Result<Description> {
        let mut p = Problems::default();
        self.caption = self.caption.normalized();
        self.credit = self.credit.normalized();
        self.caption.check("caption", false, 2_000, &mut p);
        self.credit.check("credit", false, 500, &mut p);
        self.photographer = self.photographer.trim().to_owned();
        self.taken = self.taken.trim().to_owned();
        self.view = self.view.trim().to_ascii_lowercase();
        if self.photographer.chars().count() > 200 {
            p.add("photographer", "too_long", "at most 200 characters");
        }
        if self.taken.chars().count() > 100 {
            p.add("taken", "too_long", "at most 100 characters");
        }
        if !VIEWS.contains(&self.view.as_str()) {
            p.add(
                "view",
                "unknown_view",
                format!("view must be one of {}", VIEWS[1..].join(", ")),
            );
        }
        match normalize_rights(&self.rights) {
            Ok(r) => self.rights = r,
            Err(e) => p.0.push(e),
        }
        p.finish()?;
        Ok(self)
    }

    /// Text the media browser's search looks in.
    pub fn search_text(&self, original_name: &str, identifier: &str) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.caption.search_text(),
            self.photographer,
            self.taken,
            self.view,
            original_name,
            identifier
        )
        .to_lowercase()
    }
}

/// Checks an identifier given at import: it becomes part of IIIF URLs.
pub fn check_identifier(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && !matches!(id, "manifest" | "collection" | "." | "..")
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | ':' | '/'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(vec![FieldError::new(
            "identifier",
            "bad_identifier",
            "an identifier is 1–200 letters, digits and - _ . ~ : / (not “manifest” or “collection”)",
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_are_creative_commons_or_rightsstatements() {
        assert_eq!(
            normalize_rights("https://creativecommons.org/licenses/by/4.0").as_deref(),
            Ok("http://creativecommons.org/licenses/by/4.0/")
        );
        assert!(normalize_rights("http://example.com/licence").is_err());
        assert!(normalize_rights("http://rightsstatements.org/vocab/").is_err());
        assert_eq!(normalize_rights(""), Ok(String::new()));
        assert_eq!(
            rights_cap("http://rightsstatements.org/vocab/InC-EDU/1.0/"),
            Access::Thumbnail
        );
        assert_eq!(
            rights_cap("http://creativecommons.org/publicdomain/zero/1.0/"),
            Access::Open
        );
        for (uri, _, _) in RIGHTS {
            assert_eq!(normalize_rights(uri).as_deref(), Ok(uri));
        }
    }

    #[test]
    fn descriptions_name_each_bad_field() {
        let d = Description {
            view: "sideways".into(),
            rights: "all rights reserved".into(),
            ..Description::default()
        };
        let fields: Vec<String> = match d.validated() {
            Err(Error::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            _ => Vec::new(),
        };
        assert_eq!(fields, vec!["view", "rights"]);
    }

    #[test]
    fn identifiers_fit_in_urls() {
        assert!(check_identifier("67352ccc-d1b0-11e1-89ae-279075081939").is_ok());
        assert!(check_identifier("scrolls/qingming").is_ok());
        assert!(check_identifier("manifest").is_err());
        assert!(check_identifier("a b").is_err());
        assert!(check_identifier("").is_err());
    }
}
