//! Photographs for the demo museum, drawn here rather than downloaded: a glazed vessel on
//! a studio sweep for history, an ink landscape on paper for fine arts, a butterfly on a
//! dark ground for natural history. Each goes through the real media library (checked,
//! stored under its SHA-256, linked to its object, pyramid made), so the demo's object
//! pages, lists, search results and IIIF manifests show images like a real museum's.

use std::io::Write;

use vitrine_collections::Collections;
use vitrine_collections::model::Department;
use vitrine_collections::query::{ObjectQuery, Sort};
use vitrine_kernel::{Actor, LangText};
use vitrine_media::iiif::Format;
use vitrine_media::raster::Raster;
use vitrine_media::{Description, ImportOptions, Media, Source};

use super::rng::Rng;

/// Size of a demo photograph.
const WIDTH: u32 = 1600;
const HEIGHT: u32 = 1200;

/// Draws and takes in photographs of the first `count` public objects (by number).
pub async fn ensure(
    media: &Media,
    collections: &Collections,
    count: usize,
    seed: u64,
) -> anyhow::Result<usize> {
    if count == 0 {
        return Ok(0);
    }
    let sys = Actor::System("demo");
    // The objects the home page shows first, then the same number from each department,
    // so every kind of photograph appears.
    let recent = ObjectQuery {
        sort: Sort::UpdatedDesc,
        limit: count.min(12) as u64,
        ..Default::default()
    };
    let mut items = collections.list_public_objects(&recent).await?.items;
    let per = count.div_ceil(Department::ALL.len()).min(200) as u64;
    for dept in Department::ALL {
        let q = ObjectQuery {
            sort: Sort::NumberAsc,
            department: Some(*dept),
            limit: per,
            ..Default::default()
        };
        for o in collections.list_public_objects(&q).await?.items {
            if !items.iter().any(|x| x.id == o.id) {
                items.push(o);
            }
        }
    }
    items.truncate(count);
    let total = items.len();
    for (i, o) in items.iter().enumerate() {
        let mut rng = Rng::new(seed.wrapping_add(i as u64 * 7919));
        let dept = o.department;
        let title = o.title.get("zh-Hans").unwrap_or_default().to_owned();
        let bytes = tokio::task::spawn_blocking(move || {
            let r = draw(dept, &title, &mut rng);
            vitrine_media::render::encode(&r, Format::Jpg)
        })
        .await??;
        let tmp = media.temp_file()?;
        let (mut file, path) = tmp.into_parts();
        file.write_all(&bytes)?;
        drop(file);
        // Every fifth photograph is still in copyright: the public sees only a thumbnail.
        let rights = if i % 5 == 4 {
            "http://rightsstatements.org/vocab/InC/1.0/"
        } else {
            "http://creativecommons.org/publicdomain/zero/1.0/"
        };
        let mut credit = LangText::default();
        credit.set("zh-Hans", "岭南省博物馆摄影部");
        credit.set("en", "Photo: Lingnan Provincial Museum");
        let description = Description {
            caption: o.title.clone(),
            photographer: "陈摄 Chen She".into(),
            taken: "2024".into(),
            view: "front".into(),
            rights: rights.into(),
            credit,
            access: None,
        };
        let source = Source {
            path: path.to_path_buf(),
            name: format!("{}.jpg", o.object_number.replace(['/', ':'], "-")),
            consume: true,
        };
        let opts = ImportOptions {
            identifier: None,
            object: Some(o.id),
            description,
        };
        let ingested = media.ingest(&sys, source, opts).await;
        drop(path);
        media.derive(ingested?).await?;
        eprint!("\rphotographing the demo objects: {}/{total}", i + 1);
        std::io::stderr().flush().ok();
    }
    eprintln!();
    Ok(total)
}

/// One photograph of an object of a department; its Chinese title picks the glaze.
pub fn draw(dept: Department, title: &str, rng: &mut Rng) -> Raster {
    match dept {
        Department::FineArts => landscape(rng),
        Department::NaturalHistory => butterfly(rng),
        _ => vessel(title, rng),
    }
}

fn unit(rng: &mut Rng) -> f32 {
    (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

/// A cheap hash noise in 0..1, so every zoom level has grain to show.
fn grain(x: u32, y: u32, salt: u32) -> f32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ salt;
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    (h & 0xFFFF) as f32 / 65_535.0
}

fn put(r: &mut Raster, x: u32, y: u32, c: [f32; 3]) {
    let i = (y as usize * r.width as usize + x as usize) * 3;
    for (byte, v) in r.data[i..i + 3].iter_mut().zip(c) {
        *byte = v.clamp(0.0, 255.0) as u8;
    }
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// A turned vessel (vase, jar or bowl profile) lit from the left on a grey sweep.
fn vessel(title: &str, rng: &mut Rng) -> Raster {
    let (w, h) = (WIDTH, HEIGHT);
    let mut r = Raster::new(w, h, 3);
    let glazes: [[f32; 3]; 5] = [
        [150.0, 186.0, 160.0], // celadon
        [236.0, 238.0, 240.0], // blue-and-white ground
        [92.0, 118.0, 96.0],   // bronze patina
        [168.0, 62.0, 48.0],   // copper red
        [214.0, 190.0, 140.0], // ivory-glazed stoneware
    ];
    let has = |words: &[&str]| words.iter().any(|w| title.contains(w));
    let glaze = if has(&["青花"]) {
        glazes[1]
    } else if has(&["青釉", "青白", "龙泉", "越窑"]) {
        glazes[0]
    } else if has(&["铜", "鼎", "簋", "尊", "鼓", "爵"]) {
        glazes[2]
    } else if has(&["红", "钧"]) {
        glazes[3]
    } else if has(&["广彩", "粉彩", "白釉", "石湾"]) {
        glazes[4]
    } else {
        glazes[rng.below(glazes.len())]
    };
    let painted = glaze == glazes[1];
    let (a1, a2, ph) = (
        0.12 + 0.1 * unit(rng),
        0.05 * unit(rng),
        std::f32::consts::TAU * unit(rng),
    );
    let top = h as f32 * 0.12;
    let bottom = h as f32 * 0.9;
    let cx = w as f32 / 2.0;
    let base = w as f32 * (0.14 + 0.06 * unit(rng));
    for y in 0..h {
        let t = (y as f32 - top) / (bottom - top);
        // The profile: a shoulder, a neck and a foot, from a few sines.
        let radius = if (0.0..=1.0).contains(&t) {
            let body = (std::f32::consts::PI * t.powf(0.8)).sin();
            let neck = if t < 0.18 {
                0.45 + 0.55 * (t / 0.18)
            } else {
                1.0
            };
            base * (0.35 + body * (0.85 + a1 * (9.0 * t + ph).sin() + a2 * (23.0 * t).sin())) * neck
        } else {
            -1.0
        };
        let sweep = 118.0 + 60.0 * (y as f32 / h as f32);
        for x in 0..w {
            let dx = x as f32 - cx;
            let g = grain(x, y, 7) - 0.5;
            if radius > 0.0 && dx.abs() < radius {
                let u = dx / radius;
                let light = (1.0 - u * u).sqrt() * (0.75 - 0.25 * u) + 0.15;
                let mut c = [glaze[0] * light, glaze[1] * light, glaze[2] * light];
                if painted {
                    // Cobalt bands and scrolls around the body.
                    let ang = u.asin();
                    let band = ((t * 26.0).sin() * (ang * 5.0 + t * 12.0).cos()).abs();
                    if band > 0.72 || (t > 0.3 && t < 0.34) || (t > 0.78 && t < 0.8) {
                        c = mix(c, [38.0 * light, 62.0 * light, 142.0 * light], 0.85);
                    }
                }
                // A highlight and crackle in the glaze.
                let spec = (-((u + 0.45) * (u + 0.45)) * 60.0).exp() * 90.0;
                let crackle = if grain(x / 2, y / 2, 11) > 0.997 {
                    -25.0
                } else {
                    0.0
                };
                put(
                    &mut r,
                    x,
                    y,
                    [
                        c[0] + spec + crackle + g * 6.0,
                        c[1] + spec + crackle + g * 6.0,
                        c[2] + spec + crackle + g * 6.0,
                    ],
                );
            } else {
                // A soft shadow under the foot.
                let shadow = if y as f32 > bottom - 10.0 {
                    let d = dx.abs() / (base * 1.6);
                    (1.0 - d).max(0.0) * 40.0
                } else {
                    0.0
                };
                let v = sweep - shadow + g * 4.0;
                put(&mut r, x, y, [v, v, v + 4.0]);
            }
        }
    }
    r
}

/// Ink mountains in receding washes on old paper, with a red seal.
fn landscape(rng: &mut Rng) -> Raster {
    let (w, h) = (WIDTH, HEIGHT);
    let mut r = Raster::new(w, h, 3);
    let ridges: Vec<(f32, f32, f32, f32)> = (0..4)
        .map(|i| {
            (
                h as f32 * (0.35 + 0.12 * i as f32),
                40.0 + 60.0 * unit(rng),
                0.004 + 0.006 * unit(rng),
                std::f32::consts::TAU * unit(rng),
            )
        })
        .collect();
    let paper = [222.0, 208.0, 176.0];
    let seal_x = (w as f32 * (0.78 + 0.1 * unit(rng))) as u32;
    let seal_y = (h as f32 * 0.12) as u32;
    for x in 0..w {
        let xf = x as f32;
        let heights: Vec<f32> = ridges
            .iter()
            .map(|(base, amp, freq, ph)| {
                base - amp * ((xf * freq + ph).sin() + 0.5 * (xf * freq * 2.7 + ph * 1.3).sin())
                    - 0.3 * amp * (xf * freq * 7.1).sin()
            })
            .collect();
        for y in 0..h {
            let yf = y as f32;
            let fibre = grain(x, y / 2, 3) * 10.0 + grain(x / 4, y, 5) * 6.0;
            let age = 12.0 * ((xf / w as f32 - 0.5).powi(2) + (yf / h as f32 - 0.5).powi(2));
            let mut c = [
                paper[0] - fibre - age,
                paper[1] - fibre - age * 1.2,
                paper[2] - fibre - age * 1.6,
            ];
            for (i, top) in heights.iter().enumerate() {
                if yf > *top {
                    // Nearer ridges are darker; each wash fades downwards.
                    let depth = 0.25 + 0.18 * i as f32;
                    let fade = (1.0 - (yf - top) / (h as f32 * 0.35)).max(0.15);
                    let ink = depth * fade;
                    c = mix(c, [40.0, 38.0, 36.0], ink.min(0.9));
                }
            }
            if x >= seal_x && x < seal_x + 70 && y >= seal_y && y < seal_y + 70 {
                let edge = x < seal_x + 6 || x >= seal_x + 64 || y < seal_y + 6 || y >= seal_y + 64;
                let stroke = grain(x / 5, y / 5, 9) > 0.6;
                if edge || stroke {
                    c = mix(c, [178.0, 34.0, 30.0], 0.85);
                }
            }
            put(&mut r, x, y, c);
        }
    }
    r
}

/// A butterfly (Fay's curve) with eye spots, pinned on a dark board.
fn butterfly(rng: &mut Rng) -> Raster {
    let (w, h) = (WIDTH, HEIGHT);
    let mut r = Raster::new(w, h, 3);
    let palettes: [([f32; 3], [f32; 3]); 4] = [
        ([236.0, 146.0, 30.0], [40.0, 20.0, 10.0]),
        ([60.0, 120.0, 210.0], [12.0, 20.0, 50.0]),
        ([240.0, 220.0, 80.0], [30.0, 30.0, 20.0]),
        ([200.0, 60.0, 90.0], [30.0, 10.0, 20.0]),
    ];
    let (inner, outer) = palettes[rng.below(palettes.len())];
    let scale = h as f32 * (0.16 + 0.03 * unit(rng));
    let (cx, cy) = (w as f32 / 2.0, h as f32 * 0.55);
    for y in 0..h {
        for x in 0..w {
            let dx = (x as f32 - cx) / scale;
            let dy = (cy - y as f32) / scale;
            let rad = (dx * dx + dy * dy).sqrt();
            // Fay's butterfly: r(θ) = e^{sin θ} − 2 cos 4θ + sin⁵((2θ − π)/24), turned upright.
            let th = dx.atan2(dy) + std::f32::consts::FRAC_PI_2;
            let edge = th.sin().exp() - 2.0 * (4.0 * th).cos()
                + ((2.0 * th - std::f32::consts::PI) / 24.0).sin().powi(5);
            let g = grain(x, y, 13);
            let c = if rad < edge.abs() * 0.9 {
                let t = (rad / (edge.abs() * 0.9)).clamp(0.0, 1.0);
                let mut c = mix(inner, outer, t.powf(2.2));
                // Veins and scales.
                if ((th * 18.0).sin()).abs() < 0.04 {
                    c = mix(c, outer, 0.7);
                }
                let spot = ((dx.abs() - 1.6).powi(2) + (dy - 0.9).powi(2)).sqrt();
                if spot < 0.35 {
                    c = if spot < 0.18 {
                        [20.0, 20.0, 30.0]
                    } else {
                        [245.0, 240.0, 230.0]
                    };
                }
                [c[0] + g * 14.0, c[1] + g * 14.0, c[2] + g * 14.0]
            } else if dx.abs() < 0.12 && dy.abs() < 1.6 {
                [50.0 + g * 20.0, 40.0 + g * 15.0, 30.0]
            } else {
                let v = 32.0 + g * 8.0;
                [v, v + 2.0, v + 6.0]
            };
            put(&mut r, x, y, c);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_department_draws_a_full_frame_with_detail() {
        for dept in [
            Department::History,
            Department::FineArts,
            Department::NaturalHistory,
        ] {
            let r = draw(dept, "青花瓶", &mut Rng::new(3));
            assert_eq!((r.width, r.height, r.channels), (WIDTH, HEIGHT, 3));
            let distinct: std::collections::HashSet<&[u8]> = r.data.chunks(3).collect();
            assert!(
                distinct.len() > 1000,
                "{dept:?}: {} colours",
                distinct.len()
            );
        }
    }
}
