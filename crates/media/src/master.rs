//! Reading a master file: what it is (by its bytes, not its name), how big it says it is
//! (checked before a single pixel is decoded, so a decompression bomb costs nothing), its
//! technical metadata (pixel size, colour, ICC profile, EXIF date and camera), and its
//! pixels as 8-bit RGB turned the way the camera meant.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use image::{ColorType, DynamicImage, ImageDecoder, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use turbojpeg::{Colorspace, PixelFormat};
use utoipa::ToSchema;

use crate::raster::Raster;

/// The file formats accepted as masters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = MasterFormat)]
pub enum Kind {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
    /// TIFF (8 or 16 bit, strips or tiles).
    Tiff,
    /// WebP.
    Webp,
}

impl Kind {
    /// Media type.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Tiff => "image/tiff",
            Kind::Webp => "image/webp",
        }
    }

    /// Extension of stored masters.
    pub fn ext(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Tiff => "tif",
            Kind::Webp => "webp",
        }
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Jpeg => "JPEG",
            Kind::Png => "PNG",
            Kind::Tiff => "TIFF",
            Kind::Webp => "WebP",
        }
    }

    /// The format a file name's extension promises, if it names one of ours.
    pub fn from_name(name: &str) -> Option<Kind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "jpg" | "jpeg" | "jpe" => Some(Kind::Jpeg),
            "png" => Some(Kind::Png),
            "tif" | "tiff" => Some(Kind::Tiff),
            "webp" => Some(Kind::Webp),
            _ => None,
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "jpeg" => Some(Kind::Jpeg),
            "png" => Some(Kind::Png),
            "tiff" => Some(Kind::Tiff),
            "webp" => Some(Kind::Webp),
            _ => None,
        }
    }

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpeg",
            Kind::Png => "png",
            Kind::Tiff => "tiff",
            Kind::Webp => "webp",
        }
    }
}

/// Why a file cannot be a master. Each message tells the person what to do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    /// Not one of the accepted formats.
    #[error("{0}; the library takes JPEG, PNG, TIFF and WebP images")]
    Unsupported(String),
    /// The name promises another format than the bytes hold.
    #[error(
        "the file is named {name} but holds a {actual} image; rename it to .{ext} or check it is the right file"
    )]
    WrongExtension {
        /// File name.
        name: String,
        /// What the bytes are.
        actual: &'static str,
        /// Extension to use.
        ext: &'static str,
    },
    /// Declares more pixels than allowed.
    #[error(
        "the image declares {width} × {height} pixels ({mp} megapixels); this museum takes at most {limit} megapixels per image"
    )]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// Megapixels.
        mp: u64,
        /// Limit in megapixels.
        limit: u64,
    },
    /// Cannot be decoded (truncated, corrupt).
    #[error("the {kind} file cannot be read ({detail}); it may be truncated or damaged")]
    Corrupt {
        /// Format.
        kind: &'static str,
        /// Decoder's words.
        detail: String,
    },
}

/// Technical metadata read from a master.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Technical {
    /// Width as displayed (after EXIF orientation).
    pub width: u32,
    /// Height as displayed.
    pub height: u32,
    /// Bits per sample (8 or 16).
    pub bit_depth: u8,
    /// `RGB`, `RGBA`, `Gray`, `Gray+alpha`, `CMYK`, `YCCK`.
    pub color_mode: String,
    /// The embedded ICC profile's description, or `sRGB (assumed)` without one.
    pub color_space: String,
    /// EXIF orientation (1 = upright).
    pub orientation: u8,
    /// EXIF DateTimeOriginal (`2024:05:01 10:22:03`).
    pub exif_date: Option<String>,
    /// Camera make and model.
    pub camera: Option<String>,
}

/// Detects the format from the first bytes.
pub fn sniff(head: &[u8]) -> Result<Kind, Refusal> {
    let kind = match head {
        [0xFF, 0xD8, 0xFF, ..] => Kind::Jpeg,
        [0x89, b'P', b'N', b'G', ..] => Kind::Png,
        [b'I', b'I', 42, 0, ..]
        | [b'M', b'M', 0, 42, ..]
        | [b'I', b'I', 43, 0, ..]
        | [b'M', b'M', 0, 43, ..] => Kind::Tiff,
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Kind::Webp,
        [b'G', b'I', b'F', ..] => {
            return Err(Refusal::Unsupported(
                "GIF images are not kept as masters".into(),
            ));
        }
        [b'%', b'P', b'D', b'F', ..] => {
            return Err(Refusal::Unsupported("this is a PDF, not an image".into()));
        }
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => {
            return Err(Refusal::Unsupported(
                "HEIC/AVIF images are not accepted yet; export the photograph as JPEG or TIFF"
                    .into(),
            ));
        }
        [] => return Err(Refusal::Unsupported("the file is empty".into())),
        _ => {
            return Err(Refusal::Unsupported(
                "the file is not an image this library knows".into(),
            ));
        }
    };
    Ok(kind)
}

/// Checks that a file name's extension agrees with the bytes.
pub fn check_name(name: &str, kind: Kind) -> Result<(), Refusal> {
    match Kind::from_name(name) {
        Some(k) if k != kind => Err(Refusal::WrongExtension {
            name: name.to_owned(),
            actual: kind.name(),
            ext: kind.ext(),
        }),
        _ => Ok(()),
    }
}

/// A master opened and checked: its format, metadata and (decoded) pixels.
#[derive(Debug)]
pub struct Decoded {
    /// Format.
    pub kind: Kind,
    /// Technical metadata.
    pub technical: Technical,
    /// RGB pixels, upright.
    pub pixels: Raster,
}

/// Reads the header (dimensions, colour) and refuses images above `max_pixels` before
/// decoding, then decodes everything: a truncated or corrupt file is refused here, before
/// anything is stored.
pub fn decode(path: &Path, kind: Kind, max_pixels: u64) -> Result<Decoded, Refusal> {
    let corrupt = |detail: String| Refusal::Corrupt {
        kind: kind.name(),
        detail,
    };
    let open = || -> Result<BufReader<File>, Refusal> {
        File::open(path)
            .map(BufReader::new)
            .map_err(|e| corrupt(e.to_string()))
    };
    let mut reader = ImageReader::with_format(open()?, image_format(kind));
    let mut limits = Limits::no_limits();
    // Decoders' own buffers: the output (16-bit RGBA at most) plus headroom.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| corrupt(e.to_string()))?;
    let (width, height) = decoder.dimensions();
    let pixels_declared = u64::from(width) * u64::from(height);
    if pixels_declared > max_pixels {
        return Err(Refusal::TooLarge {
            width,
            height,
            mp: pixels_declared.div_ceil(1_000_000),
            limit: max_pixels / 1_000_000,
        });
    }
    if width == 0 || height == 0 {
        return Err(corrupt("it has no pixels".into()));
    }
    let icc = decoder.icc_profile().ok().flatten();
    let color = decoder.color_type();
    let exif = read_exif(open()?);
    let jpeg_color = if kind == Kind::Jpeg {
        jpeg_colorspace(path)
    } else {
        None
    };
    let mut technical = Technical {
        width,
        height,
        bit_depth: (color.bits_per_pixel() / u16::from(color.channel_count())) as u8,
        color_mode: match jpeg_color {
            Some(Colorspace::CMYK) => "CMYK".into(),
            Some(Colorspace::YCCK) => "YCCK".into(),
            _ => color_mode(color).into(),
        },
        color_space: icc
            .as_deref()
            .and_then(icc_description)
            .unwrap_or_else(|| "sRGB (assumed)".into()),
        orientation: exif.orientation,
        exif_date: exif.date,
        camera: exif.camera,
    };
    let raster = match (kind, jpeg_color) {
        // libjpeg-turbo is several times faster than the pure-Rust decoder; CMYK goes the
        // other way because TurboJPEG does not convert it to RGB.
        (Kind::Jpeg, Some(Colorspace::YCbCr | Colorspace::Gray | Colorspace::RGB)) => {
            drop(decoder);
            let mut bytes = Vec::new();
            open()?
                .read_to_end(&mut bytes)
                .map_err(|e| corrupt(e.to_string()))?;
            let img = turbojpeg::decompress(&bytes, PixelFormat::RGB)
                .map_err(|e| corrupt(e.to_string()))?;
            Raster {
                width: img.width as u32,
                height: img.height as u32,
                channels: 3,
                data: img.pixels,
            }
        }
        _ => {
            let img = DynamicImage::from_decoder(decoder).map_err(|e| corrupt(e.to_string()))?;
            to_raster(img)
        }
    };
    let pixels = orient(raster, exif.orientation);
    technical.width = pixels.width;
    technical.height = pixels.height;
    Ok(Decoded {
        kind,
        technical,
        pixels,
    })
}

fn image_format(kind: Kind) -> image::ImageFormat {
    match kind {
        Kind::Jpeg => image::ImageFormat::Jpeg,
        Kind::Png => image::ImageFormat::Png,
        Kind::Tiff => image::ImageFormat::Tiff,
        Kind::Webp => image::ImageFormat::WebP,
    }
}

fn color_mode(c: ColorType) -> &'static str {
    match c {
        ColorType::L8 | ColorType::L16 => "Gray",
        ColorType::La8 | ColorType::La16 => "Gray+alpha",
        ColorType::Rgba8 | ColorType::Rgba16 | ColorType::Rgba32F => "RGBA",
        _ => "RGB",
    }
}

fn jpeg_colorspace(path: &Path) -> Option<Colorspace> {
    // The header is within the first 64 KiB unless a huge EXIF/ICC block comes first.
    let mut head = Vec::new();
    File::open(path)
        .ok()?
        .take(1 << 20)
        .read_to_end(&mut head)
        .ok()?;
    turbojpeg::read_header(&head).ok().map(|h| h.colorspace)
}

/// 8-bit RGB (16-bit scaled down, alpha composited over white).
fn to_raster(img: DynamicImage) -> Raster {
    let (width, height) = (img.width(), img.height());
    match img {
        DynamicImage::ImageRgb8(b) => Raster {
            width,
            height,
            channels: 3,
            data: b.into_raw(),
        },
        DynamicImage::ImageLuma8(b) => Raster {
            width,
            height,
            channels: 1,
            data: b.into_raw(),
        }
        .into_rgb(),
        DynamicImage::ImageLumaA8(b) => Raster {
            width,
            height,
            channels: 2,
            data: b.into_raw(),
        }
        .into_rgb(),
        DynamicImage::ImageRgba8(b) => Raster {
            width,
            height,
            channels: 4,
            data: b.into_raw(),
        }
        .into_rgb(),
        other if other.color().has_alpha() => Raster {
            width,
            height,
            channels: 4,
            data: other.into_rgba8().into_raw(),
        }
        .into_rgb(),
        other => Raster {
            width,
            height,
            channels: 3,
            data: other.into_rgb8().into_raw(),
        },
    }
}

/// Applies EXIF orientation so the pyramid shows the picture upright.
fn orient(r: Raster, orientation: u8) -> Raster {
    match orientation {
        2 => r.mirrored(),
        3 => r.turned(180),
        4 => r.mirrored().turned(180),
        5 => r.mirrored().turned(270),
        6 => r.turned(90),
        7 => r.mirrored().turned(90),
        8 => r.turned(270),
        _ => r,
    }
}

#[derive(Default)]
struct ExifFacts {
    orientation: u8,
    date: Option<String>,
    camera: Option<String>,
}

fn read_exif(mut file: BufReader<File>) -> ExifFacts {
    let mut facts = ExifFacts {
        orientation: 1,
        ..ExifFacts::default()
    };
    if file.seek(SeekFrom::Start(0)).is_err() {
        return facts;
    }
    let Ok(exif) = exif::Reader::new().read_from_container(&mut file) else {
        return facts;
    };
    let text = |tag| {
        exif.get_field(tag, exif::In::PRIMARY)
            .and_then(|f| match &f.value {
                exif::Value::Ascii(v) => v
                    .first()
                    .map(|s| {
                        String::from_utf8_lossy(s)
                            .trim()
                            .trim_end_matches('\0')
                            .to_owned()
                    })
                    .filter(|s| !s.is_empty()),
                _ => None,
            })
    };
    if let Some(o) = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|o| (1..=8).contains(o))
    {
        facts.orientation = o as u8;
    }
    facts.date = text(exif::Tag::DateTimeOriginal).or_else(|| text(exif::Tag::DateTime));
    facts.camera = match (text(exif::Tag::Make), text(exif::Tag::Model)) {
        (Some(make), Some(model)) if model.starts_with(&make) => Some(model),
        (Some(make), Some(model)) => Some(format!("{make} {model}")),
        (a, b) => a.or(b),
    };
    facts
}

/// The description of an ICC profile (`desc` tag, ICC v2 text or v4 `mluc`).
pub fn icc_description(icc: &[u8]) -> Option<String> {
    let be32 = |at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(icc.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let count = be32(128)?.min(256);
    for i in 0..count {
        let entry = 132 + i * 12;
        if icc.get(entry..entry + 4)? != b"desc" {
            continue;
        }
        let (off, len) = (be32(entry + 4)?, be32(entry + 8)?);
        let tag = icc.get(off..off.checked_add(len)?)?;
        return match tag.get(..4)? {
            b"desc" => {
                let n = u32::from_be_bytes(tag.get(8..12)?.try_into().ok()?) as usize;
                let s = tag.get(12..12 + n.min(tag.len().saturating_sub(12)))?;
                Some(
                    String::from_utf8_lossy(s)
                        .trim_end_matches('\0')
                        .trim()
                        .to_owned(),
                )
            }
            b"mluc" => {
                let n = u32::from_be_bytes(tag.get(20..24)?.try_into().ok()?) as usize;
                let at = u32::from_be_bytes(tag.get(24..28)?.try_into().ok()?) as usize;
                let units: Vec<u16> = tag
                    .get(at..at.checked_add(n)?)?
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                Some(
                    String::from_utf16_lossy(&units)
                        .trim_end_matches('\0')
                        .trim()
                        .to_owned(),
                )
            }
            _ => None,
        }
        .filter(|s| !s.is_empty());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn formats_are_known_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok(Kind::Jpeg));
        assert_eq!(sniff(b"II*\0rest"), Ok(Kind::Tiff));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Kind::Webp));
        assert!(matches!(sniff(b"GIF89a"), Err(Refusal::Unsupported(_))));
        assert!(matches!(sniff(b""), Err(Refusal::Unsupported(_))));
        assert!(check_name("scroll.TIF", Kind::Tiff).is_ok());
        assert!(check_name("upload", Kind::Png).is_ok());
        let e = check_name("photo.jpg", Kind::Png);
        assert!(matches!(
            e,
            Err(Refusal::WrongExtension { actual: "PNG", .. })
        ));
    }

    fn write_png(path: &Path, w: u32, h: u32) -> TestResult {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 0, 0]));
        img.save(path)?;
        Ok(())
    }

    #[test]
    fn decoding_reads_size_and_refuses_bombs_and_truncation() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("a.png");
        write_png(&path, 300, 200)?;
        let d = decode(&path, Kind::Png, 1_000_000)?;
        assert_eq!(
            (d.technical.width, d.technical.height, d.technical.bit_depth),
            (300, 200, 8)
        );
        assert_eq!(d.pixels.data[3], 1);
        assert!(matches!(
            decode(&path, Kind::Png, 50_000),
            Err(Refusal::TooLarge { width: 300, .. })
        ));
        let bytes = std::fs::read(&path)?;
        let cut = dir.path().join("cut.png");
        std::fs::write(&cut, &bytes[..bytes.len() / 2])?;
        assert!(matches!(
            decode(&cut, Kind::Png, 1_000_000),
            Err(Refusal::Corrupt { .. })
        ));
        Ok(())
    }

    #[test]
    fn a_declared_giant_is_refused_before_decoding() -> TestResult {
        // A PNG header claiming 100000 × 100000 pixels, with no pixel data at all.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0]);
        let header_crc = crc(&png[12..]);
        png.extend_from_slice(&header_crc.to_be_bytes());
        // A few bytes of "compressed pixels" and the end: nothing a real image would need.
        for (name, data) in [
            (&b"IDAT"[..], &[0x78u8, 0x9c, 0x03, 0x00][..]),
            (b"IEND", &[]),
        ] {
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let start = png.len();
            png.extend_from_slice(name);
            png.extend_from_slice(data);
            let c = crc(&png[start..]);
            png.extend_from_slice(&c.to_be_bytes());
        }
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("bomb.png");
        std::fs::write(&path, &png)?;
        let e = decode(&path, Kind::Png, 500_000_000);
        assert!(
            matches!(e, Err(Refusal::TooLarge { mp: 10_000, .. })),
            "{e:?}"
        );
        Ok(())
    }

    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn sixteen_bit_tiff_becomes_eight_bit() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("deep.tif");
        let img = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(64, 32, |x, _| {
            image::Rgb([x as u16 * 1024, 65535, 0])
        });
        img.save(&path)?;
        let d = decode(&path, Kind::Tiff, 1_000_000)?;
        assert_eq!(d.technical.bit_depth, 16);
        assert_eq!(d.technical.color_mode, "RGB");
        assert_eq!(&d.pixels.data[..3], &[0, 255, 0]);
        Ok(())
    }

    #[test]
    fn orientation_turns_the_picture() {
        let r = Raster::new(4, 2, 3);
        assert_eq!(orient(r.clone(), 6).width, 2);
        assert_eq!(orient(r.clone(), 1).width, 4);
        assert_eq!(orient(r, 5).height, 4);
    }

    #[test]
    fn icc_descriptions_are_read_from_v2_profiles() {
        let mut icc = vec![0u8; 132 + 12];
        icc[128..132].copy_from_slice(&1u32.to_be_bytes());
        icc[132..136].copy_from_slice(b"desc");
        icc[136..140].copy_from_slice(&144u32.to_be_bytes());
        let text = b"Adobe RGB (1998)\0";
        let mut tag = b"desc\0\0\0\0".to_vec();
        tag.extend_from_slice(&(text.len() as u32).to_be_bytes());
        tag.extend_from_slice(text);
        icc[140..144].copy_from_slice(&(tag.len() as u32).to_be_bytes());
        icc.extend_from_slice(&tag);
        assert_eq!(icc_description(&icc).as_deref(), Some("Adobe RGB (1998)"));
        assert_eq!(icc_description(&[1, 2, 3]), None);
    }
}
