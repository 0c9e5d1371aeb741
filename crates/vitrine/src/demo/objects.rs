//! Catalogue records of the demo museum, genre by genre.

use std::collections::HashMap;

use uuid::Uuid;
use vitrine_collections::model::{
    Confidential, Department, Dimension, DimensionKind, Inscription, Maker, Money, ObjectInput,
    ObjectStatus, Production, Specimen, Unit,
};
use vitrine_kernel::LangText;

use super::authorities::{Ids, year_en, year_zh};
use super::rng::Rng;
use super::vocab;

/// Genres with their share of the collection (weights add to 100).
const GENRES: [(&str, u32); 13] = [
    ("blue_white", 12),
    ("celadon", 8),
    ("shiwan", 8),
    ("export", 7),
    ("shipwreck", 9),
    ("bronze", 7),
    ("painting", 12),
    ("calligraphy", 5),
    ("inkstone", 5),
    ("woodcarving", 6),
    ("embroidery", 5),
    ("carving", 4),
    ("specimen", 12),
];

/// Makes records with unique object numbers.
pub struct Generator<'a> {
    ids: &'a Ids,
    serials: HashMap<(String, i32), u32>,
}

fn lt(zh: impl Into<String>, en: impl Into<String>) -> LangText {
    LangText::zh_en(zh, en)
}

fn dim(kind: DimensionKind, value: f64, unit: Unit) -> Dimension {
    Dimension {
        part: LangText::default(),
        kind,
        value,
        unit,
    }
}

impl<'a> Generator<'a> {
    /// A generator over the demo authorities.
    pub fn new(ids: &'a Ids) -> Self {
        Generator {
            ids,
            serials: HashMap::new(),
        }
    }

    fn number(&mut self, dept: Department, year: i32) -> String {
        let prefix = match dept {
            Department::History => "LNH",
            Department::FineArts => "LNA",
            Department::NaturalHistory => "LNN",
        };
        let n = self.serials.entry((prefix.to_owned(), year)).or_insert(0);
        *n += 1;
        format!("{prefix}-{year}-{n:05}")
    }

    fn pick_genre(rng: &mut Rng) -> &'static str {
        let mut r = rng.below(100) as u32;
        for (g, w) in GENRES {
            if r < w {
                return g;
            }
            r -= w;
        }
        "blue_white"
    }

    /// The next record.
    pub fn object(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let genre = Self::pick_genre(rng);
        let mut o = match genre {
            "blue_white" | "celadon" | "export" | "shipwreck" => self.ceramic(rng, genre),
            "shiwan" => self.shiwan(rng),
            "bronze" => self.bronze(rng),
            "painting" => self.painting(rng),
            "calligraphy" => self.calligraphy(rng),
            "inkstone" => self.inkstone(rng),
            "woodcarving" | "embroidery" => self.craft(rng, genre),
            "carving" => self.carving(rng),
            _ => self.specimen(rng),
        };
        let acquired = rng.range(1953, 2025) as i32;
        o.object_number = self.number(o.department, acquired);
        o.status = *rng.pick(&[
            ObjectStatus::InCollection,
            ObjectStatus::InCollection,
            ObjectStatus::InCollection,
            ObjectStatus::InCollection,
            ObjectStatus::InCollection,
            ObjectStatus::InCollection,
            ObjectStatus::InCollection,
            ObjectStatus::OnDisplay,
            ObjectStatus::OnDisplay,
            ObjectStatus::OnDisplay,
            ObjectStatus::OnDisplay,
            ObjectStatus::OnLoan,
            ObjectStatus::InConservation,
        ]);
        if rng.chance(0.01) {
            o.status = ObjectStatus::Deaccessioned;
        }
        o.public = o.status != ObjectStatus::Deaccessioned && rng.chance(0.6);
        o.current_location = Some(location(rng, ids, genre, o.status));
        o.classification_id = Some(if o.department == Department::NaturalHistory {
            ids.classifications[if rng.chance(0.05) { 4 } else { 5 }]
        } else {
            ids.classifications[[0, 1, 1, 2, 2, 2, 3, 3, 3, 3][rng.below(10)]]
        });
        let (donor_zh, donor_en) = *rng.pick(vocab::DONORS);
        if o.credit_line.is_empty() {
            o.credit_line = if rng.chance(0.5) {
                lt(
                    format!("{donor_zh}{acquired}年捐赠"),
                    format!("Gift of {donor_en}, {acquired}"),
                )
            } else {
                lt(format!("{acquired}年征集"), format!("Purchased {acquired}"))
            };
        }
        if rng.chance(0.3) {
            let base = if o.department == Department::NaturalHistory {
                2_000.0
            } else {
                50_000.0
            };
            let amount = (rng.measure(1.0, 200.0) * base).round();
            o.confidential = Some(Confidential {
                valuation: Some(Money {
                    amount,
                    currency: "CNY".into(),
                }),
                valuation_date: Some(format!(
                    "{}-{:02}-{:02}",
                    rng.range(2015, 2025),
                    rng.range(1, 12),
                    rng.range(1, 28)
                )),
                insurance_value: (o.status == ObjectStatus::OnLoan).then(|| Money {
                    amount: amount * 1.2,
                    currency: "CNY".into(),
                }),
                source_contact: o
                    .credit_line
                    .get("en")
                    .filter(|c| c.starts_with("Gift"))
                    .map(|_| format!("+86 20 8{:03} {:04}", rng.range(0, 999), rng.range(0, 9999))),
            });
        }
        if rng.chance(0.1) {
            o.storage_notes = Some(
                (*rng.pick(&[
                    "避光保存 / keep away from light",
                    "恒湿柜 / humidity-controlled cabinet",
                    "易碎，双人搬运 / fragile: two-person lift",
                    "附原装锦盒 / with original brocade box",
                ]))
                .to_string(),
            );
        }
        o
    }

    fn base(&self, dept: Department, collection: &str, title: LangText, name: Uuid) -> ObjectInput {
        ObjectInput {
            object_number: String::new(),
            object_name_id: Some(name),
            title,
            description: LangText::default(),
            department: dept,
            collection_id: Some(self.ids.collection(collection)),
            classification_id: None,
            material_ids: Vec::new(),
            technique_ids: Vec::new(),
            production: Production::default(),
            dimensions: Vec::new(),
            number_of_parts: 1,
            inscriptions: Vec::new(),
            credit_line: LangText::default(),
            status: ObjectStatus::InCollection,
            current_location: None,
            storage_notes: None,
            public: false,
            specimen: None,
            confidential: None,
        }
    }

    /// A period (or a reign within it) as date display, years and period id.
    fn dated(&self, rng: &mut Rng, period_zh: &str, with_reign: bool) -> Production {
        let (pid, pz, pe, a, b) = self.ids.period(period_zh);
        let reign = vocab::REIGNS
            .iter()
            .filter(|r| r.3 >= a && r.4 <= b)
            .collect::<Vec<_>>();
        if with_reign && !reign.is_empty() && rng.chance(0.6) {
            let (rz, re, _, ra, rb) = **rng.pick(&reign);
            return Production {
                period_id: Some(pid),
                date_display: lt(rz, format!("{re} ({ra}–{rb})")),
                earliest_year: Some(ra),
                latest_year: Some(rb),
                ..Default::default()
            };
        }
        Production {
            period_id: Some(pid),
            date_display: lt(pz, pe),
            earliest_year: Some(a),
            latest_year: Some(b),
            ..Default::default()
        }
    }

    fn ceramic(&mut self, rng: &mut Rng, genre: &str) -> ObjectInput {
        let ids = self.ids;
        let names = ids.names_of("ceramics");
        let (nz, ne, nid) = *rng.pick(&names);
        let (mz, me) = *rng.pick(vocab::MOTIFS);
        let (title, period, technique, place, kiln): (LangText, &str, &str, &str, usize) =
            match genre {
                "blue_white" => (
                    lt(format!("青花{mz}{nz}"), format!("Blue-and-white {ne} {me}")),
                    *rng.pick(&["元", "明", "明", "清", "清"]),
                    "青花",
                    "景德镇",
                    1,
                ),
                "celadon" => (
                    lt(
                        format!("龙泉窑青釉{mz}{nz}"),
                        format!("Longquan celadon {ne} {me}"),
                    ),
                    *rng.pick(&["北宋", "南宋", "元", "明"]),
                    "青釉",
                    "龙泉",
                    0,
                ),
                "export" => (
                    lt(
                        format!("广彩{mz}{nz}"),
                        format!("Canton-enamelled {ne} {me}"),
                    ),
                    "清",
                    "广彩",
                    "广州",
                    3,
                ),
                _ => (
                    lt(
                        format!("南海沉船出水青白釉{nz}"),
                        format!("Qingbai-glazed {ne} recovered from a Song-dynasty shipwreck"),
                    ),
                    "南宋",
                    "青釉",
                    "南海",
                    1,
                ),
            };
        let mut o = self.base(Department::History, "ceramics", title, nid);
        o.production = self.dated(rng, period, genre == "blue_white");
        o.production.place_id = Some(ids.place(place));
        o.production.makers.push(Maker {
            agent_id: ids.kilns[kiln].2,
            role: "kiln".into(),
        });
        o.material_ids = vec![ids.material("瓷")];
        o.technique_ids = vec![ids.technique(technique)];
        let h = rng.measure(6.0, 48.0);
        o.dimensions = vec![
            dim(DimensionKind::Height, h, Unit::Cm),
            dim(
                DimensionKind::MouthDiameter,
                rng.measure(h * 0.2, h * 0.8),
                Unit::Cm,
            ),
            dim(
                DimensionKind::BaseDiameter,
                rng.measure(h * 0.2, h * 0.5),
                Unit::Cm,
            ),
        ];
        if genre == "blue_white"
            && o.production
                .date_display
                .get("zh-Hans")
                .is_some_and(|d| d.len() > 3)
        {
            let mark = vocab::REIGNS
                .iter()
                .find(|r| Some(r.0) == o.production.date_display.get("zh-Hans"))
                .map(|r| r.2)
                .unwrap_or("");
            o.inscriptions.push(Inscription {
                kind: "mark".into(),
                position: lt("底部", "base"),
                text: mark.into(),
                transcription: mark.into(),
                translation: lt(
                    "",
                    format!(
                        "Made in the {} reign of the great dynasty",
                        o.production.date_display.get("en").unwrap_or("")
                    ),
                )
                .normalized(),
            });
        }
        if genre == "shipwreck" {
            o.credit_line = lt(
                "南海沉船水下考古发掘出水",
                "Recovered by underwater archaeological excavation of a Song-dynasty shipwreck",
            );
        }
        o.description = lt(
            format!(
                "{}，{}。{}烧造，高{}厘米。",
                o.title.get("zh-Hans").unwrap_or(""),
                o.production.date_display.get("zh-Hans").unwrap_or(""),
                place,
                h
            ),
            format!(
                "{}, {}. Made at {}; {} cm high.",
                o.title.get("en").unwrap_or(""),
                o.production.date_display.get("en").unwrap_or(""),
                vocab::PLACES
                    .iter()
                    .find(|p| p.0 == place)
                    .map(|p| p.1)
                    .unwrap_or(""),
                h
            ),
        );
        o
    }

    fn shiwan(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let figures = [
            ("渔翁", "Fisherman"),
            ("达摩", "Bodhidharma"),
            ("寿星", "God of Longevity"),
            ("醉八仙", "Drunken immortal"),
            ("罗汉", "Arhat"),
            ("布袋和尚", "Budai"),
        ];
        let (fz, fe) = *rng.pick(&figures);
        let (_, _, nid) = ids.names_of("figure")[0];
        let mut o = self.base(
            Department::History,
            "ceramics",
            lt(
                format!("石湾窑仿钧釉{fz}塑像"),
                format!("{fe}, Shiwan ware figure with imitation Jun glaze"),
            ),
            nid,
        );
        o.production = {
            let p = *rng.pick(&["明", "清", "清", "民国"]);
            self.dated(rng, p, false)
        };
        o.production.place_id = Some(ids.place("石湾"));
        let potters = ids.people_of("potter");
        let (pz, pe, pid) = rng.pick(&potters).clone();
        o.production.makers = vec![
            Maker {
                agent_id: pid,
                role: "potter".into(),
            },
            Maker {
                agent_id: ids.kilns[2].2,
                role: "kiln".into(),
            },
        ];
        o.material_ids = vec![ids.material("陶")];
        o.technique_ids = vec![ids.technique("仿钧釉"), ids.technique("雕塑")];
        o.dimensions = vec![dim(
            DimensionKind::Height,
            rng.measure(12.0, 60.0),
            Unit::Cm,
        )];
        o.inscriptions.push(Inscription {
            kind: "seal".into(),
            position: lt("背部", "back"),
            text: format!("{pz}制"),
            transcription: format!("{pz}制"),
            translation: lt("", format!("Made by {pe}")).normalized(),
        });
        o.description = lt(
            format!("石湾陶塑{fz}，{pz}制作。"),
            format!(
                "Shiwan ceramic figure of {}, made by {pe}.",
                fe.to_lowercase()
            ),
        );
        o
    }

    fn bronze(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let names = ids.names_of("bronzes");
        let (nz, ne, nid) = *rng.pick(&names);
        let motifs = [
            ("兽面纹", "with taotie masks"),
            ("夔龙纹", "with kui dragons"),
            ("云雷纹", "with cloud-and-thunder pattern"),
            ("蟠螭纹", "with interlaced serpents"),
            ("", ""),
        ];
        let (mz, me) = *rng.pick(&motifs);
        let mut o = self.base(
            Department::History,
            "bronzes",
            lt(
                format!("{mz}{nz}"),
                format!("{} {me}", capital(ne)).trim().to_owned(),
            ),
            nid,
        );
        let period = if nz == "铜鼓" {
            *rng.pick(&["西汉", "东汉", "南朝"])
        } else {
            *rng.pick(&["商", "西周", "春秋", "战国", "西汉"])
        };
        o.production = self.dated(rng, period, false);
        o.production.place_id = Some(ids.place(if nz == "铜鼓" {
            "广西"
        } else {
            "广东省"
        }));
        o.material_ids = vec![ids.material("青铜")];
        o.technique_ids = vec![ids.technique(if rng.chance(0.8) {
            "范铸"
        } else {
            "失蜡法"
        })];
        o.dimensions = vec![
            dim(DimensionKind::Height, rng.measure(8.0, 70.0), Unit::Cm),
            dim(DimensionKind::Weight, rng.measure(0.3, 40.0), Unit::Kg),
        ];
        o.description = lt(
            format!(
                "{}青铜{}，出土于岭南。",
                o.production.date_display.get("zh-Hans").unwrap_or(""),
                nz
            ),
            format!(
                "Bronze {ne} of the {}, excavated in Lingnan.",
                o.production.date_display.get("en").unwrap_or("")
            ),
        );
        o
    }

    fn painter_date(&self, rng: &mut Rng, born: i32) -> Production {
        let y = (born + rng.range(25, 60) as i32).min(1949);
        let period = if y >= 1912 { "民国" } else { "清" };
        let (pid, ..) = self.ids.period(period);
        Production {
            period_id: Some(pid),
            date_display: lt(format!("{y}年"), y.to_string()),
            earliest_year: Some(y),
            latest_year: Some(y),
            ..Default::default()
        }
    }

    fn painting(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let painters = ids.people_of("painter");
        let (pz, pe, pid) = rng.pick(&painters).clone();
        let (sz, se) = *rng.pick(vocab::SUBJECTS);
        let (_, _, nid) = ids.names_of("painting")[0];
        let mut o = self.base(
            Department::FineArts,
            "painting",
            lt(
                format!("{pz}《{sz}》图轴"),
                format!("{se}, hanging scroll by {pe}"),
            ),
            nid,
        );
        let born = 1860 + rng.below(60) as i32;
        o.production = self.painter_date(rng, born);
        o.production.makers = vec![Maker {
            agent_id: pid,
            role: "painter".into(),
        }];
        o.production.place_id = Some(ids.place("广州"));
        o.material_ids = vec![ids.material("纸"), ids.material("墨"), ids.material("设色")];
        o.technique_ids = vec![ids.technique("水墨"), ids.technique("撞水撞粉")];
        o.dimensions = vec![
            dim(DimensionKind::Height, rng.measure(60.0, 180.0), Unit::Cm),
            dim(DimensionKind::Width, rng.measure(30.0, 90.0), Unit::Cm),
        ];
        let y = o.production.earliest_year.unwrap_or(1930);
        o.inscriptions = vec![
            Inscription {
                kind: "signature".into(),
                position: lt("右上", "upper right"),
                text: format!("{sz}。{pz}写于{}", year_zh(y)),
                transcription: String::new(),
                translation: lt("", format!("{se}. Painted by {pe} in {}", year_en(y)))
                    .normalized(),
            },
            Inscription {
                kind: "seal".into(),
                position: lt("款下", "below the signature"),
                text: format!("{pz}之印"),
                transcription: String::new(),
                translation: lt("", format!("Seal of {pe}")).normalized(),
            },
        ];
        o.description = lt(
            format!("岭南画派风格，{pz}作{sz}，撞水撞粉，设色明丽。"),
            format!(
                "{se} in the Lingnan school manner by {pe}, with splashed water and powder and bright colours."
            ),
        );
        o
    }

    fn calligraphy(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let people = ids.people_of("calligrapher");
        let (pz, pe, pid) = rng.pick(&people).clone();
        let scripts = [
            ("行书", "running script"),
            ("楷书", "regular script"),
            ("隶书", "clerical script"),
            ("草书", "cursive script"),
        ];
        let (sz, se) = *rng.pick(&scripts);
        let (fz, fe) = *rng.pick(vocab::CALLIGRAPHY);
        let (_, _, nid) = ids.names_of("calligraphy")[0];
        let mut o = self.base(
            Department::FineArts,
            "painting",
            lt(
                format!("{pz}{sz}{fz}"),
                format!("{} in {se} by {pe}", capital(fe)),
            ),
            nid,
        );
        o.production = {
            let born = 1820 + rng.below(90) as i32;
            self.painter_date(rng, born)
        };
        o.production.makers = vec![Maker {
            agent_id: pid,
            role: "calligrapher".into(),
        }];
        o.material_ids = vec![ids.material("纸"), ids.material("墨")];
        o.technique_ids = vec![ids.technique(sz)];
        o.dimensions = vec![
            dim(DimensionKind::Height, rng.measure(25.0, 200.0), Unit::Cm),
            dim(DimensionKind::Width, rng.measure(20.0, 60.0), Unit::Cm),
        ];
        o.number_of_parts = if fz == "对联" {
            2
        } else if fz == "册页" {
            rng.range(4, 12) as i32
        } else {
            1
        };
        o.inscriptions = vec![Inscription {
            kind: "seal".into(),
            position: lt("左下", "lower left"),
            text: pz.clone(),
            transcription: String::new(),
            translation: lt("", pe.clone()).normalized(),
        }];
        o
    }

    fn inkstone(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let forms = [
            ("云龙", "cloud-and-dragon"),
            ("荷叶", "lotus-leaf"),
            ("蕉叶", "banana-leaf"),
            ("竹节", "bamboo-node"),
            ("门字", "men-shaped"),
            ("鹅形", "goose-shaped"),
        ];
        let (fz, fe) = *rng.pick(&forms);
        let (_, _, nid) = ids.names_of("studio")[0];
        let mut o = self.base(
            Department::FineArts,
            "studio",
            lt(format!("端石{fz}砚"), format!("Duan {fe} inkstone")),
            nid,
        );
        o.production = {
            let p = *rng.pick(&["北宋", "南宋", "明", "清", "清"]);
            self.dated(rng, p, false)
        };
        o.production.place_id = Some(ids.place("端溪"));
        o.material_ids = vec![ids.material("端石")];
        o.technique_ids = vec![ids.technique("砚雕")];
        o.dimensions = vec![
            dim(DimensionKind::Length, rng.measure(10.0, 35.0), Unit::Cm),
            dim(DimensionKind::Width, rng.measure(7.0, 22.0), Unit::Cm),
            dim(DimensionKind::Thickness, rng.measure(1.5, 6.0), Unit::Cm),
        ];
        o.description = lt(
            format!("肇庆端溪石料，{fz}式，石品有鱼脑冻、蕉叶白。"),
            format!(
                "{} inkstone of Duanxi stone from Zhaoqing, showing 'fish-brain' and 'banana-leaf white' markings.",
                capital(fe)
            ),
        );
        o
    }

    fn craft(&mut self, rng: &mut Rng, genre: &str) -> ObjectInput {
        let ids = self.ids;
        let names = ids.names_of(genre);
        let (nz, ne, nid) = *rng.pick(&names);
        let subjects = [
            ("郭子仪祝寿", "birthday of Guo Ziyi"),
            ("三国故事", "scenes from the Three Kingdoms"),
            ("蟹篓", "crabs in a basket"),
            ("百鸟朝凤", "birds paying homage to the phoenix"),
            ("花开富贵", "peonies of wealth and honour"),
        ];
        let (sz, se) = *rng.pick(&subjects);
        let mut o = if genre == "woodcarving" {
            let mut o = self.base(
                Department::FineArts,
                "woodcarving",
                lt(
                    format!("潮州木雕金漆{sz}{nz}"),
                    format!("Chaozhou gilt-lacquer {ne}: {se}"),
                ),
                nid,
            );
            o.production.place_id = Some(ids.place("潮州"));
            o.material_ids = vec![ids.material("木"), ids.material("金漆")];
            o.technique_ids = vec![ids.technique("通雕"), ids.technique("贴金")];
            let carvers = ids.people_of("carver");
            let (_, _, cid) = rng.pick(&carvers).clone();
            o.production.makers = vec![
                Maker {
                    agent_id: cid,
                    role: "carver".into(),
                },
                Maker {
                    agent_id: ids.kilns[4].2,
                    role: "workshop".into(),
                },
            ];
            o
        } else {
            let mut o = self.base(
                Department::FineArts,
                "embroidery",
                lt(
                    format!("广绣{sz}{nz}"),
                    format!("Canton embroidery {ne}: {se}"),
                ),
                nid,
            );
            o.production.place_id = Some(ids.place("广州"));
            o.material_ids = vec![
                ids.material("绢"),
                ids.material("丝线"),
                ids.material("金线"),
            ];
            o.technique_ids = vec![ids.technique("平绣"), ids.technique("钉金绣")];
            let hands = ids.people_of("embroiderer");
            let (_, _, eid) = rng.pick(&hands).clone();
            o.production.makers = vec![Maker {
                agent_id: eid,
                role: "embroiderer".into(),
            }];
            o
        };
        let place = o.production.place_id;
        let makers = std::mem::take(&mut o.production.makers);
        o.production = {
            let p = *rng.pick(&["清", "清", "民国"]);
            self.dated(rng, p, false)
        };
        o.production.place_id = place;
        o.production.makers = makers;
        o.dimensions = vec![
            dim(DimensionKind::Height, rng.measure(30.0, 220.0), Unit::Cm),
            dim(DimensionKind::Width, rng.measure(20.0, 150.0), Unit::Cm),
        ];
        o
    }

    fn carving(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let names = ids.names_of("carving");
        let (nz, ne, nid) = *rng.pick(&names);
        let ivory = nz.contains('牙') || nz == "摆件";
        let title = if ivory {
            lt(format!("象牙雕{nz}"), format!("Carved ivory {ne}"))
        } else {
            lt(nz, format!("Jade {ne}"))
        };
        let mut o = self.base(Department::FineArts, "carving", title, nid);
        o.production = if ivory {
            self.dated(rng, "清", false)
        } else {
            {
                let p = *rng.pick(&["新石器时代", "西周", "西汉", "清"]);
                self.dated(rng, p, false)
            }
        };
        o.production.place_id = Some(ids.place(if ivory { "广州" } else { "广东省" }));
        o.material_ids = vec![ids.material(if ivory { "象牙" } else { "玉" })];
        o.technique_ids = vec![ids.technique(if ivory { "镂雕" } else { "浮雕" })];
        o.dimensions = vec![dim(DimensionKind::Height, rng.measure(3.0, 30.0), Unit::Cm)];
        o
    }

    fn specimen(&mut self, rng: &mut Rng) -> ObjectInput {
        let ids = self.ids;
        let names = ids.names_of("specimen");
        let collectors = ids.people_of("collector");
        let (_, _, collector) = rng.pick(&collectors).clone();
        let y = rng.range(1935, 2024);
        let date = format!("{y}-{:02}-{:02}", rng.range(1, 12), rng.range(1, 28));
        let places = ["韶关", "梅州", "河源", "湛江", "肇庆", "云南省", "海南省"];
        let pz = *rng.pick(&places);
        let pe = vocab::PLACES
            .iter()
            .find(|p| p.0 == pz)
            .map(|p| p.1)
            .unwrap_or("");
        let kind = rng.below(4);
        let (o, sci, rank) = match kind {
            0 => {
                let (n, z, e) = *rng.pick(vocab::MINERALS);
                let mut o = self.base(
                    Department::NaturalHistory,
                    "minerals",
                    lt(
                        format!("{z}晶簇"),
                        format!("{} crystal cluster", capital(e)),
                    ),
                    names[0].2,
                );
                o.material_ids = vec![ids.material("矿物")];
                o.dimensions = vec![
                    dim(DimensionKind::Length, rng.measure(3.0, 40.0), Unit::Cm),
                    dim(DimensionKind::Weight, rng.measure(20.0, 4000.0), Unit::G),
                ];
                (o, n, "mineral species")
            }
            1 => {
                let (n, z, e, p) = *rng.pick(vocab::FOSSILS);
                let mut o = self.base(
                    Department::NaturalHistory,
                    "fossils",
                    lt(format!("{z}化石"), format!("{} fossil", capital(e))),
                    names[1].2,
                );
                let (pid, pz2, pe2, a, b) = ids.period(vocab::PERIODS[p].0);
                o.production = Production {
                    period_id: Some(pid),
                    date_display: lt(pz2, pe2),
                    earliest_year: Some(a),
                    latest_year: Some(b),
                    ..Default::default()
                };
                o.material_ids = vec![ids.material("化石")];
                o.dimensions = vec![dim(DimensionKind::Length, rng.measure(4.0, 60.0), Unit::Cm)];
                (
                    o,
                    n,
                    if n.contains("egg") {
                        "oofamily"
                    } else {
                        "genus"
                    },
                )
            }
            2 => {
                let (n, z, e) = *rng.pick(vocab::INSECTS);
                let mut o = self.base(
                    Department::NaturalHistory,
                    "insects",
                    lt(format!("{z}标本"), format!("{} specimen", capital(e))),
                    names[2].2,
                );
                o.material_ids = vec![ids.material("昆虫标本")];
                o.technique_ids = vec![ids.technique("展翅")];
                o.dimensions = vec![dim(DimensionKind::Width, rng.measure(3.0, 25.0), Unit::Cm)];
                (o, n, "species")
            }
            _ => {
                let (n, z, e) = *rng.pick(vocab::PLANTS);
                let mut o = self.base(
                    Department::NaturalHistory,
                    "plants",
                    lt(format!("{z}腊叶标本"), format!("Herbarium specimen of {e}")),
                    names[3].2,
                );
                o.material_ids = vec![ids.material("植物标本")];
                o.technique_ids = vec![ids.technique("压制")];
                o.dimensions = vec![
                    dim(DimensionKind::Height, 42.0, Unit::Cm),
                    dim(DimensionKind::Width, 29.0, Unit::Cm),
                ];
                (o, n, "species")
            }
        };
        let mut o = o;
        o.specimen = Some(Specimen {
            scientific_name: sci.into(),
            rank: rank.into(),
            locality: lt(format!("{pz}山区"), format!("hills of {pe}")),
            collector_id: Some(collector),
            collecting_date: Some(date),
        });
        o.production.place_id.get_or_insert(ids.place(pz));
        o.description = lt(format!("采集于{pz}。"), format!("Collected in {pe}."));
        o
    }
}

/// Where an object of a genre and status is kept: its gallery when on display, its store
/// otherwise, the studio when in conservation, the borrower when on loan.
fn location(rng: &mut Rng, ids: &Ids, genre: &str, status: ObjectStatus) -> String {
    let (gallery, store) = match genre {
        "shipwreck" => ("南海沉船馆", "陶瓷库"),
        "blue_white" | "celadon" | "shiwan" | "export" => ("陶瓷馆", "陶瓷库"),
        "bronze" => ("青铜馆", "金属库"),
        "painting" | "calligraphy" => ("书画馆", "书画库"),
        "inkstone" => ("端砚馆", "杂项库"),
        "woodcarving" => ("潮州木雕馆", "木器库"),
        "embroidery" => ("粤绣馆", "纺织品库"),
        "carving" => ("陶瓷馆", "杂项库"),
        _ => ("自然馆", "标本库"),
    };
    match status {
        ObjectStatus::OnLoan => {
            let (b, e) = *rng.pick(&[
                ("香港文化博物馆", "Hong Kong Heritage Museum"),
                ("澳门博物馆", "Macao Museum"),
                ("深圳博物馆", "Shenzhen Museum"),
                ("故宫博物院", "the Palace Museum"),
            ]);
            format!("借展：{b} / on loan to {e}")
        }
        ObjectStatus::InConservation => "文物保护修复中心 / Conservation studio".into(),
        _ => {
            let place = if status == ObjectStatus::OnDisplay {
                gallery
            } else {
                store
            };
            let fitting: Vec<&String> =
                ids.spaces.iter().filter(|s| s.starts_with(place)).collect();
            if fitting.is_empty() {
                rng.pick(&ids.spaces).clone()
            } else {
                (*rng.pick(&fitting)).clone()
            }
        }
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
