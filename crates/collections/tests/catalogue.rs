//! The catalogue service on both engines: rules, permissions, concurrency, history.

use serde_json::json;
use uuid::Uuid;
use vitrine_collections::Collections;
use vitrine_collections::authority::{AuthorityInput, Kind};
use vitrine_collections::model::{Confidential, Money, ObjectInput};
use vitrine_collections::query::{AuthorityQuery, ObjectQuery};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Error, LangText, Role};
use vitrine_testkit::{TestDb, all_engines, as_role};

async fn engines() -> Vec<TestDb> {
    all_engines(&[KERNEL_MIGRATIONS, vitrine_collections::MIGRATIONS]).await
}

fn object(number: &str) -> ObjectInput {
    serde_json::from_value(json!({
        "object_number": number,
        "title": {"zh-Hans": "青花缠枝莲纹梅瓶", "en": "Blue-and-white meiping vase"},
        "department": "history",
        "public": true,
        "current_location": "Storeroom 3, cabinet 12",
    }))
    .unwrap()
}

async fn term(c: &Collections, vocab: &str, zh: &str, en: &str) -> Uuid {
    let input = AuthorityInput {
        vocabulary: vocab.into(),
        label: LangText::zh_en(zh, en),
        ..Default::default()
    };
    c.create_authority(&Actor::System("test"), Kind::Term, input)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn roles_see_and_change_what_they_may() {
    for t in engines().await {
        let c = Collections::new(t.db.clone());
        let registrar = as_role(Role::Registrar);
        let mut o = object("GDM-2016-00001");
        o.confidential = Some(Confidential {
            valuation: Some(Money {
                amount: 1_200_000.0,
                currency: "CNY".into(),
            }),
            source_contact: Some("+86 20 0000 0000".into()),
            ..Default::default()
        });
        let rec = c.create_object(&registrar, o.clone()).await.unwrap();
        assert!(
            rec.data.confidential.is_some(),
            "{}: registrar sees valuation",
            t.engine
        );

        let curator = as_role(Role::Curator);
        let seen = c.get_object(&curator, rec.id).await.unwrap();
        assert!(
            seen.data.confidential.is_none(),
            "{}: curator must not see valuation",
            t.engine
        );
        // A curator's edit keeps the valuation they cannot see.
        let mut edit = seen.data.clone();
        edit.title.set("en", "Meiping vase");
        let after = c
            .update_object(&curator, rec.id, seen.version, edit)
            .await
            .unwrap();
        assert_eq!(after.version, 2);
        let full = c.get_object(&registrar, rec.id).await.unwrap();
        assert_eq!(
            full.data.confidential, o.confidential,
            "{}: valuation survived",
            t.engine
        );
        // ...and cannot set one.
        let mut sneaky = full.data.clone();
        sneaky.confidential = Some(Confidential::default());
        sneaky.confidential.as_mut().unwrap().source_contact = Some("x".into());
        assert!(matches!(
            c.update_object(&curator, rec.id, 2, sneaky).await,
            Err(Error::Forbidden(_))
        ));

        for role in [Role::Viewer, Role::Conservator, Role::Media] {
            let r = c
                .update_object(&as_role(role), rec.id, 2, full.data.clone())
                .await;
            assert!(
                matches!(r, Err(Error::Forbidden(_))),
                "{}: {role:?} edited",
                t.engine
            );
        }
        assert!(matches!(
            c.get_object(&Actor::Anonymous, rec.id).await,
            Err(Error::Unauthenticated)
        ));
        assert!(matches!(
            c.delete_object(&curator, rec.id, 2).await,
            Err(Error::Forbidden(_))
        ));

        // The public sees public fields only.
        let public = serde_json::to_value(c.get_public_object(rec.id).await.unwrap()).unwrap();
        let text = public.to_string();
        for secret in [
            "Storeroom",
            "1200000",
            "+86",
            "confidential",
            "current_location",
            "storage_notes",
        ] {
            assert!(
                !text.contains(secret),
                "{}: public projection leaks {secret}",
                t.engine
            );
        }
        // History redacts the valuation for curators but not registrars.
        let h = c.object_history(&curator, rec.id).await.unwrap();
        assert_eq!(h.len(), 2);
        assert!(!serde_json::to_string(&h).unwrap().contains("1200000"));
        let h = c.object_history(&registrar, rec.id).await.unwrap();
        assert!(serde_json::to_string(&h).unwrap().contains("1200000"));
        assert_eq!(
            h[0].changes
                .iter()
                .map(|c| c.field.as_str())
                .collect::<Vec<_>>(),
            ["title.en"]
        );
    }
}

#[tokio::test]
async fn stale_writes_get_version_mismatch_and_change_nothing() {
    for t in engines().await {
        let c = Collections::new(t.db.clone());
        let cur = as_role(Role::Curator);
        let rec = c.create_object(&cur, object("A-1")).await.unwrap();
        let mut first = rec.data.clone();
        first.title.set("en", "First");
        c.update_object(&cur, rec.id, 1, first).await.unwrap();
        let mut second = rec.data.clone();
        second.title.set("en", "Second");
        let err = c.update_object(&cur, rec.id, 1, second).await.unwrap_err();
        assert!(
            matches!(err, Error::VersionMismatch { current: 2 }),
            "{}: {err:?}",
            t.engine
        );
        let now = c.get_object(&cur, rec.id).await.unwrap();
        assert_eq!(now.data.title.get("en"), Some("First"));
        assert_eq!(c.object_history(&cur, rec.id).await.unwrap().len(), 2);
        // Patch works on the current version.
        let p = c
            .patch_object(
                &cur,
                rec.id,
                2,
                &json!({"title": {"en": "Patched"}, "number_of_parts": 2}),
            )
            .await
            .unwrap();
        assert_eq!(
            (
                p.version,
                p.data.number_of_parts,
                p.data.title.get("zh-Hans")
            ),
            (3, 2, Some("青花缠枝莲纹梅瓶"))
        );
        assert!(matches!(
            c.patch_object(&cur, rec.id, 3, &json!({"colour": 1})).await,
            Err(Error::BadRequest(_))
        ));
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    for t in engines().await {
        let c = Collections::new(t.db.clone());
        let cur = as_role(Role::Curator);
        c.create_object(&cur, object("DUP-1")).await.unwrap();
        let err = c.create_object(&cur, object("DUP-1")).await.unwrap_err();
        assert!(
            matches!(&err, Error::Conflict { field: Some(f), .. } if f == "object_number"),
            "{}: {err:?}",
            t.engine
        );

        let material = term(&c, "material", "瓷", "porcelain").await;
        let period = term(&c, "period", "明", "Ming dynasty").await;
        let mut o = object("REF-1");
        o.material_ids = vec![material, Uuid::now_v7()];
        o.production.period_id = Some(material); // wrong vocabulary
        let Error::Invalid(e) = c.create_object(&cur, o).await.unwrap_err() else {
            panic!()
        };
        let got: Vec<_> = e
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("production.period_id", "wrong_reference"),
                ("material_ids[1]", "unknown_reference")
            ]
        );

        let mut o = object("REF-2");
        o.production.earliest_year = Some(1403);
        o.production.latest_year = Some(1368);
        o.production.period_id = Some(period);
        let Error::Invalid(e) = c.create_object(&cur, o).await.unwrap_err() else {
            panic!()
        };
        assert_eq!(e[0].field, "production.earliest_year");

        let page = c
            .list_objects(&cur, &ObjectQuery::from_pairs([]).unwrap())
            .await
            .unwrap();
        assert_eq!(
            page.total, 1,
            "{}: a refused write left something behind",
            t.engine
        );
        // The authority in use cannot be deleted; an unused one can.
        let mut o = object("REF-3");
        o.material_ids = vec![material];
        c.create_object(&cur, o).await.unwrap();
        assert!(matches!(
            c.delete_authority(&cur, Kind::Term, material, 1).await,
            Err(Error::Conflict { .. })
        ));
        c.delete_authority(&cur, Kind::Term, period, 1)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn lists_filter_sort_and_page_with_cursors() {
    for t in engines().await {
        let c = Collections::new(t.db.clone());
        let sys = Actor::System("test");
        let inputs: Vec<ObjectInput> = (0..25)
            .map(|i| {
                let mut o = object(&format!("P-{i:03}"));
                o.production.earliest_year = if i % 5 == 0 {
                    None
                } else {
                    Some(1000 - i * 10)
                };
                o.public = i % 2 == 0;
                if i % 3 == 0 {
                    o.department = vitrine_collections::model::Department::FineArts;
                }
                o
            })
            .collect();
        c.import_objects(&sys, inputs).await.unwrap();
        for sort in [
            "object_number",
            "-object_number",
            "year",
            "-year",
            "updated_at",
            "-updated_at",
        ] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let mut pairs = vec![("sort", sort), ("limit", "7")];
                if let Some(cu) = &cursor {
                    pairs.push(("cursor", cu.as_str()));
                }
                let page = c
                    .list_objects(&sys, &ObjectQuery::from_pairs(pairs).unwrap())
                    .await
                    .unwrap();
                assert_eq!(page.total, 25);
                seen.extend(page.items.iter().map(|i| i.object_number.clone()));
                match page.next_cursor {
                    Some(n) => cursor = Some(n),
                    None => break,
                }
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                unique.len(),
                25,
                "{} {sort}: pages overlap or skip",
                t.engine
            );
            if sort == "-object_number" {
                assert_eq!(seen[0], "P-024");
            }
        }
        let fine = c
            .list_objects(
                &sys,
                &ObjectQuery::from_pairs([("department", "fine_arts")]).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(fine.total, 9);
        let public = c
            .list_public_objects(&ObjectQuery::from_pairs([]).unwrap())
            .await
            .unwrap();
        assert_eq!(public.total, 13);
        let q = c
            .list_objects(&sys, &ObjectQuery::from_pairs([("q", "p-01")]).unwrap())
            .await
            .unwrap();
        assert_eq!(q.total, 10);
        let q = c
            .list_objects(&sys, &ObjectQuery::from_pairs([("q", "梅瓶")]).unwrap())
            .await
            .unwrap();
        assert_eq!(q.total, 25);
        let q = c
            .list_objects(&sys, &ObjectQuery::from_pairs([("q", "100%")]).unwrap())
            .await
            .unwrap();
        assert_eq!(q.total, 0, "{}: % must not act as a wildcard", t.engine);
    }
}

#[tokio::test]
async fn authorities_form_hierarchies_without_cycles() {
    for t in engines().await {
        let c = Collections::new(t.db.clone());
        let cur = as_role(Role::Curator);
        let place = |zh: &str, en: &str, vocab: &str, parent: Option<Uuid>| AuthorityInput {
            vocabulary: vocab.into(),
            label: LangText::zh_en(zh, en),
            parent_id: parent,
            ..Default::default()
        };
        let gd = c
            .create_authority(
                &cur,
                Kind::Place,
                place("广东", "Guangdong", "province", None),
            )
            .await
            .unwrap();
        let mut fs = place("佛山", "Foshan", "prefecture", Some(gd.id));
        fs.latitude = Some(23.02);
        fs.longitude = Some(113.12);
        let fs = c.create_authority(&cur, Kind::Place, fs).await.unwrap();
        assert_eq!(fs.parent_label.unwrap().get("en"), Some("Guangdong"));
        let mut cyc = gd.data.clone();
        cyc.parent_id = Some(fs.id);
        let Error::Invalid(e) = c
            .update_authority(&cur, Kind::Place, gd.id, 1, cyc)
            .await
            .unwrap_err()
        else {
            panic!()
        };
        assert_eq!(e[0].code, "cycle");
        let page = c
            .search_authorities(&cur, Kind::Place, &AuthorityQuery::words("fosh", None, 10))
            .await
            .unwrap();
        assert_eq!((page.items.len(), page.total), (1, 1), "{}", t.engine);
        let page = c
            .search_authorities(
                &cur,
                Kind::Place,
                &AuthorityQuery::words("广", Some("province"), 10),
            )
            .await
            .unwrap();
        assert_eq!(page.items[0].id, gd.id);
        assert!(matches!(
            c.delete_authority(&cur, Kind::Place, gd.id, 1).await,
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            c.create_authority(
                &as_role(Role::Viewer),
                Kind::Place,
                place("a", "b", "site", None)
            )
            .await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            c.get_authority(&cur, Kind::Term, gd.id).await,
            Err(Error::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn a_renamed_term_shows_at_once_on_records() {
    for t in engines().await {
        let c = Collections::new(t.db.clone());
        let cur = as_role(Role::Curator);
        let id = term(&c, "material", "瓷", "porcelain").await;
        let mut o = object("LBL-1");
        o.material_ids = vec![id];
        let rec = c.create_object(&cur, o).await.unwrap();
        assert_eq!(rec.labels[&id].get("en"), Some("porcelain"));
        let mut renamed = c.get_authority(&cur, Kind::Term, id).await.unwrap().data;
        renamed.label = LangText::zh_en("瓷", "hard-paste porcelain");
        c.update_authority(&cur, Kind::Term, id, 1, renamed)
            .await
            .unwrap();
        let again = c.get_object(&cur, rec.id).await.unwrap();
        assert_eq!(
            again.labels[&id].get("en"),
            Some("hard-paste porcelain"),
            "{}",
            t.engine
        );
    }
}

#[tokio::test]
async fn authority_lists_page_with_cursors_and_filter_by_change_time() {
    for t in engines().await {
        let c = Collections::new(t.db.clone());
        let sys = Actor::System("test");
        let items = (0..23)
            .map(|i| {
                let a = AuthorityInput {
                    vocabulary: "technique".into(),
                    label: LangText::zh_en(format!("技法{i:02}"), format!("technique {i:02}")),
                    ..Default::default()
                };
                (Uuid::now_v7(), Kind::Term, a)
            })
            .collect();
        c.import_authorities(&sys, items).await.unwrap();
        let mut q = AuthorityQuery::words("technique", Some("technique"), 10);
        let mut seen = Vec::new();
        loop {
            let page = c.search_authorities(&sys, Kind::Term, &q).await.unwrap();
            assert_eq!(page.total, 23);
            seen.extend(
                page.items
                    .iter()
                    .map(|a| a.label.get("en").unwrap().to_owned()),
            );
            let Some(next) = page.next_cursor else { break };
            let pairs = [
                ("q", "technique"),
                ("vocabulary", "technique"),
                ("limit", "10"),
                ("cursor", next.as_str()),
            ];
            q = AuthorityQuery::from_pairs(pairs).unwrap();
        }
        let want: Vec<String> = (0..23).map(|i| format!("technique {i:02}")).collect();
        assert_eq!(seen, want, "{}: pages overlap, skip or disorder", t.engine);
        let later = chrono::Utc::now() + chrono::Duration::seconds(5);
        let mut since = AuthorityQuery::words("", None, 50);
        since.updated_since = Some(later);
        assert_eq!(
            c.search_authorities(&sys, Kind::Term, &since)
                .await
                .unwrap()
                .total,
            0
        );
        let bad = AuthorityQuery::words("", Some("colour"), 5);
        assert!(matches!(
            c.search_authorities(&sys, Kind::Term, &bad).await,
            Err(Error::Invalid(_))
        ));
    }
}
