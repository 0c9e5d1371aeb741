//! The demo museum's authorities, with their ids kept by role so objects can point at them.

use uuid::Uuid;
use vitrine_collections::authority::{AuthorityInput, Kind};
use vitrine_kernel::LangText;
use vitrine_kernel::ids::new_id;

use super::rng::Rng;
use super::vocab::{self, Pair};

/// An authority to create.
pub type Item = (Uuid, Kind, AuthorityInput);

/// Object names by genre code: (zh, en).
pub const OBJECT_NAMES: &[(&str, &[Pair])] = &[
    (
        "ceramics",
        &[
            ("瓶", "vase"),
            ("梅瓶", "meiping vase"),
            ("玉壶春瓶", "pear-shaped vase"),
            ("碗", "bowl"),
            ("盘", "dish"),
            ("罐", "jar"),
            ("盖罐", "covered jar"),
            ("炉", "censer"),
            ("执壶", "ewer"),
            ("杯", "cup"),
            ("碟", "saucer"),
        ],
    ),
    ("figure", &[("塑像", "figure")]),
    (
        "bronzes",
        &[
            ("鼎", "ding cauldron"),
            ("簋", "gui food vessel"),
            ("尊", "zun wine vessel"),
            ("爵", "jue wine cup"),
            ("编钟", "chime bell"),
            ("剑", "sword"),
            ("镜", "mirror"),
            ("铜鼓", "bronze drum"),
        ],
    ),
    ("painting", &[("画轴", "hanging scroll")]),
    ("calligraphy", &[("书法", "calligraphy")]),
    ("studio", &[("砚", "inkstone")]),
    (
        "woodcarving",
        &[
            ("挂屏", "hanging panel"),
            ("神龛", "shrine"),
            ("花篮", "flower basket"),
            ("屏风", "screen"),
        ],
    ),
    (
        "embroidery",
        &[
            ("挂幛", "wall hanging"),
            ("戏服", "opera costume"),
            ("绣屏", "embroidered screen"),
        ],
    ),
    (
        "carving",
        &[
            ("象牙球", "ivory concentric ball"),
            ("玉璧", "bi disc"),
            ("玉琮", "cong tube"),
            ("玉佩", "pendant"),
            ("摆件", "table ornament"),
        ],
    ),
    (
        "specimen",
        &[
            ("矿物标本", "mineral specimen"),
            ("化石标本", "fossil"),
            ("昆虫标本", "insect specimen"),
            ("植物标本", "herbarium specimen"),
        ],
    ),
];

/// Ids of everything the objects refer to.
#[derive(Default)]
pub struct Ids {
    pub periods: Vec<Uuid>,
    pub places: Vec<Uuid>,
    pub materials: Vec<Uuid>,
    pub techniques: Vec<Uuid>,
    pub collections: Vec<Uuid>,
    pub classifications: Vec<Uuid>,
    /// Object names: genre, zh, en, id.
    pub names: Vec<(&'static str, &'static str, &'static str, Uuid)>,
    /// People by role: role code, zh name, en name, id.
    pub people: Vec<(&'static str, String, String, Uuid)>,
    /// Kilns and workshops: zh, en, id.
    pub kilns: Vec<(&'static str, &'static str, Uuid)>,
    /// Places where objects are kept: display text.
    pub spaces: Vec<String>,
}

impl Ids {
    /// Index of a material by its Chinese label.
    pub fn material(&self, zh: &str) -> Uuid {
        vocab::MATERIALS
            .iter()
            .position(|(z, _)| *z == zh)
            .map(|i| self.materials[i])
            .unwrap_or(self.materials[0])
    }
    /// Index of a technique by its Chinese label.
    pub fn technique(&self, zh: &str) -> Uuid {
        vocab::TECHNIQUES
            .iter()
            .position(|(z, _)| *z == zh)
            .map(|i| self.techniques[i])
            .unwrap_or(self.techniques[0])
    }
    /// A collection by code.
    pub fn collection(&self, code: &str) -> Uuid {
        vocab::COLLECTIONS
            .iter()
            .position(|(c, ..)| *c == code)
            .map(|i| self.collections[i])
            .unwrap_or(self.collections[0])
    }
    /// A place by Chinese name.
    pub fn place(&self, zh: &str) -> Uuid {
        vocab::PLACES
            .iter()
            .position(|(z, ..)| *z == zh)
            .map(|i| self.places[i])
            .unwrap_or(self.places[0])
    }
    /// A period by Chinese name.
    pub fn period(&self, zh: &str) -> (Uuid, &'static str, &'static str, i32, i32) {
        let i = vocab::PERIODS
            .iter()
            .position(|(z, ..)| *z == zh)
            .unwrap_or(0);
        let (z, e, a, b) = vocab::PERIODS[i];
        (self.periods[i], z, e, a, b)
    }
    /// The object names of a genre.
    pub fn names_of(&self, genre: &str) -> Vec<(&'static str, &'static str, Uuid)> {
        self.names
            .iter()
            .filter(|(g, ..)| *g == genre)
            .map(|(_, z, e, id)| (*z, *e, *id))
            .collect()
    }
    /// People of a role.
    pub fn people_of(&self, role: &str) -> Vec<(String, String, Uuid)> {
        self.people
            .iter()
            .filter(|(r, ..)| *r == role)
            .map(|(_, z, e, id)| (z.clone(), e.clone(), *id))
            .collect()
    }
}

fn term(vocabulary: &str, zh: &str, en: &str) -> AuthorityInput {
    AuthorityInput {
        vocabulary: vocabulary.into(),
        label: LangText::zh_en(zh, en),
        ..Default::default()
    }
}

/// Builds every authority of the demo museum.
pub fn build(rng: &mut Rng) -> (Vec<Item>, Ids) {
    let mut items: Vec<Item> = Vec::new();
    let mut ids = Ids::default();
    let push = |items: &mut Vec<Item>, kind: Kind, a: AuthorityInput| {
        let id = new_id();
        items.push((id, kind, a));
        id
    };
    for (zh, en, a, b) in vocab::PERIODS {
        let mut t = term("period", zh, en);
        t.note = LangText::zh_en(
            format!("约{}至{}", year_zh(*a), year_zh(*b)),
            format!("c. {} to {}", year_en(*a), year_en(*b)),
        );
        ids.periods.push(push(&mut items, Kind::Term, t));
    }
    for (zh, en, kind, parent, lat, lon) in vocab::PLACES {
        let mut p = term(kind, zh, en);
        p.parent_id = parent.map(|i| ids.places[i]);
        p.latitude = Some(*lat);
        p.longitude = Some(*lon);
        ids.places.push(push(&mut items, Kind::Place, p));
    }
    for (zh, en) in vocab::MATERIALS {
        ids.materials
            .push(push(&mut items, Kind::Term, term("material", zh, en)));
    }
    for (zh, en) in vocab::TECHNIQUES {
        ids.techniques
            .push(push(&mut items, Kind::Term, term("technique", zh, en)));
    }
    for (_, zh, en, _) in vocab::COLLECTIONS {
        ids.collections
            .push(push(&mut items, Kind::Term, term("collection", zh, en)));
    }
    for (zh, en) in vocab::CLASSIFICATIONS {
        ids.classifications
            .push(push(&mut items, Kind::Term, term("classification", zh, en)));
    }
    for (genre, names) in OBJECT_NAMES {
        for (zh, en) in *names {
            let id = push(&mut items, Kind::Term, term("object_name", zh, en));
            ids.names.push((genre, zh, en, id));
        }
    }
    // Invented makers: painters and calligraphers of the Lingnan school's era, potters,
    // carvers, embroiderers, and the collectors of specimens.
    let roles: [(&str, usize, i32, i32); 6] = [
        ("painter", 40, 1860, 1930),
        ("calligrapher", 20, 1820, 1920),
        ("potter", 14, 1840, 1920),
        ("carver", 12, 1830, 1920),
        ("embroiderer", 10, 1850, 1920),
        ("collector", 12, 1900, 1980),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (role, n, born_lo, born_hi) in roles {
        let mut made = 0;
        while made < n {
            let (sz, se) = *rng.pick(vocab::SURNAMES);
            let (g1z, g1e) = *rng.pick(vocab::GIVEN);
            let (g2z, g2e) = *rng.pick(vocab::GIVEN);
            let zh = format!("{sz}{g1z}{g2z}");
            if g1z == g2z || !seen.insert(zh.clone()) {
                continue;
            }
            let en = format!("{se} {}{g2e}", capitalise(g1e));
            let born = rng.range(born_lo as i64, born_hi as i64) as i32;
            let died = born + rng.range(45, 90) as i32;
            let mut p = AuthorityInput {
                vocabulary: "person".into(),
                label: LangText::zh_en(&zh, &en),
                ..Default::default()
            };
            p.birth_year = Some(born);
            p.death_year = Some(died);
            p.dates_display = LangText::zh_en(format!("{born}—{died}"), format!("{born}–{died}"));
            p.roles = vec![role.to_owned()];
            p.variants = vec![format!("{se}{g1e}{g2e}").to_lowercase()];
            let id = push(&mut items, Kind::Agent, p);
            ids.people.push((role, zh, en, id));
            made += 1;
        }
    }
    for (zh, en) in [
        ("龙泉窑", "Longquan kilns"),
        ("景德镇窑", "Jingdezhen kilns"),
        ("石湾窑", "Shiwan kilns"),
        ("广州彩瓷作坊", "Canton enamelling workshops"),
        ("潮州木雕作坊", "Chaozhou woodcarving workshop"),
    ] {
        let mut o = AuthorityInput {
            vocabulary: "organisation".into(),
            label: LangText::zh_en(zh, en),
            ..Default::default()
        };
        o.roles = vec!["workshop".into()];
        let id = push(&mut items, Kind::Agent, o);
        ids.kilns.push((zh, en, id));
    }
    build_locations(&mut items, &mut ids);
    (items, ids)
}

/// The galleries of the exhibition building: Chinese name, English name, code.
pub(crate) const GALLERIES: [(&str, &str, &str); 8] = [
    ("陶瓷馆", "Ceramics Gallery", "G1"),
    ("青铜馆", "Bronze Gallery", "G2"),
    ("书画馆", "Painting and Calligraphy Gallery", "G3"),
    ("潮州木雕馆", "Chaozhou Woodcarving Gallery", "G4"),
    ("粤绣馆", "Guangdong Embroidery Gallery", "G5"),
    ("端砚馆", "Duan Inkstone Gallery", "G6"),
    ("南海沉船馆", "Shipwreck Gallery", "G7"),
    ("自然馆", "Natural History Gallery", "G8"),
];

/// The storerooms of the collection store: Chinese name, English name.
pub(crate) const ROOMS: [(&str, &str); 8] = [
    ("陶瓷库", "Ceramics store"),
    ("金属库", "Metals store"),
    ("书画库", "Paintings store"),
    ("木器库", "Wood store"),
    ("纺织品库", "Textiles store"),
    ("杂项库", "Miscellaneous store"),
    ("标本库", "Specimen store"),
    ("化石库", "Fossil store"),
];

/// The museum's buildings, floors, galleries, storerooms and showcases.
fn build_locations(items: &mut Vec<Item>, ids: &mut Ids) {
    let loc = |vocab: &str, zh: String, en: String, code: String, parent: Option<Uuid>| {
        let mut a = AuthorityInput {
            vocabulary: vocab.into(),
            label: LangText::zh_en(zh, en),
            parent_id: parent,
            ..Default::default()
        };
        a.code = Some(code);
        a
    };
    let add = |items: &mut Vec<Item>, a: AuthorityInput| {
        let id = new_id();
        items.push((id, Kind::Location, a));
        id
    };
    let site = add(
        items,
        loc(
            "site",
            "岭南省博物馆（本馆）".into(),
            "Lingnan Provincial Museum, main site".into(),
            "LNM".into(),
            None,
        ),
    );
    let galleries = GALLERIES;
    let main = add(
        items,
        loc(
            "building",
            "陈列楼".into(),
            "Exhibition Building".into(),
            "EB".into(),
            Some(site),
        ),
    );
    for (f, chunk) in galleries.chunks(3).enumerate() {
        let floor = add(
            items,
            loc(
                "floor",
                format!("陈列楼{}层", f + 1),
                format!("Exhibition Building, floor {}", f + 1),
                format!("EB-{}F", f + 1),
                Some(main),
            ),
        );
        for (zh, en, code) in chunk {
            let g = add(
                items,
                loc(
                    "gallery",
                    (*zh).into(),
                    (*en).into(),
                    format!("EB-{code}"),
                    Some(floor),
                ),
            );
            for c in 1..=6 {
                add(
                    items,
                    loc(
                        "showcase",
                        format!("{zh}{c:02}号展柜"),
                        format!("{en}, case {c:02}"),
                        format!("EB-{code}-C{c:02}"),
                        Some(g),
                    ),
                );
                ids.spaces
                    .push(format!("{zh} · {c:02}号展柜 / {en}, case {c:02}"));
            }
        }
    }
    let store = add(
        items,
        loc(
            "building",
            "库房楼".into(),
            "Collection Store".into(),
            "CS".into(),
            Some(site),
        ),
    );
    let rooms = ROOMS;
    for (f, chunk) in rooms.chunks(2).enumerate() {
        let floor = add(
            items,
            loc(
                "floor",
                format!("库房楼{}层", f + 1),
                format!("Collection Store, floor {}", f + 1),
                format!("CS-{}F", f + 1),
                Some(store),
            ),
        );
        for (r, (zh, en)) in chunk.iter().enumerate() {
            let code = format!("CS-{}{:02}", f + 1, r + 1);
            let room = add(
                items,
                loc(
                    "storeroom",
                    (*zh).into(),
                    (*en).into(),
                    code.clone(),
                    Some(floor),
                ),
            );
            for c in 1..=10 {
                add(
                    items,
                    loc(
                        "cabinet",
                        format!("{zh}{c:02}号柜"),
                        format!("{en}, cabinet {c:02}"),
                        format!("{code}-K{c:02}"),
                        Some(room),
                    ),
                );
                ids.spaces.push(format!(
                    "{zh} · {c:02}号柜 / {en}, cabinet {c:02} ({code}-K{c:02})"
                ));
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// A year for Chinese text.
pub fn year_zh(y: i32) -> String {
    match y {
        y if y <= -1_000_000 => format!("距今{}万年前", -y / 10_000),
        y if y < 0 => format!("公元前{}年", -y),
        y => format!("{y}年"),
    }
}

/// A year for English text.
pub fn year_en(y: i32) -> String {
    match y {
        y if y <= -1_000_000 => format!("{} million years ago", -y / 1_000_000),
        y if y < 0 => format!("{} BCE", -y),
        y => y.to_string(),
    }
}
