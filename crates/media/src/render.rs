//! Carrying out a IIIF [`Plan`] on a pyramid: a request that is exactly one stored tile is
//! answered with the stored JPEG (cropped losslessly at the image's edge); anything else
//! decodes only the tiles it touches, at the smallest level that is still big enough,
//! resizes once (SIMD), then mirrors, rotates, converts and encodes.

use std::cell::RefCell;

use fast_image_resize::images::{Image as FirImage, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use turbojpeg::{Compressor, Decompressor, Image, PixelFormat, Subsamp, Transform, TransformCrop};

use crate::iiif::{Format, Plan, Quality};
use crate::pyramid::{Pyramid, PyramidError, TILE, encode_rgb};
use crate::raster::Raster;

/// JPEG quality of rendered answers.
const ANSWER_QUALITY: i32 = 85;

thread_local! {
    static DECOMPRESSOR: RefCell<Option<Decompressor>> = const { RefCell::new(None) };
    static COMPRESSOR: RefCell<Option<Compressor>> = const { RefCell::new(None) };
}

/// The picture a plan asks for, encoded.
pub fn render(p: &Pyramid, plan: &Plan) -> Result<Vec<u8>, PyramidError> {
    if let Some(bytes) = stored_tile(p, plan)? {
        return Ok(bytes);
    }
    let level = choose_level(p, plan);
    let scale = f64::from(1u32 << level);
    let l = &p.levels[level];
    // The region in this level's pixels, widened to whole pixels.
    let fx = f64::from(plan.x) / scale;
    let fy = f64::from(plan.y) / scale;
    let fw = f64::from(plan.w) / scale;
    let fh = f64::from(plan.h) / scale;
    let x0 = fx.floor() as u32;
    let y0 = fy.floor() as u32;
    let x1 = ((fx + fw).ceil() as u32).clamp(x0 + 1, l.width);
    let y1 = ((fy + fh).ceil() as u32).clamp(y0 + 1, l.height);
    let cut = cut(p, level, x0, y0, x1 - x0, y1 - y0)?;
    let sized = resize(&cut, fx - f64::from(x0), fy - f64::from(y0), fw, fh, plan)?;
    let mut out = if plan.mirror { sized.mirrored() } else { sized };
    out = match plan.quality {
        Quality::Gray => out.gray(),
        Quality::Bitonal => out.bitonal(),
        Quality::Default | Quality::Color => out,
    };
    match plan.right_angle() {
        Some(d) => encode(&out.turned(d), plan.format),
        None => encode(&rotate_any(&out, plan.degrees), plan.format),
    }
}

/// The stored bytes when the plan is exactly one tile of one level, as a tiled viewer asks.
fn stored_tile(p: &Pyramid, plan: &Plan) -> Result<Option<Vec<u8>>, PyramidError> {
    if plan.mirror
        || plan.degrees != 0.0
        || !matches!(plan.quality, Quality::Default | Quality::Color)
        || plan.format != Format::Jpg
    {
        return Ok(None);
    }
    for (i, l) in p.levels.iter().enumerate() {
        let span = TILE << i;
        if !plan.x.is_multiple_of(span) || !plan.y.is_multiple_of(span) {
            continue;
        }
        let (col, row) = (plan.x / span, plan.y / span);
        if col >= l.cols || row >= l.rows {
            continue;
        }
        let tw = TILE.min(l.width - col * TILE);
        let th = TILE.min(l.height - row * TILE);
        let full_w = span.min(p.width() - plan.x);
        let full_h = span.min(p.height() - plan.y);
        if plan.w != full_w || plan.h != full_h || plan.out_w != tw || plan.out_h != th {
            continue;
        }
        let jpeg = p.tile(i, col, row)?;
        if tw == TILE && th == TILE {
            return Ok(Some(jpeg));
        }
        let mut t = Transform::default();
        t.crop = Some(TransformCrop {
            x: 0,
            y: 0,
            width: Some(tw as usize),
            height: Some(th as usize),
        });
        return Ok(Some(turbojpeg::transform(&t, &jpeg)?.to_vec()));
    }
    Ok(None)
}

/// The smallest level whose pixels still cover the answer at full sharpness.
fn choose_level(p: &Pyramid, plan: &Plan) -> usize {
    let mut best = 0;
    for i in 1..p.levels.len() {
        let s = f64::from(1u32 << i);
        if f64::from(plan.w) / s >= f64::from(plan.out_w)
            && f64::from(plan.h) / s >= f64::from(plan.out_h)
        {
            best = i;
        } else {
            break;
        }
    }
    best
}

/// Decodes the tiles under `w × h` pixels at `(x, y)` of a level and copies them out.
fn cut(p: &Pyramid, level: usize, x: u32, y: u32, w: u32, h: u32) -> Result<Raster, PyramidError> {
    let mut out = Raster::new(w, h, 3);
    let stride = out.stride();
    let mut tile = vec![0u8; (TILE * TILE * 3) as usize];
    for row in y / TILE..=(y + h - 1) / TILE {
        for col in x / TILE..=(x + w - 1) / TILE {
            let jpeg = p.tile(level, col, row)?;
            decode_tile(&jpeg, &mut tile)?;
            let (tx, ty) = (col * TILE, row * TILE);
            let sx0 = x.max(tx) - tx;
            let sx1 = (x + w).min(tx + TILE) - tx;
            let sy0 = y.max(ty) - ty;
            let sy1 = (y + h).min(ty + TILE) - ty;
            let len = ((sx1 - sx0) * 3) as usize;
            for sy in sy0..sy1 {
                let src = &tile[((sy * TILE + sx0) * 3) as usize..][..len];
                let dy = (ty + sy - y) as usize;
                let dx = ((tx + sx0 - x) * 3) as usize;
                out.data[dy * stride + dx..][..len].copy_from_slice(src);
            }
        }
    }
    Ok(out)
}

fn decode_tile(jpeg: &[u8], into: &mut [u8]) -> Result<(), PyramidError> {
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Decompressor::new()?);
        }
        let Some(d) = slot.as_mut() else {
            return Err(PyramidError::Format("no decoder".into()));
        };
        let header = d.read_header(jpeg)?;
        if header.width != TILE as usize || header.height != TILE as usize {
            return Err(PyramidError::Format("tile of the wrong size".into()));
        }
        d.decompress(
            jpeg,
            Image {
                pixels: into,
                width: TILE as usize,
                pitch: TILE as usize * 3,
                height: TILE as usize,
                format: PixelFormat::RGB,
            },
        )?;
        Ok(())
    })
}

/// Scales the sub-rectangle `(left, top, w, h)` of `src` to the plan's output size.
fn resize(
    src: &Raster,
    left: f64,
    top: f64,
    w: f64,
    h: f64,
    plan: &Plan,
) -> Result<Raster, PyramidError> {
    let exact = left == 0.0
        && top == 0.0
        && w == f64::from(src.width)
        && h == f64::from(src.height)
        && src.width == plan.out_w
        && src.height == plan.out_h;
    if exact {
        return Ok(src.clone());
    }
    let from = ImageRef::new(src.width, src.height, &src.data, PixelType::U8x3)
        .map_err(|e| PyramidError::Format(e.to_string()))?;
    let mut to = FirImage::new(plan.out_w, plan.out_h, PixelType::U8x3);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
        .crop(left, top, w, h);
    Resizer::new()
        .resize(&from, &mut to, &options)
        .map_err(|e| PyramidError::Format(e.to_string()))?;
    Ok(Raster {
        width: plan.out_w,
        height: plan.out_h,
        channels: 3,
        data: to.into_vec(),
    })
}

/// Turns by any angle about the centre into a canvas that holds the whole picture; the
/// corners are transparent (RGBA out; JPEG answers get them white).
fn rotate_any(src: &Raster, degrees: f64) -> Raster {
    let c = usize::from(src.channels);
    let rad = degrees.to_radians();
    let (sin, cos) = rad.sin_cos();
    let (w, h) = (f64::from(src.width), f64::from(src.height));
    let (ow, oh) = crate::iiif::rotated_size(src.width, src.height, degrees);
    let mut out = Raster::new(ow, oh, if c == 1 { 2 } else { 4 });
    let oc = usize::from(out.channels);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ocx, ocy) = (f64::from(ow) / 2.0, f64::from(oh) / 2.0);
    for oy in 0..oh {
        for ox in 0..ow {
            // Inverse rotation: where in the source does this output pixel come from?
            let dx = f64::from(ox) + 0.5 - ocx;
            let dy = f64::from(oy) + 0.5 - ocy;
            let sx = cos * dx + sin * dy + cx - 0.5;
            let sy = -sin * dx + cos * dy + cy - 0.5;
            if sx < -0.5 || sy < -0.5 || sx > w - 0.5 || sy > h - 0.5 {
                continue;
            }
            let x0 = sx.floor().clamp(0.0, w - 1.0) as usize;
            let y0 = sy.floor().clamp(0.0, h - 1.0) as usize;
            let x1 = (x0 + 1).min(src.width as usize - 1);
            let y1 = (y0 + 1).min(src.height as usize - 1);
            let fx = (sx - x0 as f64).clamp(0.0, 1.0);
            let fy = (sy - y0 as f64).clamp(0.0, 1.0);
            let at = |x: usize, y: usize, k: usize| {
                f64::from(src.data[(y * src.width as usize + x) * c + k])
            };
            let dst = (oy as usize * ow as usize + ox as usize) * oc;
            for k in 0..c {
                let top = at(x0, y0, k) * (1.0 - fx) + at(x1, y0, k) * fx;
                let bottom = at(x0, y1, k) * (1.0 - fx) + at(x1, y1, k) * fx;
                out.data[dst + k] = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
            out.data[dst + oc - 1] = 255;
        }
    }
    out
}

/// Encodes a raster in the asked format.
pub fn encode(r: &Raster, format: Format) -> Result<Vec<u8>, PyramidError> {
    match format {
        Format::Jpg => {
            let opaque;
            let r = if r.channels == 2 || r.channels == 4 {
                opaque = flatten(r);
                &opaque
            } else {
                r
            };
            COMPRESSOR.with(|cell| {
                let mut slot = cell.borrow_mut();
                if slot.is_none() {
                    let mut c = Compressor::new()?;
                    c.set_quality(ANSWER_QUALITY)?;
                    *slot = Some(c);
                }
                let Some(c) = slot.as_mut() else {
                    return Err(PyramidError::Format("no encoder".into()));
                };
                c.set_subsamp(if r.channels == 1 {
                    Subsamp::Gray
                } else {
                    Subsamp::Sub2x2
                })?;
                encode_rgb(c, r)
            })
        }
        Format::Png => {
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, r.width, r.height);
            enc.set_color(match r.channels {
                1 => png::ColorType::Grayscale,
                2 => png::ColorType::GrayscaleAlpha,
                3 => png::ColorType::Rgb,
                _ => png::ColorType::Rgba,
            });
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Fast);
            let mut w = enc
                .write_header()
                .map_err(|e| PyramidError::Format(e.to_string()))?;
            w.write_image_data(&r.data)
                .map_err(|e| PyramidError::Format(e.to_string()))?;
            w.finish()
                .map_err(|e| PyramidError::Format(e.to_string()))?;
            Ok(out)
        }
        Format::Webp => {
            let rgba;
            let r = match r.channels {
                3 | 4 => r,
                _ => {
                    rgba = expand_gray(r);
                    &rgba
                }
            };
            let enc = if r.channels == 3 {
                webp::Encoder::from_rgb(&r.data, r.width, r.height)
            } else {
                webp::Encoder::from_rgba(&r.data, r.width, r.height)
            };
            let data = enc
                .encode_simple(false, 80.0)
                .map_err(|e| PyramidError::Format(format!("WebP coding failed: {e:?}")))?;
            Ok(data.to_vec())
        }
    }
}

/// Grey (± alpha) to RGBA, for WebP which has no grey mode.
fn expand_gray(r: &Raster) -> Raster {
    let c = usize::from(r.channels);
    let mut out = Raster::new(r.width, r.height, 4);
    for (dst, px) in out.data.chunks_exact_mut(4).zip(r.data.chunks_exact(c)) {
        dst[..3].fill(px[0]);
        dst[3] = if c == 2 { px[1] } else { 255 };
    }
    out
}

/// Drops alpha over white (grey stays grey).
fn flatten(r: &Raster) -> Raster {
    if r.channels == 2 {
        let mut out = Raster::new(r.width, r.height, 1);
        for (dst, px) in out.data.iter_mut().zip(r.data.chunks_exact(2)) {
            let a = u32::from(px[1]);
            *dst = ((u32::from(px[0]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
        out
    } else {
        r.clone().into_rgb()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iiif::{self, Limits};

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const LIMITS: Limits = Limits {
        max_width: 10_000,
        max_height: 10_000,
        max_area: 100_000_000,
    };

    /// A 1300 × 900 picture: red left half, blue right half.
    fn pyramid(dir: &std::path::Path) -> Result<Pyramid, PyramidError> {
        let mut img = Raster::new(1300, 900, 3);
        for (i, px) in img.data.chunks_exact_mut(3).enumerate() {
            let x = i % 1300;
            px.copy_from_slice(if x < 650 {
                &[220, 20, 20]
            } else {
                &[20, 20, 220]
            });
        }
        let path = dir.join("p.tif");
        crate::pyramid::build(&img, &path, &|_| {})?;
        Pyramid::open(&path)
    }

    fn run(
        p: &Pyramid,
        r: &str,
        s: &str,
        rot: &str,
        qf: &str,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let plan = iiif::parse(r, s, rot, qf)?.plan(p.width(), p.height(), LIMITS)?;
        Ok(render(p, &plan)?)
    }

    #[test]
    fn a_tile_request_is_the_stored_tile_and_edges_are_cropped() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = pyramid(dir.path())?;
        assert_eq!(
            run(&p, "0,0,512,512", "512,", "0", "default.jpg")?,
            p.tile(0, 0, 0)?
        );
        let edge = run(&p, "1024,512,276,388", "276,", "0", "default.jpg")?;
        let h = turbojpeg::read_header(&edge)?;
        assert_eq!((h.width, h.height), (276, 388));
        // Level 1 (650 × 450): its second column is 138 wide.
        let edge = run(&p, "1024,0,276,900", "138,", "0", "default.jpg")?;
        let h = turbojpeg::read_header(&edge)?;
        assert_eq!((h.width, h.height), (138, 450));
        Ok(())
    }

    #[test]
    fn arbitrary_regions_sizes_and_qualities() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = pyramid(dir.path())?;
        let img = turbojpeg::decompress(
            &run(&p, "600,100,100,50", "!40,40", "0", "default.jpg")?,
            PixelFormat::RGB,
        )?;
        assert_eq!((img.width, img.height), (40, 20));
        // Left end red, right end blue.
        assert!(img.pixels[0] > 150 && img.pixels[2] < 100);
        let last = (img.width - 1) * 3;
        assert!(img.pixels[last + 2] > 150 && img.pixels[last] < 100);
        let gray =
            turbojpeg::decompress(&run(&p, "full", "100,", "0", "gray.jpg")?, PixelFormat::RGB)?;
        assert_eq!(gray.pixels[0], gray.pixels[1]);
        let turned = turbojpeg::read_header(&run(&p, "full", "130,", "90", "default.jpg")?)?;
        assert_eq!((turned.width, turned.height), (90, 130));
        let mirrored = turbojpeg::decompress(
            &run(&p, "full", "130,", "!0", "default.jpg")?,
            PixelFormat::RGB,
        )?;
        assert!(mirrored.pixels[2] > 150, "blue now on the left");
        let png = run(&p, "full", "100,", "45", "default.png")?;
        assert_eq!(&png[1..4], b"PNG");
        let webp = run(&p, "full", "100,", "0", "bitonal.webp")?;
        assert_eq!(&webp[8..12], b"WEBP");
        let up = turbojpeg::read_header(&run(&p, "0,0,10,10", "^50,", "0", "default.jpg")?)?;
        assert_eq!((up.width, up.height), (50, 50));
        Ok(())
    }

    #[test]
    fn any_angle_keeps_the_picture_and_clears_the_corners() {
        let mut r = Raster::new(10, 10, 3);
        r.data.fill(200);
        let out = rotate_any(&r, 45.0);
        assert_eq!((out.width, out.height, out.channels), (14, 14, 4));
        assert_eq!(out.data[3], 0, "top-left corner transparent");
        let centre = (7 * 14 + 7) * 4;
        assert_eq!(&out.data[centre..centre + 4], &[200, 200, 200, 255]);
    }
}
