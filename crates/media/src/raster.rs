//! Plain 8-bit pixel buffers and the few whole-buffer operations the pyramid builder and
//! the renderer share: cutting a padded tile, halving, mirroring, right-angle turns,
//! grey and bitonal conversion.

/// Rows of interleaved 8-bit samples, `channels` per pixel (1 = grey, 3 = RGB, 4 = RGBA).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raster {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Samples per pixel.
    pub channels: u8,
    /// `width * height * channels` samples, row after row.
    pub data: Vec<u8>,
}

impl Raster {
    /// A buffer of zeros.
    pub fn new(width: u32, height: u32, channels: u8) -> Raster {
        Raster {
            width,
            height,
            channels,
            data: vec![0; width as usize * height as usize * usize::from(channels)],
        }
    }

    /// Bytes in one row.
    pub fn stride(&self) -> usize {
        self.width as usize * usize::from(self.channels)
    }

    /// Copies `w × h` pixels from `(x, y)` into a `tw × th` buffer, repeating the last
    /// column and row where the image ends, so an edge tile of a pyramid has no hard
    /// border for the JPEG coder to spend bits on.
    pub fn padded_tile(&self, x: u32, y: u32, tw: u32, th: u32) -> Raster {
        let c = usize::from(self.channels);
        let mut out = Raster::new(tw, th, self.channels);
        let w = tw.min(self.width - x) as usize;
        let h = th.min(self.height - y) as usize;
        let out_stride = out.stride();
        for row in 0..th as usize {
            let src_row = y as usize + row.min(h - 1);
            let src = &self.data[src_row * self.stride() + x as usize * c..][..w * c];
            let dst = &mut out.data[row * out_stride..][..out_stride];
            dst[..w * c].copy_from_slice(src);
            let last = &src[(w - 1) * c..w * c];
            for px in dst[w * c..].chunks_exact_mut(c) {
                px.copy_from_slice(last);
            }
        }
        out
    }

    /// Half the size (rounded up), each pixel the mean of the 2×2 block it covers.
    pub fn halve(&self) -> Raster {
        let c = usize::from(self.channels);
        let (w, h) = (self.width as usize, self.height as usize);
        let (hw, hh) = (w.div_ceil(2), h.div_ceil(2));
        let mut out = Raster::new(hw as u32, hh as u32, self.channels);
        let stride = self.stride();
        for oy in 0..hh {
            let r0 = &self.data[2 * oy * stride..][..stride];
            let r1 = if 2 * oy + 1 < h {
                &self.data[(2 * oy + 1) * stride..][..stride]
            } else {
                r0
            };
            let dst = &mut out.data[oy * hw * c..][..hw * c];
            for ox in 0..hw {
                let x0 = 2 * ox;
                let x1 = if x0 + 1 < w { x0 + 1 } else { x0 };
                for k in 0..c {
                    let sum = u16::from(r0[x0 * c + k])
                        + u16::from(r0[x1 * c + k])
                        + u16::from(r1[x0 * c + k])
                        + u16::from(r1[x1 * c + k]);
                    dst[ox * c + k] = ((sum + 2) / 4) as u8;
                }
            }
        }
        out
    }

    /// Mirrored left to right.
    pub fn mirrored(mut self) -> Raster {
        let c = usize::from(self.channels);
        let stride = self.stride();
        for row in self.data.chunks_exact_mut(stride) {
            let w = row.len() / c;
            for i in 0..w / 2 {
                for k in 0..c {
                    row.swap(i * c + k, (w - 1 - i) * c + k);
                }
            }
        }
        self
    }

    /// Turned clockwise by 90, 180 or 270 degrees.
    pub fn turned(self, degrees: u32) -> Raster {
        let c = usize::from(self.channels);
        let (w, h) = (self.width as usize, self.height as usize);
        match degrees % 360 {
            90 | 270 => {
                let mut out = Raster::new(self.height, self.width, self.channels);
                for y in 0..h {
                    for x in 0..w {
                        let (nx, ny) = if degrees % 360 == 90 {
                            (h - 1 - y, x)
                        } else {
                            (y, w - 1 - x)
                        };
                        let src = (y * w + x) * c;
                        let dst = (ny * h + nx) * c;
                        out.data[dst..dst + c].copy_from_slice(&self.data[src..src + c]);
                    }
                }
                out
            }
            180 => {
                let mut out = self;
                let n = out.data.len() / c;
                for i in 0..n / 2 {
                    for k in 0..c {
                        out.data.swap(i * c + k, (n - 1 - i) * c + k);
                    }
                }
                out
            }
            _ => self,
        }
    }

    /// Grey levels (Rec. 601 luma), one channel.
    pub fn gray(&self) -> Raster {
        if self.channels == 1 {
            return self.clone();
        }
        let c = usize::from(self.channels);
        let mut out = Raster::new(self.width, self.height, 1);
        for (dst, px) in out.data.iter_mut().zip(self.data.chunks_exact(c)) {
            let y = 299 * u32::from(px[0]) + 587 * u32::from(px[1]) + 114 * u32::from(px[2]);
            *dst = ((y + 500) / 1000) as u8;
        }
        out
    }

    /// Pure black and white, one channel.
    pub fn bitonal(&self) -> Raster {
        let mut out = self.gray();
        for v in &mut out.data {
            *v = if *v >= 128 { 255 } else { 0 };
        }
        out
    }

    /// Opaque RGB from any channel count (alpha composited over white).
    pub fn into_rgb(self) -> Raster {
        match self.channels {
            3 => self,
            1 => {
                let mut out = Raster::new(self.width, self.height, 3);
                for (dst, v) in out.data.chunks_exact_mut(3).zip(&self.data) {
                    dst.fill(*v);
                }
                out
            }
            _ => {
                let c = usize::from(self.channels);
                let mut out = Raster::new(self.width, self.height, 3);
                for (dst, px) in out.data.chunks_exact_mut(3).zip(self.data.chunks_exact(c)) {
                    let a = u32::from(px[c - 1]);
                    for k in 0..3 {
                        let v = if c == 2 { px[0] } else { px[k] };
                        dst[k] = ((u32::from(v) * a + 255 * (255 - a) + 127) / 255) as u8;
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: u32, h: u32) -> Raster {
        let mut r = Raster::new(w, h, 3);
        for (i, px) in r.data.chunks_exact_mut(3).enumerate() {
            px.copy_from_slice(&[(i % 256) as u8, (i / 256 % 256) as u8, 7]);
        }
        r
    }

    #[test]
    fn padding_repeats_the_last_pixel() {
        let r = ramp(3, 2);
        let t = r.padded_tile(1, 1, 4, 3);
        assert_eq!(t.width, 4);
        // Row 0 of the tile is row 1 of the image from x = 1: pixels 4, 5 then 5 repeated.
        assert_eq!(&t.data[..12], &[4, 0, 7, 5, 0, 7, 5, 0, 7, 5, 0, 7]);
        // Rows past the end repeat the last row.
        assert_eq!(t.data[12..24], t.data[..12]);
    }

    #[test]
    fn halving_rounds_up_and_averages() {
        let r = ramp(5, 3);
        let h = r.halve();
        assert_eq!((h.width, h.height), (3, 2));
        // Top-left block: pixels 0, 1, 5, 6 → mean 3.
        assert_eq!(h.data[0], 3);
        // Last column averages the single column 4 with itself (4 and 9 → 6.5 → 7).
        assert_eq!(h.data[6], 7);
    }

    #[test]
    fn turns_and_mirrors_move_pixels_where_they_belong() {
        let r = ramp(3, 2);
        let t = r.clone().turned(90);
        assert_eq!((t.width, t.height), (2, 3));
        // Clockwise: the bottom-left pixel (index 3) lands top-left.
        assert_eq!(t.data[0], 3);
        assert_eq!(r.clone().turned(90).turned(270), r);
        assert_eq!(r.clone().turned(180).turned(180), r);
        assert_eq!(r.clone().mirrored().data[0], 2);
        assert_eq!(r.clone().mirrored().mirrored(), r);
    }

    #[test]
    fn grey_bitonal_and_alpha() {
        let mut r = Raster::new(2, 1, 4);
        r.data.copy_from_slice(&[255, 0, 0, 255, 0, 0, 0, 0]);
        let rgb = r.into_rgb();
        assert_eq!(rgb.data, vec![255, 0, 0, 255, 255, 255]);
        let g = rgb.gray();
        assert_eq!(g.data, vec![76, 255]);
        assert_eq!(rgb.bitonal().data, vec![0, 255]);
    }
}
