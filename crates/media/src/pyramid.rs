//! Tiled pyramids: the derivative the IIIF server answers from.
//!
//! A pyramid is an ordinary tiled, pyramidal, JPEG-compressed TIFF (512 px tiles, each
//! level half the one before, down to one tile), the layout IIPImage and libvips use, so
//! other IIIF servers can serve the very same file. Every tile is a complete JPEG stream
//! (4:2:0, YCbCr), so a request for exactly one tile is answered with the stored bytes.
//! Edge tiles are padded to full size as TIFF requires; the reader crops them losslessly.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use turbojpeg::{Compressor, Image, PixelFormat, Subsamp};

use crate::raster::Raster;

/// Tile edge in pixels.
pub const TILE: u32 = 512;

/// JPEG quality of stored tiles.
pub const TILE_QUALITY: i32 = 88;

/// One resolution of a pyramid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Tiles across.
    pub cols: u32,
    /// Tiles down.
    pub rows: u32,
    offsets: Vec<u64>,
    counts: Vec<u32>,
}

impl Level {
    fn new(width: u32, height: u32) -> Level {
        Level {
            width,
            height,
            cols: width.div_ceil(TILE),
            rows: height.div_ceil(TILE),
            offsets: Vec::new(),
            counts: Vec::new(),
        }
    }
}

/// The sizes of every level of a `width × height` image, largest first.
pub fn level_sizes(width: u32, height: u32) -> Vec<(u32, u32)> {
    let mut out = vec![(width, height)];
    let (mut w, mut h) = (width, height);
    while w > TILE || h > TILE {
        w = w.div_ceil(2);
        h = h.div_ceil(2);
        out.push((w, h));
    }
    out
}

/// Why a pyramid could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PyramidError {
    /// Reading or writing the file failed (a full disk among others).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The JPEG coder refused.
    #[error("JPEG coding failed: {0}")]
    Jpeg(#[from] turbojpeg::Error),
    /// The file is not a pyramid this server wrote.
    #[error("not a usable pyramid: {0}")]
    Format(String),
}

/// Encodes every tile of `image` (RGB) into a pyramid at `path`, written beside it first
/// and renamed into place when complete, so a reader never sees half a file.
/// `progress` is told the fraction done after each level.
pub fn build(
    image: &Raster,
    path: &Path,
    progress: &(dyn Fn(f32) + Sync),
) -> Result<Vec<(u32, u32)>, PyramidError> {
    if image.channels != 3 || image.width == 0 || image.height == 0 {
        return Err(PyramidError::Format(
            "a pyramid is made from RGB pixels".into(),
        ));
    }
    let sizes = level_sizes(image.width, image.height);
    let total: f64 = sizes
        .iter()
        .map(|(w, h)| f64::from(*w) * f64::from(*h))
        .sum();
    let tmp = path.with_extension("tif.partial");
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        out.write_all(b"II*\0\0\0\0\0")?;
        let mut pos: u64 = 8;
        let mut levels = Vec::with_capacity(sizes.len());
        let mut done = 0.0;
        let mut halved;
        let mut current = image;
        for (i, &(w, h)) in sizes.iter().enumerate() {
            let mut level = Level::new(w, h);
            for tile in encode_level(current, &level)? {
                level.offsets.push(pos);
                level.counts.push(tile.len() as u32);
                out.write_all(&tile)?;
                pos += tile.len() as u64;
                if pos % 2 == 1 {
                    out.write_all(&[0])?;
                    pos += 1;
                }
            }
            done += f64::from(w) * f64::from(h);
            progress((done / total) as f32);
            levels.push(level);
            if i + 1 < sizes.len() {
                halved = current.halve();
                current = &halved;
            }
        }
        let first_ifd = write_ifds(&mut out, pos, &levels)?;
        let first_ifd = u32::try_from(first_ifd)
            .map_err(|_| PyramidError::Format("pyramid larger than 4 GiB".into()))?;
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(4))?;
        file.write_all(&first_ifd.to_le_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(sizes.clone())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Tiles a worker encoded: (index in the level, JPEG).
type Encoded = Vec<(usize, Vec<u8>)>;

/// The tiles of one level, in row order, encoded on every core.
fn encode_level(image: &Raster, level: &Level) -> Result<Vec<Vec<u8>>, PyramidError> {
    let n = (level.cols * level.rows) as usize;
    let workers = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1)
        .min(n);
    let chunks: Vec<Result<Encoded, PyramidError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|k| {
                s.spawn(move || {
                    let mut c = tile_compressor()?;
                    let mut out = Vec::new();
                    for i in (k..n).step_by(workers) {
                        let (col, row) = (i as u32 % level.cols, i as u32 / level.cols);
                        let tile = image.padded_tile(col * TILE, row * TILE, TILE, TILE);
                        out.push((i, encode_rgb(&mut c, &tile)?));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(PyramidError::Format("a tile encoder stopped".into())))
            })
            .collect()
    });
    let mut tiles = vec![Vec::new(); n];
    for chunk in chunks {
        for (i, t) in chunk? {
            tiles[i] = t;
        }
    }
    Ok(tiles)
}

fn tile_compressor() -> Result<Compressor, PyramidError> {
    let mut c = Compressor::new()?;
    c.set_quality(TILE_QUALITY)?;
    c.set_subsamp(Subsamp::Sub2x2)?;
    Ok(c)
}

/// JPEG of an RGB or grey raster.
pub fn encode_rgb(c: &mut Compressor, r: &Raster) -> Result<Vec<u8>, PyramidError> {
    let format = match r.channels {
        1 => PixelFormat::GRAY,
        3 => PixelFormat::RGB,
        _ => return Err(PyramidError::Format("JPEG takes grey or RGB".into())),
    };
    let image = Image {
        pixels: r.data.as_slice(),
        width: r.width as usize,
        pitch: r.stride(),
        height: r.height as usize,
        format,
    };
    Ok(c.compress_to_vec(image)?)
}

/// Tag numbers of the TIFF fields a pyramid carries.
mod tag {
    pub const NEW_SUBFILE_TYPE: u16 = 254;
    pub const IMAGE_WIDTH: u16 = 256;
    pub const IMAGE_LENGTH: u16 = 257;
    pub const BITS_PER_SAMPLE: u16 = 258;
    pub const COMPRESSION: u16 = 259;
    pub const PHOTOMETRIC: u16 = 262;
    pub const SAMPLES_PER_PIXEL: u16 = 277;
    pub const PLANAR_CONFIG: u16 = 284;
    pub const SOFTWARE: u16 = 305;
    pub const TILE_WIDTH: u16 = 322;
    pub const TILE_LENGTH: u16 = 323;
    pub const TILE_OFFSETS: u16 = 324;
    pub const TILE_BYTE_COUNTS: u16 = 325;
    pub const YCBCR_SUBSAMPLING: u16 = 530;
}

const SHORT: u16 = 3;
const LONG: u16 = 4;
const ASCII: u16 = 2;

/// Writes one IFD per level after the tile data; returns the offset of the first.
fn write_ifds(out: &mut impl Write, start: u64, levels: &[Level]) -> Result<u64, PyramidError> {
    let mut pos = start;
    let first = start;
    for (i, level) in levels.iter().enumerate() {
        let n = level.offsets.len() as u32;
        // (tag, type, count, inline value or out-of-line bytes)
        let mut entries: Vec<(u16, u16, u32, Vec<u8>)> = vec![
            (
                tag::NEW_SUBFILE_TYPE,
                LONG,
                1,
                u32::from(i > 0).to_le_bytes().to_vec(),
            ),
            (
                tag::IMAGE_WIDTH,
                LONG,
                1,
                level.width.to_le_bytes().to_vec(),
            ),
            (
                tag::IMAGE_LENGTH,
                LONG,
                1,
                level.height.to_le_bytes().to_vec(),
            ),
            (
                tag::BITS_PER_SAMPLE,
                SHORT,
                3,
                [8u16, 8, 8].iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
            (tag::COMPRESSION, SHORT, 1, 7u16.to_le_bytes().to_vec()),
            (tag::PHOTOMETRIC, SHORT, 1, 6u16.to_le_bytes().to_vec()),
            (
                tag::SAMPLES_PER_PIXEL,
                SHORT,
                1,
                3u16.to_le_bytes().to_vec(),
            ),
            (tag::PLANAR_CONFIG, SHORT, 1, 1u16.to_le_bytes().to_vec()),
            (tag::SOFTWARE, ASCII, 8, b"Vitrine\0".to_vec()),
            (tag::TILE_WIDTH, LONG, 1, TILE.to_le_bytes().to_vec()),
            (tag::TILE_LENGTH, LONG, 1, TILE.to_le_bytes().to_vec()),
            (
                tag::TILE_OFFSETS,
                LONG,
                n,
                level
                    .offsets
                    .iter()
                    .flat_map(|o| (*o as u32).to_le_bytes())
                    .collect(),
            ),
            (
                tag::TILE_BYTE_COUNTS,
                LONG,
                n,
                level.counts.iter().flat_map(|c| c.to_le_bytes()).collect(),
            ),
            (
                tag::YCBCR_SUBSAMPLING,
                SHORT,
                2,
                [2u16, 2].iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
        ];
        entries.sort_by_key(|e| e.0);
        if level.offsets.iter().any(|o| *o > u64::from(u32::MAX)) {
            return Err(PyramidError::Format("pyramid larger than 4 GiB".into()));
        }
        let ifd_len = 2 + entries.len() as u64 * 12 + 4;
        let mut extra = pos + ifd_len;
        let mut ifd = Vec::with_capacity(ifd_len as usize);
        let mut tail = Vec::new();
        ifd.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (t, ty, count, bytes) in &entries {
            ifd.extend_from_slice(&t.to_le_bytes());
            ifd.extend_from_slice(&ty.to_le_bytes());
            ifd.extend_from_slice(&count.to_le_bytes());
            if bytes.len() <= 4 {
                let mut v = [0u8; 4];
                v[..bytes.len()].copy_from_slice(bytes);
                ifd.extend_from_slice(&v);
            } else {
                ifd.extend_from_slice(&(extra as u32).to_le_bytes());
                tail.extend_from_slice(bytes);
                extra += bytes.len() as u64;
                if extra % 2 == 1 {
                    tail.push(0);
                    extra += 1;
                }
            }
        }
        let next = if i + 1 < levels.len() { extra } else { 0 };
        if next > u64::from(u32::MAX) {
            return Err(PyramidError::Format("pyramid larger than 4 GiB".into()));
        }
        ifd.extend_from_slice(&(next as u32).to_le_bytes());
        out.write_all(&ifd)?;
        out.write_all(&tail)?;
        pos = extra;
    }
    Ok(first)
}

/// An open pyramid: the file and where each tile lies, kept for the life of the server.
#[derive(Debug)]
pub struct Pyramid {
    file: File,
    /// Levels, largest first.
    pub levels: Vec<Level>,
}

impl Pyramid {
    /// Opens a pyramid and reads its directory.
    pub fn open(path: &Path) -> Result<Pyramid, PyramidError> {
        let file = File::open(path)?;
        let mut decoder = tiff::decoder::Decoder::new(io::BufReader::new(file.try_clone()?))
            .map_err(|e| PyramidError::Format(e.to_string()))?;
        let mut levels = Vec::new();
        loop {
            let read = |d: &mut tiff::decoder::Decoder<_>| -> Result<Level, tiff::TiffError> {
                let (w, h) = d.dimensions()?;
                let tw = d.get_tag_u32(tiff::tags::Tag::TileWidth)?;
                let th = d.get_tag_u32(tiff::tags::Tag::TileLength)?;
                let mut level = Level::new(w, h);
                if tw != TILE || th != TILE {
                    return Err(tiff::TiffError::FormatError(
                        tiff::TiffFormatError::InvalidTag,
                    ));
                }
                level.offsets = d.get_tag_u64_vec(tiff::tags::Tag::TileOffsets)?;
                level.counts = d.get_tag_u32_vec(tiff::tags::Tag::TileByteCounts)?;
                Ok(level)
            };
            let level = read(&mut decoder).map_err(|e| PyramidError::Format(e.to_string()))?;
            if level.offsets.len() != (level.cols * level.rows) as usize
                || level.counts.len() != level.offsets.len()
            {
                return Err(PyramidError::Format(
                    "tile table does not match the size".into(),
                ));
            }
            levels.push(level);
            if !decoder.more_images() {
                break;
            }
            decoder
                .next_image()
                .map_err(|e| PyramidError::Format(e.to_string()))?;
        }
        Ok(Pyramid { file, levels })
    }

    /// The stored JPEG of one tile (full 512 × 512, padded at the edges).
    pub fn tile(&self, level: usize, col: u32, row: u32) -> Result<Vec<u8>, PyramidError> {
        let l = self
            .levels
            .get(level)
            .ok_or_else(|| PyramidError::Format("no such level".into()))?;
        if col >= l.cols || row >= l.rows {
            return Err(PyramidError::Format("no such tile".into()));
        }
        let i = (row * l.cols + col) as usize;
        let mut buf = vec![0; l.counts[i] as usize];
        self.file.read_exact_at(&mut buf, l.offsets[i])?;
        Ok(buf)
    }

    /// Full-resolution width.
    pub fn width(&self) -> u32 {
        self.levels.first().map_or(0, |l| l.width)
    }

    /// Full-resolution height.
    pub fn height(&self) -> u32 {
        self.levels.first().map_or(0, |l| l.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn levels_halve_down_to_one_tile() {
        assert_eq!(level_sizes(8192, 8192).len(), 5);
        assert_eq!(level_sizes(1000, 1000), vec![(1000, 1000), (500, 500)]);
        assert_eq!(
            level_sizes(300, 2000),
            vec![(300, 2000), (150, 1000), (75, 500)]
        );
    }

    #[test]
    fn a_built_pyramid_opens_and_its_tiles_decode() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut img = Raster::new(1300, 700, 3);
        for (i, px) in img.data.chunks_exact_mut(3).enumerate() {
            let (x, y) = (i % 1300, i / 1300);
            px.copy_from_slice(&[(x / 6) as u8, (y / 3) as u8, 128]);
        }
        let path = dir.path().join("p.tif");
        let sizes = build(&img, &path, &|_| {})?;
        assert_eq!(sizes, vec![(1300, 700), (650, 350), (325, 175)]);
        let p = Pyramid::open(&path)?;
        assert_eq!(p.levels.len(), 3);
        assert_eq!((p.levels[0].cols, p.levels[0].rows), (3, 2));
        let jpeg = p.tile(0, 2, 1)?;
        let header = turbojpeg::read_header(&jpeg)?;
        assert_eq!((header.width, header.height), (512, 512));
        let decoded = turbojpeg::decompress(&p.tile(0, 0, 0)?, PixelFormat::RGB)?;
        // Pixel (300, 200) of the image: blue stays near 128, red near 50.
        let at = (200 * 512 + 300) * 3;
        assert!((i32::from(decoded.pixels[at]) - 50).abs() < 6);
        assert!((i32::from(decoded.pixels[at + 2]) - 128).abs() < 6);
        assert!(p.tile(0, 3, 0).is_err());
        assert!(!dir.path().join("p.tif.partial").exists());
        Ok(())
    }

    #[test]
    fn garbage_is_not_a_pyramid() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("x.tif");
        std::fs::write(&path, b"II*\0garbage")?;
        assert!(Pyramid::open(&path).is_err());
        Ok(())
    }
}
