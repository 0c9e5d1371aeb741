//! The search service on both engines against a small bilingual museum: languages,
//! pinyin, traditional characters, numbers, fields, facets, both projections,
//! freshness from the outbox, and recovery of a lost or damaged index.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;
use vitrine_collections::Collections;
use vitrine_collections::authority::{AuthorityInput, Kind};
use vitrine_collections::model::ObjectInput;
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Error, Lang, LangText, Role};
use vitrine_search::Search;
use vitrine_search::request::SearchRequest;
use vitrine_search::suggest::SuggestionKind;
use vitrine_testkit::{TestDb, all_engines, as_role};

const SYSTEM: Actor = Actor::System("test");

async fn authority(
    c: &Collections,
    kind: Kind,
    vocab: &str,
    zh: &str,
    en: &str,
    parent: Option<Uuid>,
    variants: &[&str],
) -> Uuid {
    let input = AuthorityInput {
        vocabulary: vocab.into(),
        label: LangText::zh_en(zh, en),
        parent_id: parent,
        variants: variants.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    c.create_authority(&SYSTEM, kind, input).await.unwrap().id
}

struct Museum {
    t: TestDb,
    c: Collections,
    s: Search,
    follower: tokio::task::JoinHandle<()>,
    dir: PathBuf,
    vase: Uuid,
    bowl: Uuid,
    painting: Uuid,
    drum: Uuid,
    porcelain: Uuid,
}

impl Drop for Museum {
    fn drop(&mut self) {
        self.follower.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn input(v: serde_json::Value) -> ObjectInput {
    serde_json::from_value(v).unwrap()
}

async fn museum(t: TestDb) -> Museum {
    let c = Collections::new(t.db.clone());
    let guangdong = authority(
        &c,
        Kind::Place,
        "province",
        "广东省",
        "Guangdong",
        None,
        &[],
    )
    .await;
    let foshan = authority(
        &c,
        Kind::Place,
        "prefecture",
        "佛山",
        "Foshan",
        Some(guangdong),
        &[],
    )
    .await;
    let qi = authority(
        &c,
        Kind::Agent,
        "person",
        "齐白石",
        "Qi Baishi",
        None,
        &["白石老人"],
    )
    .await;
    let porcelain = authority(&c, Kind::Term, "material", "瓷", "porcelain", None, &[]).await;
    let ming = authority(&c, Kind::Term, "period", "明", "Ming dynasty", None, &[]).await;
    let registrar = as_role(Role::Registrar);
    let mk = |v: serde_json::Value| input(v);
    let vase = c.create_object(&registrar, mk(json!({
        "object_number": "GDM-2016-00001",
        "title": {"zh-Hans": "青花缠枝莲纹梅瓶", "en": "Blue-and-white meiping vase"},
        "description": {"zh-Hans": "明永乐青花梅瓶，通体绘缠枝莲纹。", "en": "A blue-and-white porcelain vase painted with lotus scrolls."},
        "department": "history", "status": "on_display", "public": true,
        "material_ids": [porcelain],
        "production": {"period_id": ming, "earliest_year": 1403, "latest_year": 1424},
        "current_location": "库房三号柜 Storeroom hideaway",
        "confidential": {"source_contact": "Mr Secretive, 13800000000"}
    }))).await.unwrap().id;
    let bowl = c
        .create_object(
            &registrar,
            mk(json!({
                "object_number": "GDM-2016-00002",
                "title": {"zh-Hans": "廣彩人物紋碗", "en": "Canton famille-rose bowl with figures"},
                "department": "history", "public": true,
                "material_ids": [porcelain],
                "production": {"place_id": foshan, "earliest_year": 1736, "latest_year": 1795,
                    "date_display": {"en": "Qianlong reign, after a Ming model"}}
            })),
        )
        .await
        .unwrap()
        .id;
    let painting = c.create_object(&registrar, mk(json!({
        "object_number": "GDM-2017-00003",
        "title": {"zh-Hans": "齐白石虾图轴", "en": "Shrimps"},
        "department": "fine_arts", "public": false,
        "production": {"makers": [{"agent_id": qi, "role": "painter"}], "earliest_year": 1948, "latest_year": 1948}
    }))).await.unwrap().id;
    let drum = c
        .create_object(
            &registrar,
            mk(json!({
                "object_number": "LNH-2019-00005",
                "title": {"zh-Hans": "西汉铜鼓", "en": "Bronze drum"},
                "department": "history", "public": true,
                "production": {"earliest_year": -202, "latest_year": 8}
            })),
        )
        .await
        .unwrap()
        .id;
    let dir = std::env::temp_dir().join(format!("vt-index-{}", Uuid::now_v7()));
    let s = Search::open(&dir, c.clone()).await.unwrap();
    let follower = s.spawn_follower();
    assert!(
        s.caught_up(Duration::from_secs(30)).await.unwrap(),
        "index built"
    );
    Museum {
        t,
        c,
        s,
        follower,
        dir,
        vase,
        bowl,
        painting,
        drum,
        porcelain,
    }
}

fn req(q: &str) -> SearchRequest {
    let mut pairs = vec![("q".to_string(), q.to_string())];
    pairs.push(("lang".into(), "zh".into()));
    SearchRequest::from_pairs(&pairs, false).unwrap()
}

fn req_pairs(p: &[(&str, &str)]) -> SearchRequest {
    let pairs: Vec<(String, String)> = p
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    SearchRequest::from_pairs(&pairs, false).unwrap()
}

async fn ids(s: &Search, actor: &Actor, r: &SearchRequest) -> Vec<Uuid> {
    s.search(actor, r)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

async fn public_ids(s: &Search, r: &SearchRequest) -> Vec<Uuid> {
    s.search_public(r)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

async fn engines() -> Vec<TestDb> {
    all_engines(&[KERNEL_MIGRATIONS, vitrine_collections::MIGRATIONS]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_by_chinese_pinyin_english_traditional_and_number() {
    for t in engines().await {
        let m = museum(t).await;
        let curator = as_role(Role::Curator);
        let e = m.t.engine;
        let first = |v: Vec<Uuid>| v.first().copied();
        assert_eq!(
            first(ids(&m.s, &curator, &req("青花")).await),
            Some(m.vase),
            "{e}: 青花"
        );
        assert_eq!(
            first(ids(&m.s, &curator, &req("qinghua")).await),
            Some(m.vase),
            "{e}: qinghua"
        );
        assert_eq!(
            first(ids(&m.s, &curator, &req("qing hua")).await),
            Some(m.vase),
            "{e}: qing hua"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("\"blue and white\"")).await,
            vec![m.vase],
            "{e}: phrase"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("porcelian")).await.len(),
            2,
            "{e}: typo"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("vases")).await,
            vec![m.vase],
            "{e}: stem"
        );
        // Traditional in the record, simplified in the query, and back.
        assert_eq!(
            ids(&m.s, &curator, &req("广彩")).await,
            vec![m.bowl],
            "{e}: 广彩"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("人物纹")).await,
            vec![m.bowl],
            "{e}: 人物纹"
        );
        assert_eq!(
            first(ids(&m.s, &curator, &req("青花纏枝")).await),
            Some(m.vase),
            "{e}: 纏枝"
        );
        // Numbers: exact first, prefixes find the series.
        let mut series = ids(&m.s, &curator, &req("GDM-2016-00")).await;
        series.sort();
        let mut want = vec![m.vase, m.bowl];
        want.sort();
        assert_eq!(series, want, "{e}: number prefix");
        assert_eq!(
            first(ids(&m.s, &curator, &req("gdm-2016-00002")).await),
            Some(m.bowl),
            "{e}"
        );
        // Fields, variants, broader places, exclusions, OR.
        assert_eq!(
            ids(&m.s, &curator, &req("maker:齐白石")).await,
            vec![m.painting],
            "{e}: maker"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("maker:\"Qi Baishi\"")).await,
            vec![m.painting],
            "{e}"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("白石老人")).await,
            vec![m.painting],
            "{e}: variant"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("广东")).await,
            vec![m.bowl],
            "{e}: broader place"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("title:瓶")).await,
            vec![m.vase],
            "{e}: title"
        );
        // A field query finds its words in that field only, in every analysis.
        for (q, want) in [
            ("maker:qibaishi", vec![m.painting]),
            ("maker:白石", vec![m.painting]),
            ("title:齐白石", vec![m.painting]),
            ("maker:shrimps", vec![]),
            ("title:lotus", vec![]),
            ("description:lotus", vec![m.vase]),
            ("description:\"lotus scrolls\"", vec![m.vase]),
            ("description:\"scrolls lotus\"", vec![]),
            ("description:缠枝莲", vec![m.vase]),
            ("title:缠枝莲", vec![m.vase]),
            ("place:广东", vec![m.bowl]),
            ("title:广东", vec![]),
            ("location:hideaway", vec![m.vase]),
            ("title:hideaway", vec![]),
            // Names of authorities match the records that refer to them, in any
            // analysis, a place with the places inside it.
            ("baishi", vec![m.painting]),
            ("\"Ming dynasty\"", vec![m.vase]),
            // Two words are one indexed pair, found only within one text: the title
            // ends with "vase", the description starts with "A".
            ("\"meiping vase\"", vec![m.vase]),
            ("\"famille rose bowl\"", vec![m.bowl]),
            ("\"vase a\"", vec![]),
            ("\"vase meiping\"", vec![]),
            ("period:qianlong", vec![m.bowl]),
            ("maker:ming", vec![]),
            ("foshan guangdong", vec![m.bowl]),
            ("place:佛山", vec![m.bowl]),
            ("material:瓷 -广东", vec![m.vase]),
            ("title:porcelain", vec![]),
        ] {
            assert_eq!(ids(&m.s, &curator, &req(q)).await, want, "{e}: {q}");
        }
        // A period found by its authority (the vase refers to the Ming) and in a record's
        // date as written (the bowl's "after a Ming model"): both, whichever way.
        let mut got = ids(&m.s, &curator, &req("period:ming")).await;
        got.sort();
        let mut want = vec![m.vase, m.bowl];
        want.sort();
        assert_eq!(got, want, "{e}: period:ming");
        assert!(
            ids(&m.s, &curator, &req("青花 -梅瓶")).await.is_empty(),
            "{e}: exclude"
        );
        assert_eq!(
            ids(&m.s, &curator, &req("青花 OR 铜鼓")).await.len(),
            2,
            "{e}: OR"
        );
        // Snippets in the page's language, marked.
        let r = m.s.search(&curator, &req("青花")).await.unwrap();
        let snip = r.hits[0].snippet.clone().unwrap_or_default();
        assert!(snip.contains("<mark>青花</mark>"), "{e}: {snip}");
        assert_eq!(r.hits[0].title, "青花缠枝莲纹梅瓶");
        // Only punctuation is a 400, not a 500.
        let bad = m.s.search(&curator, &req("!!!")).await.unwrap_err();
        assert!(matches!(bad, Error::InvalidParameters(_)), "{e}: {bad:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facets_are_exact_and_filters_narrow() {
    for t in engines().await {
        let m = museum(t).await;
        let curator = as_role(Role::Curator);
        let e = m.t.engine;
        let all =
            m.s.search(&curator, &SearchRequest::default())
                .await
                .unwrap();
        assert_eq!(all.total, 4, "{e}");
        // Records without a type, period or place are counted under none of them.
        for (name, values) in &all.facets {
            assert!(
                values
                    .iter()
                    .all(|v| v.value != vitrine_search::facets::NO_VALUE),
                "{e}: {name}"
            );
            if ["type", "period", "place"].contains(&name.as_str()) {
                assert!(
                    values.iter().map(|v| v.count).sum::<u64>() <= 4,
                    "{e}: {name}"
                );
            }
        }
        let dept: Vec<(String, u64)> = all.facets["department"]
            .iter()
            .map(|v| (v.value.clone(), v.count))
            .collect();
        assert_eq!(
            dept,
            vec![("history".into(), 3), ("fine_arts".into(), 1)],
            "{e}"
        );
        let mat = &all.facets["material"];
        assert_eq!(
            (mat[0].value.clone(), mat[0].label.clone(), mat[0].count),
            (m.porcelain.to_string(), "porcelain".into(), 2),
            "{e}"
        );
        let r =
            m.s.search(
                &curator,
                &req_pairs(&[("department", "history"), ("on_display", "false")]),
            )
            .await
            .unwrap();
        assert_eq!(r.total, 2, "{e}: filters");
        assert_eq!(
            r.facets["department"].len(),
            1,
            "{e}: counts follow the filters"
        );
        // BCE years.
        let r = ids(
            &m.s,
            &curator,
            &req_pairs(&[("year_from", "-300"), ("year_to", "-100")]),
        )
        .await;
        assert_eq!(r, vec![m.drum], "{e}: BCE");
        let r = ids(
            &m.s,
            &curator,
            &req_pairs(&[("year_from", "1400"), ("year_to", "1500")]),
        )
        .await;
        assert_eq!(r, vec![m.vase], "{e}: overlap");
        // Sorts and pages.
        let r = ids(&m.s, &curator, &req_pairs(&[("sort", "date")])).await;
        assert_eq!(r, vec![m.drum, m.vase, m.bowl, m.painting], "{e}: date");
        let r = ids(
            &m.s,
            &curator,
            &req_pairs(&[("sort", "-number"), ("limit", "2")]),
        )
        .await;
        assert_eq!(r, vec![m.drum, m.painting], "{e}: -number");
        let p1 =
            m.s.search(&curator, &req_pairs(&[("sort", "number"), ("limit", "3")]))
                .await
                .unwrap();
        let cur = p1.next_cursor.clone().unwrap();
        let p2 =
            m.s.search(
                &curator,
                &req_pairs(&[("sort", "number"), ("limit", "3"), ("cursor", &cur)]),
            )
            .await
            .unwrap();
        assert_eq!(p2.hits.len(), 1, "{e}: second page");
        assert!(p2.next_cursor.is_none());
        // An undated record is in the collection but in no year range, not even the
        // widest one a request may name.
        let undated =
            m.c.create_object(
                &as_role(Role::Registrar),
                input(json!({
                    "object_number": "GDM-2020-00009",
                    "title": {"zh-Hans": "无年代残片", "en": "Undated fragment"},
                    "department": "history", "public": true
                })),
            )
            .await
            .unwrap()
            .id;
        assert!(m.s.caught_up(Duration::from_secs(30)).await.unwrap());
        let all =
            m.s.search(&curator, &SearchRequest::default())
                .await
                .unwrap();
        assert_eq!(all.total, 5, "{e}: browsing counts it");
        assert_eq!(
            all.facets["department"][0].count, 4,
            "{e}: and its department"
        );
        let (lo, hi) = (
            vitrine_collections::model::MIN_YEAR.to_string(),
            vitrine_collections::model::MAX_YEAR.to_string(),
        );
        let r = ids(
            &m.s,
            &curator,
            &req_pairs(&[("year_from", &lo), ("year_to", &hi)]),
        )
        .await;
        assert_eq!(r.len(), 4, "{e}: every dated record");
        assert!(!r.contains(&undated), "{e}: undated in no range");
        // Words with filters: broad facet filters and year ranges are checked while the
        // words' matches are collected (see `facet_filter`); same answers, same counts.
        let porcelain = m.porcelain.to_string();
        let sorted = |mut v: Vec<Uuid>| {
            v.sort();
            v
        };
        for (pairs, want, what) in [
            (
                vec![("q", "porcelain"), ("department", "history")],
                vec![m.vase, m.bowl],
                "department",
            ),
            (
                vec![("q", "porcelain"), ("department", "fine_arts")],
                vec![],
                "other department",
            ),
            (
                vec![("q", "porcelain"), ("status", "on_display")],
                vec![m.vase],
                "status",
            ),
            (
                vec![("q", "瓷"), ("material", porcelain.as_str())],
                vec![m.vase, m.bowl],
                "material",
            ),
            (
                vec![("q", "porcelain"), ("year_from", "1700")],
                vec![m.bowl],
                "from",
            ),
            (
                vec![("q", "porcelain"), ("year_to", "1500")],
                vec![m.vase],
                "to",
            ),
            (
                vec![
                    ("q", "porcelain"),
                    ("year_from", "1500"),
                    ("year_to", "1700"),
                ],
                vec![],
                "between",
            ),
            (
                vec![("q", "fragment"), ("year_from", &lo), ("year_to", &hi)],
                vec![],
                "undated in no range",
            ),
            (
                vec![("q", "fragment"), ("department", "history")],
                vec![undated],
                "undated by department",
            ),
        ] {
            let r = m.s.search(&curator, &req_pairs(&pairs)).await.unwrap();
            let got = sorted(r.hits.iter().map(|h| h.id).collect());
            assert_eq!(got, sorted(want.clone()), "{e}: words and {what}");
            assert_eq!(r.total, want.len() as u64, "{e}: total, {what}");
            let counted: u64 = r.facets["department"].iter().map(|v| v.count).sum();
            assert_eq!(counted, want.len() as u64, "{e}: counts follow, {what}");
        }
        // A field that only authorities hold, with a name none has: no records, no 400.
        let r =
            m.s.search(&curator, &req("material:unobtainium"))
                .await
                .unwrap();
        assert_eq!(r.total, 0, "{e}: unknown material");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricted_text_never_reaches_the_public_nor_unentitled_staff() {
    for t in engines().await {
        let m = museum(t).await;
        let e = m.t.engine;
        let curator = as_role(Role::Curator);
        let registrar = as_role(Role::Registrar);
        for word in ["Secretive", "hideaway", "库房"] {
            assert!(
                public_ids(&m.s, &req(word)).await.is_empty(),
                "{e}: public {word}"
            );
            let sug = m.s.suggest(None, word, Lang::En).await.unwrap();
            assert!(sug.is_empty(), "{e}: public suggestion {word}: {sug:?}");
        }
        // Location text: every staff role; confidential: registrars only.
        assert_eq!(
            ids(&m.s, &curator, &req("hideaway")).await,
            vec![m.vase],
            "{e}"
        );
        assert!(
            ids(&m.s, &curator, &req("Secretive")).await.is_empty(),
            "{e}"
        );
        assert_eq!(
            ids(&m.s, &registrar, &req("Secretive")).await,
            vec![m.vase],
            "{e}"
        );
        // Unpublished records and the names only they use stay out of public answers.
        assert!(public_ids(&m.s, &req("齐白石")).await.is_empty(), "{e}");
        let public = m.s.suggest(None, "齐白", Lang::ZhHans).await.unwrap();
        assert!(
            public.iter().all(|s| s.kind != SuggestionKind::Maker),
            "{e}: {public:?}"
        );
        let staff =
            m.s.suggest(Some(&curator), "齐白", Lang::ZhHans)
                .await
                .unwrap();
        assert!(
            staff
                .iter()
                .any(|s| s.kind == SuggestionKind::Maker && s.label == "齐白石"),
            "{e}: {staff:?}"
        );
        let staff =
            m.s.suggest(Some(&curator), "qibai", Lang::ZhHans)
                .await
                .unwrap();
        assert!(
            staff.iter().any(|s| s.label == "齐白石"),
            "{e}: pinyin suggestion {staff:?}"
        );
        let typed = m.s.suggest(None, "meip", Lang::En).await.unwrap();
        assert!(
            typed
                .iter()
                .any(|s| s.kind == SuggestionKind::Object && s.id == m.vase),
            "{e}: {typed:?}"
        );
        // Anonymous callers cannot use the staff search.
        assert!(m.s.search(&Actor::Anonymous, &req("青花")).await.is_err());
    }
}

/// Gives an authority one more variant name (as an administrator).
async fn add_variant(c: &Collections, kind: Kind, id: Uuid, name: &str) {
    let admin = as_role(Role::Admin);
    let a = c.get_authority(&admin, kind, id).await.unwrap();
    let mut input = a.data.clone();
    input.variants.push(name.into());
    c.update_authority(&admin, kind, id, a.version, input)
        .await
        .unwrap();
}

async fn eventually(s: &Search, actor: &Actor, q: &str, want: bool, id: Uuid) -> bool {
    for _ in 0..200 {
        let found = ids(s, actor, &req(q)).await.contains(&id);
        if found == want {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_edits_deletes_and_unpublishing() {
    for t in engines().await {
        let m = museum(t).await;
        let e = m.t.engine;
        let registrar = as_role(Role::Registrar);
        let rec = m.c.get_object(&registrar, m.bowl).await.unwrap();
        let mut data = rec.data.clone();
        data.title.set("en", "Canton bowl with zebrafinch");
        m.c.update_object(&registrar, m.bowl, rec.version, data)
            .await
            .unwrap();
        assert!(
            eventually(&m.s, &registrar, "zebrafinch", true, m.bowl).await,
            "{e}: edit"
        );
        // Unpublishing removes it from the public index only (a public answer kept from
        // before the change is not given again).
        assert_eq!(public_ids(&m.s, &req("青花")).await, vec![m.vase], "{e}");
        assert_eq!(
            public_ids(&m.s, &req("青花")).await,
            vec![m.vase],
            "{e}: kept"
        );
        let rec = m.c.get_object(&registrar, m.vase).await.unwrap();
        let mut data = rec.data.clone();
        data.public = false;
        m.c.update_object(&registrar, m.vase, rec.version, data)
            .await
            .unwrap();
        assert!(m.s.caught_up(Duration::from_secs(10)).await.unwrap());
        assert!(
            public_ids(&m.s, &req("青花")).await.is_empty(),
            "{e}: unpublished"
        );
        assert_eq!(ids(&m.s, &registrar, &req("青花")).await, vec![m.vase]);
        // Deleting removes it everywhere.
        let v = m.c.get_object(&registrar, m.drum).await.unwrap().version;
        m.c.delete_object(&registrar, m.drum, v).await.unwrap();
        assert!(
            eventually(&m.s, &registrar, "铜鼓", false, m.drum).await,
            "{e}: delete"
        );
        // A new name of a maker finds the records that name it, and so does a new name
        // of a place for the records of the places inside it.
        let admin = as_role(Role::Admin);
        let painting = m.c.get_object(&admin, m.painting).await.unwrap();
        let qi = painting.data.production.makers[0].agent_id;
        add_variant(&m.c, Kind::Agent, qi, "Chi Pai-shih").await;
        assert!(
            eventually(&m.s, &registrar, "\"Chi Pai-shih\"", true, m.painting).await,
            "{e}: authority"
        );
        let bowl = m.c.get_object(&admin, m.bowl).await.unwrap();
        let foshan = bowl.data.production.place_id.unwrap();
        let f =
            m.c.get_authority(&admin, Kind::Place, foshan)
                .await
                .unwrap();
        let province = f.data.parent_id.unwrap();
        add_variant(&m.c, Kind::Place, province, "Kwangtung").await;
        assert!(
            eventually(&m.s, &registrar, "kwangtung", true, m.bowl).await,
            "{e}: broader place renamed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_or_damaged_index_is_rebuilt() {
    for t in engines().await {
        let m = museum(t).await;
        let e = m.t.engine;
        let curator = as_role(Role::Curator);
        // A rebuild makes a new generation while search answers from the old one.
        let before = m.s.status().await.unwrap().generation;
        let report = m.s.rebuild(&|_, _| {}).await.unwrap();
        assert_eq!(report.staff_documents, 4, "{e}");
        assert_eq!(report.public_documents, 3, "{e}");
        assert_ne!(Some(report.generation.clone()), before);
        assert_eq!(ids(&m.s, &curator, &req("青花")).await, vec![m.vase]);
        // A rebuild reads every field: confidential text for the roles allowed it,
        // field bands, locations; and still none of it in the public index.
        let registrar = as_role(Role::Registrar);
        for (who, q, want) in [
            (&registrar, "Secretive", vec![m.vase]),
            (&curator, "Secretive", vec![]),
            (&curator, "location:hideaway", vec![m.vase]),
            (&curator, "maker:qibaishi", vec![m.painting]),
        ] {
            assert_eq!(ids(&m.s, who, &req(q)).await, want, "{e}: {q}");
        }
        assert!(public_ids(&m.s, &req("hideaway")).await.is_empty(), "{e}");
        // Damaged: a fresh process finds garbage and rebuilds on its own.
        let generation = m
            .dir
            .join(&report.generation)
            .join("staff")
            .join("meta.json");
        m.follower.abort();
        tokio::time::sleep(Duration::from_millis(200)).await;
        std::fs::write(&generation, b"{not json").unwrap();
        let s2 = Search::open(&m.dir, m.c.clone()).await.unwrap();
        assert!(
            s2.search(&curator, &req("青花")).await.is_err(),
            "{e}: 503 until rebuilt"
        );
        let f2 = s2.spawn_follower();
        assert!(s2.caught_up(Duration::from_secs(30)).await.unwrap());
        assert_eq!(
            ids(&s2, &curator, &req("青花")).await,
            vec![m.vase],
            "{e}: rebuilt"
        );
        // Missing: the same.
        f2.abort();
        drop(s2);
        tokio::time::sleep(Duration::from_millis(200)).await;
        std::fs::remove_file(m.dir.join("CURRENT")).unwrap();
        let s3 = Search::open(&m.dir, m.c.clone()).await.unwrap();
        let f3 = s3.spawn_follower();
        assert!(s3.caught_up(Duration::from_secs(30)).await.unwrap());
        assert_eq!(
            ids(&s3, &curator, &req("青花")).await,
            vec![m.vase],
            "{e}: rebuilt"
        );
        f3.abort();
    }
}
