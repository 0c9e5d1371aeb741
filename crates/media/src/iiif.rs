//! The IIIF Image API 3.0 request: parsing the four path parameters and working out,
//! for an image of a given size and the server's limits, exactly which pixels to cut and
//! how big the answer is. Pure code, no I/O: the renderer only carries out a [`Plan`].

use std::fmt;

/// How a request is wrong; the message says what to send instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRequest {
    /// `region`, `size`, `rotation`, `quality` or `format`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for BadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for BadRequest {}

/// An identifier as one URL path segment: a slash stays inside it as `%2F`, as the Image
/// API asks.
pub fn encode_identifier(id: &str) -> String {
    id.replace('%', "%25")
        .replace('/', "%2F")
        .replace(':', "%3A")
}

fn bad(field: &'static str, message: impl Into<String>) -> BadRequest {
    BadRequest {
        field,
        message: message.into(),
    }
}

/// The part of the image asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Region {
    /// The whole image.
    Full,
    /// The largest centred square.
    Square,
    /// `x,y,w,h` in pixels of the full image.
    Pixels { x: u32, y: u32, w: u32, h: u32 },
    /// `pct:x,y,w,h`, percentages of the full image.
    Percent { x: f64, y: f64, w: f64, h: f64 },
}

/// How big the answer is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SizeKind {
    /// `max`.
    Max,
    /// `w,`.
    Width(u32),
    /// `,h`.
    Height(u32),
    /// `pct:n`.
    Percent(f64),
    /// `w,h` (may distort).
    Exact(u32, u32),
    /// `!w,h`: as large as fits inside, keeping the aspect ratio.
    Confined(u32, u32),
}

/// The size parameter: a kind and whether it may upscale (`^`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Size {
    /// `^` was given.
    pub upscale: bool,
    /// Which form.
    pub kind: SizeKind,
}

/// The rotation parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rotation {
    /// `!`: mirror horizontally before rotating.
    pub mirror: bool,
    /// Clockwise degrees, 0 ≤ d ≤ 360.
    pub degrees: f64,
}

/// The quality parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quality {
    /// As stored.
    Default,
    /// Full colour (the same as default here).
    Color,
    /// Grey levels.
    Gray,
    /// Black and white only.
    Bitonal,
}

/// The format (file extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `jpg`.
    Jpg,
    /// `png`.
    Png,
    /// `webp`.
    Webp,
}

impl Format {
    /// The extension in URLs.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Jpg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }

    /// The media type of the answer.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
        }
    }
}

/// A parsed image request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImageRequest {
    /// Region.
    pub region: Region,
    /// Size.
    pub size: Size,
    /// Rotation and mirroring.
    pub rotation: Rotation,
    /// Quality.
    pub quality: Quality,
    /// Format.
    pub format: Format,
}

/// The server's limits on answers (advertised in `info.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Widest answer.
    pub max_width: u32,
    /// Tallest answer.
    pub max_height: u32,
    /// Most pixels in one answer.
    pub max_area: u64,
}

/// What to cut and how big to make it: the request resolved against one image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// Region left edge, full-resolution pixels.
    pub x: u32,
    /// Region top edge.
    pub y: u32,
    /// Region width.
    pub w: u32,
    /// Region height.
    pub h: u32,
    /// Width after scaling (before rotation).
    pub out_w: u32,
    /// Height after scaling (before rotation).
    pub out_h: u32,
    /// Mirror before rotating.
    pub mirror: bool,
    /// Clockwise degrees.
    pub degrees: f64,
    /// Quality.
    pub quality: Quality,
    /// Format.
    pub format: Format,
}

impl Plan {
    /// The canonical form of the request (IIIF 3.0 § 4.7), used as the cache key and the
    /// `rel="canonical"` link: the same picture always has the same name.
    pub fn canonical(&self, width: u32, height: u32) -> String {
        let region = if self.x == 0 && self.y == 0 && self.w == width && self.h == height {
            "full".to_owned()
        } else {
            format!("{},{},{},{}", self.x, self.y, self.w, self.h)
        };
        let size = if self.out_w == self.w && self.out_h == self.h {
            "max".to_owned()
        } else if self.out_w > self.w || self.out_h > self.h {
            format!("^{},{}", self.out_w, self.out_h)
        } else {
            format!("{},{}", self.out_w, self.out_h)
        };
        let rotation = format!(
            "{}{}",
            if self.mirror { "!" } else { "" },
            number(self.degrees)
        );
        let quality = match self.quality {
            Quality::Default | Quality::Color => "default",
            Quality::Gray => "gray",
            Quality::Bitonal => "bitonal",
        };
        format!("{region}/{size}/{rotation}/{quality}.{}", self.format.ext())
    }

    /// True when the answer is turned by a multiple of 90°, which swaps width and height
    /// for odd multiples.
    pub fn right_angle(&self) -> Option<u32> {
        let d = self.degrees % 360.0;
        if d.fract() == 0.0 && (d as u32).is_multiple_of(90) {
            Some(d as u32)
        } else {
            None
        }
    }
}

/// Writes a number without a trailing `.0`.
fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Parses the four path parameters (`quality.format` is one segment).
pub fn parse(
    region: &str,
    size: &str,
    rotation: &str,
    quality_format: &str,
) -> Result<ImageRequest, BadRequest> {
    let (quality, format) = quality_format.rsplit_once('.').ok_or_else(|| {
        bad(
            "format",
            "the last segment is quality.format, such as default.jpg",
        )
    })?;
    Ok(ImageRequest {
        region: parse_region(region)?,
        size: parse_size(size)?,
        rotation: parse_rotation(rotation)?,
        quality: parse_quality(quality)?,
        format: parse_format(format)?,
    })
}

fn parse_region(s: &str) -> Result<Region, BadRequest> {
    match s {
        "full" => return Ok(Region::Full),
        "square" => return Ok(Region::Square),
        _ => {}
    }
    if let Some(p) = s.strip_prefix("pct:") {
        let [x, y, w, h] = four(p, "region", decimal)?;
        if w <= 0.0 || h <= 0.0 {
            return Err(bad("region", "width and height must be greater than 0"));
        }
        return Ok(Region::Percent { x, y, w, h });
    }
    let [x, y, w, h] = four(s, "region", integer)?;
    if w == 0 || h == 0 {
        return Err(bad("region", "width and height must be greater than 0"));
    }
    Ok(Region::Pixels { x, y, w, h })
}

fn four<T: Copy + Default>(
    s: &str,
    field: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<[T; 4], BadRequest> {
    let mut out = [T::default(); 4];
    let mut parts = s.split(',');
    for slot in &mut out {
        let p = parts.next().ok_or_else(|| form_error(field, s))?;
        *slot = parse(p).ok_or_else(|| form_error(field, s))?;
    }
    if parts.next().is_some() {
        return Err(form_error(field, s));
    }
    Ok(out)
}

fn form_error(field: &'static str, s: &str) -> BadRequest {
    let shown: String = s.chars().take(40).collect();
    let forms = match field {
        "region" => "full, square, x,y,w,h or pct:x,y,w,h",
        _ => "max, w,, ,h, w,h, !w,h or pct:n, each optionally after ^",
    };
    bad(field, format!("“{shown}” is not one of {forms}"))
}

/// A whole number of pixels: digits only, no sign.
fn integer(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A non-negative decimal such as `12.5`: digits and at most one point.
fn decimal(s: &str) -> Option<f64> {
    if s.is_empty()
        || s.len() > 20
        || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || s.bytes().filter(|b| *b == b'.').count() > 1
        || s == "."
    {
        return None;
    }
    s.parse().ok()
}

fn parse_size(s: &str) -> Result<Size, BadRequest> {
    let (upscale, rest) = match s.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let kind = if rest == "max" {
        SizeKind::Max
    } else if rest == "full" {
        return Err(bad("size", "“full” is IIIF 2; version 3 says max"));
    } else if let Some(p) = rest.strip_prefix("pct:") {
        let n = decimal(p).ok_or_else(|| form_error("size", s))?;
        if n <= 0.0 {
            return Err(bad("size", "a percentage must be greater than 0"));
        }
        SizeKind::Percent(n)
    } else {
        let (confined, wh) = match rest.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (w, h) = wh.split_once(',').ok_or_else(|| form_error("size", s))?;
        match (w.is_empty(), h.is_empty()) {
            (false, true) if !confined => {
                SizeKind::Width(integer(w).ok_or_else(|| form_error("size", s))?)
            }
            (true, false) if !confined => {
                SizeKind::Height(integer(h).ok_or_else(|| form_error("size", s))?)
            }
            (false, false) => {
                let w = integer(w).ok_or_else(|| form_error("size", s))?;
                let h = integer(h).ok_or_else(|| form_error("size", s))?;
                if confined {
                    SizeKind::Confined(w, h)
                } else {
                    SizeKind::Exact(w, h)
                }
            }
            _ => return Err(form_error("size", s)),
        }
    };
    Ok(Size { upscale, kind })
}

fn parse_rotation(s: &str) -> Result<Rotation, BadRequest> {
    let (mirror, rest) = match s.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let degrees = decimal(rest).ok_or_else(|| {
        bad(
            "rotation",
            "rotation is a number of degrees from 0 to 360, optionally after ! to mirror",
        )
    })?;
    if degrees > 360.0 {
        return Err(bad("rotation", "rotation must be between 0 and 360"));
    }
    Ok(Rotation { mirror, degrees })
}

fn parse_quality(s: &str) -> Result<Quality, BadRequest> {
    match s {
        "default" => Ok(Quality::Default),
        "color" => Ok(Quality::Color),
        "gray" => Ok(Quality::Gray),
        "bitonal" => Ok(Quality::Bitonal),
        _ => Err(bad(
            "quality",
            format!(
                "“{}” is not a quality; use default, color, gray or bitonal",
                s.chars().take(20).collect::<String>()
            ),
        )),
    }
}

fn parse_format(s: &str) -> Result<Format, BadRequest> {
    match s {
        "jpg" => Ok(Format::Jpg),
        "png" => Ok(Format::Png),
        "webp" => Ok(Format::Webp),
        _ => Err(bad(
            "format",
            format!(
                "“{}” is not served; use jpg, png or webp",
                s.chars().take(20).collect::<String>()
            ),
        )),
    }
}

/// The canvas that holds a `w × h` picture turned by `degrees` about its centre (what the
/// renderer makes; a right angle swaps the sides).
pub fn rotated_size(w: u32, h: u32, degrees: f64) -> (u32, u32) {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (f64::from(w), f64::from(h));
    let cw = (w * cos.abs() + h * sin.abs()).round().max(1.0) as u32;
    let ch = (w * sin.abs() + h * cos.abs()).round().max(1.0) as u32;
    (cw, ch)
}

fn within(w: u32, h: u32, limits: Limits) -> bool {
    w <= limits.max_width
        && h <= limits.max_height
        && u64::from(w) * u64::from(h) <= limits.max_area
}

impl ImageRequest {
    /// Resolves the request against an image of `width × height` under `limits`.
    pub fn plan(&self, width: u32, height: u32, limits: Limits) -> Result<Plan, BadRequest> {
        let (x, y, w, h) = self.region(width, height)?;
        let (out_w, out_h) = self.size(w, h, limits)?;
        let (out_w, out_h) = self.fit_rotated(out_w, out_h, limits)?;
        Ok(Plan {
            x,
            y,
            w,
            h,
            out_w,
            out_h,
            mirror: self.rotation.mirror,
            degrees: self.rotation.degrees,
            quality: self.quality,
            format: self.format,
        })
    }

    /// The limits apply to the size before rotation (as the spec says), but the server
    /// renders the turned canvas: a turned answer whose canvas exceeds the limits is
    /// scaled to fit when `max` was asked (the largest the server gives), and refused
    /// otherwise, so no request makes a render bigger than the configured area.
    fn fit_rotated(&self, w: u32, h: u32, limits: Limits) -> Result<(u32, u32), BadRequest> {
        let (cw, ch) = rotated_size(w, h, self.rotation.degrees);
        if within(cw, ch, limits) {
            return Ok((w, h));
        }
        if self.size.kind != SizeKind::Max {
            return Err(bad(
                "rotation",
                format!(
                    "turned by {}°, the {w}×{h} answer needs a {cw}×{ch} canvas, more than this \
                     server answers (at most {}×{}, {} pixels); ask for a smaller size, or max",
                    number(self.rotation.degrees),
                    limits.max_width,
                    limits.max_height,
                    limits.max_area
                ),
            ));
        }
        let (fw, fh) = (f64::from(cw), f64::from(ch));
        let mut f = (f64::from(limits.max_width) / fw)
            .min(f64::from(limits.max_height) / fh)
            .min((limits.max_area as f64 / (fw * fh)).sqrt());
        // Rounding of the canvas may still exceed by a pixel: shrink until it fits.
        loop {
            let sw = ((f64::from(w) * f).floor() as u32).max(1);
            let sh = ((f64::from(h) * f).floor() as u32).max(1);
            let (cw, ch) = rotated_size(sw, sh, self.rotation.degrees);
            if within(cw, ch, limits) || (sw == 1 && sh == 1) {
                return Ok((sw, sh));
            }
            f *= 0.999;
        }
    }

    fn region(&self, width: u32, height: u32) -> Result<(u32, u32, u32, u32), BadRequest> {
        let (x, y, w, h) = match self.region {
            Region::Full => return Ok((0, 0, width, height)),
            Region::Square => {
                let side = width.min(height);
                return Ok(((width - side) / 2, (height - side) / 2, side, side));
            }
            Region::Pixels { x, y, w, h } => {
                (u64::from(x), u64::from(y), u64::from(w), u64::from(h))
            }
            Region::Percent { x, y, w, h } => {
                let px = |p: f64, of: u32| (p * f64::from(of) / 100.0).round().min(1e12) as u64;
                (px(x, width), px(y, height), px(w, width), px(h, height))
            }
        };
        if x >= u64::from(width) || y >= u64::from(height) {
            return Err(bad(
                "region",
                format!("the region lies outside the image ({width}×{height})"),
            ));
        }
        let w = w.min(u64::from(width) - x);
        let h = h.min(u64::from(height) - y);
        if w == 0 || h == 0 {
            return Err(bad("region", "the region is less than one pixel"));
        }
        // All four fit in u32: they are bounded by the image size.
        Ok((x as u32, y as u32, w as u32, h as u32))
    }

    fn size(&self, w: u32, h: u32, limits: Limits) -> Result<(u32, u32), BadRequest> {
        let (rw, rh) = (f64::from(w), f64::from(h));
        let up = self.size.upscale;
        let scaled = |s: f64| ((rw * s).round().max(1.0), (rh * s).round().max(1.0));
        // `max` rounds down so that the answer stays within the limits it was fitted to.
        let floored = |s: f64| ((rw * s).floor().max(1.0), (rh * s).floor().max(1.0));
        let (ow, oh) = match self.size.kind {
            SizeKind::Max => {
                // The largest within the limits; never above the region unless `^`.
                let mut s = f64::from(limits.max_width) / rw;
                s = s.min(f64::from(limits.max_height) / rh);
                s = s.min((limits.max_area as f64 / (rw * rh)).sqrt());
                if !up {
                    s = s.min(1.0);
                }
                let (ow, oh) = if s == 1.0 { (rw, rh) } else { floored(s) };
                (
                    ow.min(f64::from(limits.max_width)),
                    oh.min(f64::from(limits.max_height)),
                )
            }
            SizeKind::Width(tw) => (f64::from(tw), (rh * f64::from(tw) / rw).round()),
            SizeKind::Height(th) => ((rw * f64::from(th) / rh).round(), f64::from(th)),
            SizeKind::Percent(p) => ((rw * p / 100.0).round(), (rh * p / 100.0).round()),
            SizeKind::Exact(tw, th) => (f64::from(tw), f64::from(th)),
            SizeKind::Confined(tw, th) => {
                let s = (f64::from(tw) / rw).min(f64::from(th) / rh);
                let (ow, oh) = scaled(s);
                (ow.min(f64::from(tw)), oh.min(f64::from(th)))
            }
        };
        if ow < 1.0 || oh < 1.0 {
            return Err(bad("size", "the answer would be less than one pixel"));
        }
        if !up && (ow > rw || oh > rh) {
            return Err(bad(
                "size",
                format!(
                    "{ow}×{oh} is larger than the region ({w}×{h}); put ^ before the size to upscale"
                ),
            ));
        }
        if ow > f64::from(limits.max_width)
            || oh > f64::from(limits.max_height)
            || ow * oh > limits.max_area as f64
        {
            return Err(bad(
                "size",
                format!(
                    "{ow}×{oh} is larger than this server answers (at most {}×{}, {} pixels)",
                    limits.max_width, limits.max_height, limits.max_area
                ),
            ));
        }
        Ok((ow as u32, oh as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const LIMITS: Limits = Limits {
        max_width: 10_000,
        max_height: 10_000,
        max_area: 50_000_000,
    };

    fn plan(r: &str, s: &str, rot: &str, qf: &str) -> Result<Plan, BadRequest> {
        parse(r, s, rot, qf)?.plan(1000, 800, LIMITS)
    }

    #[test]
    fn regions_resolve_and_crop_at_the_edge() -> TestResult {
        let p = plan("full", "max", "0", "default.jpg")?;
        assert_eq!(
            (p.x, p.y, p.w, p.h, p.out_w, p.out_h),
            (0, 0, 1000, 800, 1000, 800)
        );
        let p = plan("square", "max", "0", "default.jpg")?;
        assert_eq!((p.x, p.y, p.w, p.h), (100, 0, 800, 800));
        let p = plan("900,700,500,500", "max", "0", "default.jpg")?;
        assert_eq!((p.x, p.y, p.w, p.h), (900, 700, 100, 100));
        let p = plan("pct:10,10,50,50", "max", "0", "default.jpg")?;
        assert_eq!((p.x, p.y, p.w, p.h), (100, 80, 500, 400));
        assert_eq!(
            plan("1000,0,10,10", "max", "0", "default.jpg").map_err(|e| e.field),
            Err("region")
        );
        assert_eq!(
            plan("0,0,0,10", "max", "0", "default.jpg").map_err(|e| e.field),
            Err("region")
        );
        Ok(())
    }

    #[test]
    fn sizes_follow_the_spec() -> TestResult {
        let p = plan("full", "500,", "0", "default.jpg")?;
        assert_eq!((p.out_w, p.out_h), (500, 400));
        let p = plan("full", ",400", "0", "default.jpg")?;
        assert_eq!((p.out_w, p.out_h), (500, 400));
        let p = plan("full", "pct:50", "0", "default.jpg")?;
        assert_eq!((p.out_w, p.out_h), (500, 400));
        let p = plan("full", "!500,500", "0", "default.jpg")?;
        assert_eq!((p.out_w, p.out_h), (500, 400));
        let p = plan("full", "^2000,", "0", "default.jpg")?;
        assert_eq!((p.out_w, p.out_h), (2000, 1600));
        let p = plan("full", "^max", "0", "default.jpg")?;
        assert_eq!((p.out_w, p.out_h), (7905, 6324));
        for s in [
            "2000,",
            "!2000,3000",
            "pct:101",
            "1001,800",
            "full",
            "0,",
            "max,",
            "!,5",
            "-5,",
        ] {
            assert_eq!(
                plan("full", s, "0", "default.jpg").map_err(|e| e.field),
                Err("size"),
                "{s}"
            );
        }
        assert_eq!(
            plan("full", "^20000,", "0", "default.jpg").map_err(|e| e.field),
            Err("size")
        );
        Ok(())
    }

    #[test]
    fn rotation_quality_and_format() -> TestResult {
        let p = plan("full", "max", "!22.50", "gray.png")?;
        assert!(p.mirror);
        assert_eq!(p.degrees, 22.5);
        assert_eq!(p.quality, Quality::Gray);
        assert_eq!(p.canonical(1000, 800), "full/max/!22.5/gray.png");
        assert_eq!(
            plan("full", "max", "90", "color.jpg")?.right_angle(),
            Some(90)
        );
        for (rot, qf, field) in [
            ("361", "default.jpg", "rotation"),
            ("-90", "default.jpg", "rotation"),
            ("abc", "default.jpg", "rotation"),
            ("NaN", "default.jpg", "rotation"),
            ("0", "native.jpg", "quality"),
            ("0", "default.gif", "format"),
            ("0", "default", "format"),
        ] {
            assert_eq!(
                plan("full", "max", rot, qf).map_err(|e| e.field),
                Err(field),
                "{rot} {qf}"
            );
        }
        Ok(())
    }

    #[test]
    fn turned_max_is_scaled_so_its_canvas_fits_the_area() -> TestResult {
        // 1000×800 at ^max is 7905×6324 (50 MP); turned by 45° its canvas would be ~100 MP.
        let p = plan("full", "^max", "45", "default.png")?;
        let (cw, ch) = rotated_size(p.out_w, p.out_h, 45.0);
        assert!(
            u64::from(cw) * u64::from(ch) <= LIMITS.max_area,
            "{cw}×{ch}"
        );
        assert!(
            u64::from(cw) * u64::from(ch) > LIMITS.max_area * 99 / 100,
            "not shrunk more than needed"
        );
        let skew = (i64::from(p.out_w) * 800 - i64::from(p.out_h) * 1000).abs();
        assert!(
            skew <= 1000,
            "aspect kept within a pixel: {}×{}",
            p.out_w,
            p.out_h
        );
        Ok(())
    }

    #[test]
    fn turned_explicit_size_over_the_area_is_refused_naming_rotation() {
        let e = plan("full", "^7905,", "45", "default.jpg").map_err(|e| (e.field, e.message));
        let Err((field, message)) = e else {
            panic!("accepted")
        };
        assert_eq!(field, "rotation");
        assert!(message.contains("canvas"), "{message}");
    }

    #[test]
    fn turned_by_a_right_angle_the_sides_swap_within_the_limits() -> TestResult {
        let narrow = Limits {
            max_width: 2000,
            max_height: 1000,
            max_area: 2_000_000,
        };
        let p = parse("full", "max", "90", "default.jpg")?.plan(2000, 1000, narrow)?;
        assert_eq!(rotated_size(p.out_w, p.out_h, 90.0), (p.out_h, p.out_w));
        assert!(p.out_h <= narrow.max_width && p.out_w <= narrow.max_height);
        Ok(())
    }

    #[test]
    fn canonical_names_one_picture_one_way() -> TestResult {
        let a = plan("0,0,1000,800", "1000,", "0", "color.jpg")?;
        let b = plan("full", "max", "0", "default.jpg")?;
        assert_eq!(a.canonical(1000, 800), b.canonical(1000, 800));
        assert_eq!(
            plan("0,0,512,512", "256,", "0", "default.jpg")?.canonical(1000, 800),
            "0,0,512,512/256,256/0/default.jpg"
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn any_path_parses_or_is_refused_without_panicking(
            r in "\\PC{0,24}", s in "\\PC{0,24}", rot in "\\PC{0,12}", qf in "\\PC{0,16}",
            w in 1u32..100_000, h in 1u32..100_000,
        ) {
            let planned = parse(&r, &s, &rot, &qf).and_then(|req| req.plan(w, h, LIMITS));
            match planned {
                Ok(p) => {
                    prop_assert!(p.x + p.w <= w && p.y + p.h <= h);
                    prop_assert!(p.out_w >= 1 && p.out_h >= 1);
                    prop_assert!(u64::from(p.out_w) * u64::from(p.out_h) <= LIMITS.max_area);
                    let (cw, ch) = rotated_size(p.out_w, p.out_h, p.degrees);
                    prop_assert!(within(cw, ch, LIMITS), "canvas {cw}×{ch}");
                }
                Err(e) => {
                    let fields = ["region", "size", "rotation", "quality", "format"];
                    prop_assert!(fields.contains(&e.field), "{}", e.field);
                    prop_assert!(e.message.chars().count() <= 300, "{}", e.message);
                }
            }
        }

        #[test]
        fn well_formed_requests_stay_inside_the_image(
            x in 0u32..3000, y in 0u32..3000, rw in 1u32..3000, rh in 1u32..3000,
            tw in 1u32..4000, up in any::<bool>(), w in 1u32..3000, h in 1u32..3000,
        ) {
            let size = format!("{}!{tw},{tw}", if up { "^" } else { "" });
            let req = parse(&format!("{x},{y},{rw},{rh}"), &size, "0", "default.jpg");
            prop_assert!(req.is_ok());
            if let Ok(req) = req && let Ok(p) = req.plan(w, h, LIMITS) {
                prop_assert!(p.x + p.w <= w && p.y + p.h <= h);
                prop_assert!(p.out_w <= tw && p.out_h <= tw);
                if !up {
                    prop_assert!(p.out_w <= p.w && p.out_h <= p.h);
                }
            }
        }
    }
}
