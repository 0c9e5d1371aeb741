//! The media library on both engines, below HTTP: fixity checks find changed and missing
//! masters, pyramids are remade from the masters, a refused import keeps nothing, the
//! "has image" answer follows links and rights, and the permissions of each use case.

use serde_json::json;
use vitrine_collections::Collections;
use vitrine_collections::model::ObjectInput;
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Error, Role};
use vitrine_media::iiif::Format;
use vitrine_media::raster::Raster;
use vitrine_media::{Description, ImportOptions, Media, Settings, Source, Status};
use vitrine_testkit::{all_engines, as_role};

fn picture(shade: u8) -> Vec<u8> {
    let mut r = Raster::new(900, 700, 3);
    for (i, px) in r.data.chunks_exact_mut(3).enumerate() {
        px.copy_from_slice(&[shade, (i % 900 / 4) as u8, (i / 900 / 3) as u8]);
    }
    vitrine_media::render::encode(&r, Format::Jpg).unwrap()
}

fn object(number: &str, public: bool) -> ObjectInput {
    serde_json::from_value(json!({
        "object_number": number,
        "title": {"zh-Hans": "龙泉窑青釉瓶", "en": "Longquan celadon vase"},
        "department": "history",
        "public": public,
    }))
    .unwrap()
}

fn file(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Source {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    Source {
        path,
        name: name.into(),
        consume: false,
    }
}

fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() { files_under(&p) } else { 1 }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixity_reprocessing_refusals_and_image_presence() {
    for t in all_engines(&[
        KERNEL_MIGRATIONS,
        vitrine_collections::MIGRATIONS,
        vitrine_media::MIGRATIONS,
    ])
    .await
    {
        let root = tempfile::tempdir().unwrap();
        let inbox = tempfile::tempdir().unwrap();
        let collections = Collections::new(t.db.clone());
        let media = Media::open(
            t.db.clone(),
            collections.clone(),
            root.path().join("media"),
            Settings::default(),
        )
        .unwrap();
        let registrar = as_role(Role::Registrar);
        let shown = collections
            .create_object(&registrar, object("FX-1", true))
            .await
            .unwrap();
        let hidden = collections
            .create_object(&registrar, object("FX-2", false))
            .await
            .unwrap();
        let photographer = as_role(Role::Media);

        // Viewers may not add images; a file that is not what it says keeps nothing.
        let viewer = as_role(Role::Viewer);
        let refused = media
            .ingest(
                &viewer,
                file(inbox.path(), "a.jpg", &picture(1)),
                ImportOptions::default(),
            )
            .await;
        assert!(matches!(refused, Err(Error::Forbidden(_))), "{}", t.engine);
        let mut cut = picture(2);
        cut.truncate(cut.len() / 3);
        let refused = media
            .ingest(
                &photographer,
                file(inbox.path(), "cut.jpg", &cut),
                ImportOptions::default(),
            )
            .await;
        assert!(refused.is_err(), "a truncated JPEG is refused");
        assert_eq!(
            files_under(&root.path().join("media/masters")),
            0,
            "nothing kept"
        );
        let empty = media
            .list(&photographer, &Default::default())
            .await
            .unwrap();
        assert_eq!(empty.total, 0);

        // Two images: one shown with the public object (open), one in copyright with the
        // unpublished one.
        let open = ImportOptions {
            object: Some(shown.id),
            description: Description {
                rights: "http://creativecommons.org/publicdomain/zero/1.0/".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let a = media
            .ingest(
                &photographer,
                file(inbox.path(), "a.jpg", &picture(3)),
                open,
            )
            .await
            .unwrap();
        let a = media.derive(a).await.unwrap();
        assert_eq!(a.status, Status::Ready);
        let b = media
            .ingest(
                &photographer,
                file(inbox.path(), "b.jpg", &picture(4)),
                ImportOptions {
                    object: Some(hidden.id),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let b = media.derive(b).await.unwrap();
        let presence = media
            .image_presence(&[shown.id, hidden.id, uuid::Uuid::now_v7()])
            .await
            .unwrap();
        assert_eq!(presence.get(&shown.id), Some(&true), "{}", t.engine);
        assert_eq!(
            presence.get(&hidden.id),
            Some(&false),
            "staff only: not public"
        );
        assert_eq!(presence.len(), 2, "an object without images is absent");

        // Fixity: only administrators check; every master matches, then one changes and
        // one goes missing.
        let admin = as_role(Role::Admin);
        assert!(matches!(
            media.verify(&photographer, &|_, _| {}).await,
            Err(Error::Forbidden(_))
        ));
        assert!(media.verify(&admin, &|_, _| {}).await.unwrap().is_empty());
        let master = |sha: &str| {
            root.path()
                .join("media/masters")
                .join(&sha[..2])
                .join(&sha[2..4])
                .join(format!("{sha}.jpg"))
        };
        let mut bytes = std::fs::read(master(&a.sha256)).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xFF;
        std::fs::write(master(&a.sha256), bytes).unwrap();
        std::fs::remove_file(master(&b.sha256)).unwrap();
        let seen = std::sync::atomic::AtomicU64::new(0);
        let mut problems = media
            .verify(&admin, &|done, _| {
                seen.store(done, std::sync::atomic::Ordering::Relaxed)
            })
            .await
            .unwrap();
        problems.sort_by(|x, y| x.problem.cmp(&y.problem));
        let found: Vec<(&str, uuid::Uuid)> = problems
            .iter()
            .map(|p| (p.problem.as_str(), p.id))
            .collect();
        assert_eq!(
            found,
            [("changed", a.id), ("missing", b.id)],
            "{}",
            t.engine
        );
        assert_eq!(
            seen.load(std::sync::atomic::Ordering::Relaxed),
            2,
            "progress reached the end"
        );

        // Reprocessing remakes a lost pyramid from its master (a fresh copy for the changed one).
        std::fs::write(master(&a.sha256), picture(3)).unwrap();
        let pyramid = root.path().join(format!("media/pyramids/{}.tif", a.id));
        std::fs::remove_file(&pyramid).unwrap();
        assert!(matches!(
            media.reprocess(&viewer, &[a.id]).await,
            Err(Error::Forbidden(_))
        ));
        assert_eq!(media.reprocess(&photographer, &[a.id]).await.unwrap(), 1);
        assert_eq!(media.work_once().await.unwrap(), 1);
        assert!(pyramid.exists());
        let again = media.get(&photographer, a.id).await.unwrap();
        assert_eq!((again.status, again.progress), (Status::Ready, 100));
        let tile = media
            .image(
                &Actor::Anonymous,
                &again.identifier,
                ["full", "max", "0", "default.jpg"],
            )
            .await
            .unwrap();
        assert!(
            tile.bytes.starts_with(&[0xFF, 0xD8]),
            "the public gets the remade image"
        );
    }
}

#[test]
fn a_full_disk_is_the_operators_to_fix_not_a_bug() {
    let e = vitrine_media::service::io_error("the master", std::io::Error::from_raw_os_error(28));
    assert!(matches!(e, Error::StorageFull(_)), "{e:?}");
    let e = vitrine_media::service::io_error("the master", std::io::Error::other("boom"));
    assert!(matches!(e, Error::Internal(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_renders_beyond_the_limit_wait_their_turn_and_all_finish() {
    let t = vitrine_testkit::sqlite(&[
        KERNEL_MIGRATIONS,
        vitrine_collections::MIGRATIONS,
        vitrine_media::MIGRATIONS,
    ])
    .await;
    let root = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let collections = Collections::new(t.db.clone());
    let media = Media::open(
        t.db.clone(),
        collections,
        root.path().join("media"),
        Settings {
            large_renders: 1,
            cache_bytes: 0,
            ..Settings::default()
        },
    )
    .unwrap();
    let photographer = as_role(Role::Media);
    let a = media
        .ingest(
            &photographer,
            file(inbox.path(), "a.jpg", &picture(5)),
            ImportOptions::default(),
        )
        .await
        .unwrap();
    let a = media.derive(a).await.unwrap();
    // Upscaled and turned: each canvas is well over the large-render threshold.
    let renders: Vec<_> = (0..3)
        .map(|i| {
            let (media, id, who) = (media.clone(), a.identifier.clone(), photographer.clone());
            tokio::spawn(async move {
                let rotation = format!("{}", 20 + i);
                media
                    .image(&who, &id, ["full", "^2400,", &rotation, "default.png"])
                    .await
            })
        })
        .collect();
    for r in renders {
        let png = r.await.unwrap().unwrap();
        let img = image::load_from_memory(&png.bytes).unwrap();
        assert!(u64::from(img.width()) * u64::from(img.height()) > 4_000_000);
    }
}
