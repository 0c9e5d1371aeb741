//! Accounts, sessions, tokens and the audit log on both engines.

use serde_json::json;
use vitrine_kernel::accounts::{Accounts, NewUser};
use vitrine_kernel::audit::{self, Action, Change};
use vitrine_kernel::migrate::KERNEL_MIGRATIONS;
use vitrine_kernel::{Actor, Error, Role};
use vitrine_testkit::all_engines;

fn new_user(name: &str, role: Role) -> NewUser {
    NewUser {
        username: name.into(),
        display_name: name.into(),
        role,
        password: "correct horse".into(),
    }
}

#[tokio::test]
async fn login_resolves_and_logout_revokes() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let acc = Accounts::new(t.db.clone());
        acc.create_user(&Actor::System("test"), new_user("reg", Role::Registrar))
            .await
            .unwrap();
        let (secret, p) = acc.login("reg", "correct horse").await.unwrap();
        assert_eq!(p.role, Role::Registrar, "{}", t.engine);
        assert_eq!(acc.resolve(&secret).await.unwrap().unwrap().username, "reg");
        acc.logout(&secret).await.unwrap();
        assert!(
            acc.resolve(&secret).await.unwrap().is_none(),
            "{}: revoked session still works",
            t.engine
        );
        assert!(acc.resolve("vts_forged").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn wrong_password_is_refused_then_rate_limited() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let acc = Accounts::new(t.db.clone());
        acc.create_user(&Actor::System("test"), new_user("cur", Role::Curator))
            .await
            .unwrap();
        for _ in 0..5 {
            assert!(matches!(
                acc.login("cur", "nope").await,
                Err(Error::Unauthenticated)
            ));
        }
        // Even the right password is refused while locked out.
        assert!(matches!(
            acc.login("cur", "correct horse").await,
            Err(Error::RateLimited { .. })
        ));
    }
}

#[tokio::test]
async fn duplicate_and_invalid_users_are_refused() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let acc = Accounts::new(t.db.clone());
        let sys = Actor::System("test");
        acc.create_user(&sys, new_user("a1", Role::Viewer))
            .await
            .unwrap();
        let err = acc
            .create_user(&sys, new_user("a1", Role::Viewer))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Conflict { .. }),
            "{}: {err:?}",
            t.engine
        );
        let mut bad = new_user("BAD NAME", Role::Viewer);
        bad.password = "short".into();
        let Error::Invalid(fields) = acc.create_user(&sys, bad).await.unwrap_err() else {
            panic!()
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["username", "password"]);
        assert_eq!(acc.count_users().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn api_tokens_are_listed_without_secret_and_revocable() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let acc = Accounts::new(t.db.clone());
        acc.create_user(&Actor::System("test"), new_user("it", Role::Viewer))
            .await
            .unwrap();
        let (_, p) = acc.login("it", "correct horse").await.unwrap();
        let me = Actor::User(p);
        let (id, secret) = acc
            .create_api_token(&me, "nightly export", Some(30))
            .await
            .unwrap();
        assert!(secret.starts_with("vtk_"));
        assert_eq!(acc.list_api_tokens(&me).await.unwrap().len(), 1);
        assert!(acc.resolve(&secret).await.unwrap().is_some());
        acc.revoke_api_token(&me, id).await.unwrap();
        assert!(acc.resolve(&secret).await.unwrap().is_none());
        assert!(matches!(
            acc.revoke_api_token(&me, id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            acc.create_api_token(&me, " ", None).await,
            Err(Error::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn test_sign_out_with_an_api_token_leaves_it_valid() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let acc = Accounts::new(t.db.clone());
        acc.create_user(&Actor::System("test"), new_user("bot", Role::Viewer))
            .await
            .unwrap();
        let (_, p) = acc.login("bot", "correct horse").await.unwrap();
        let (_, secret) = acc
            .create_api_token(&Actor::User(p), "harvester", None)
            .await
            .unwrap();
        acc.logout(&secret).await.unwrap();
        assert!(
            acc.resolve(&secret).await.unwrap().is_some(),
            "{}: sign-out revoked an API token",
            t.engine
        );
    }
}

#[tokio::test]
async fn audit_history_is_redacted_and_rolled_back_with_its_transaction() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let id = vitrine_kernel::ids::new_id();
        let actor = Actor::System("test");
        let txn = t.db.begin_write().await.unwrap();
        let change = |v, before, after| Change {
            entity_type: "object",
            entity_id: id,
            action: Action::Updated,
            version: v,
            before,
            after,
        };
        audit::record(
            &*txn,
            &actor,
            change(
                2,
                Some(json!({"a": 1, "secret": 1})),
                Some(json!({"a": 2, "secret": 2})),
            ),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        // A rolled-back transaction leaves no audit row behind.
        let txn = t.db.begin_write().await.unwrap();
        audit::record(&*txn, &actor, change(3, None, Some(json!({"a": 3}))))
            .await
            .unwrap();
        drop(txn);
        let h = audit::history(t.db.conn(), "object", id, &|v| {
            if let Some(o) = v.as_object_mut() {
                o.remove("secret");
            }
        })
        .await
        .unwrap();
        assert_eq!(h.len(), 1, "{}", t.engine);
        let fields: Vec<_> = h[0].changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["a"]);
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_foreign_keys() {
    use sea_orm::{ConnectionTrait, Statement};
    let t = vitrine_testkit::sqlite(&[KERNEL_MIGRATIONS]).await;
    let row =
        t.db.conn()
            .query_one_raw(Statement::from_string(
                t.db.backend(),
                "PRAGMA journal_mode",
            ))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
    let row =
        t.db.conn()
            .query_one_raw(Statement::from_string(
                t.db.backend(),
                "PRAGMA foreign_keys",
            ))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 1);
}

#[tokio::test]
async fn administrators_change_roles_and_disable_accounts_but_not_their_own() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let acc = Accounts::new(t.db.clone());
        let sys = Actor::System("test");
        let admin_id = acc
            .create_user(&sys, new_user("boss", Role::Admin))
            .await
            .unwrap();
        let cur_id = acc
            .create_user(&sys, new_user("cur", Role::Curator))
            .await
            .unwrap();
        let (_, p) = acc.login("boss", "correct horse").await.unwrap();
        let admin = Actor::User(p);
        let (cur_secret, p) = acc.login("cur", "correct horse").await.unwrap();
        let curator = Actor::User(p);
        assert!(matches!(
            acc.update_user(&curator, cur_id, Role::Admin, false).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            acc.update_user(&admin, admin_id, Role::Viewer, false).await,
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            acc.update_user(&admin, admin_id, Role::Admin, true).await,
            Err(Error::Invalid(_))
        ));
        acc.update_user(&admin, cur_id, Role::Registrar, false)
            .await
            .unwrap();
        assert_eq!(
            acc.resolve(&cur_secret).await.unwrap().unwrap().role,
            Role::Registrar,
            "{}: role change seen at once",
            t.engine
        );
        acc.update_user(&admin, cur_id, Role::Registrar, true)
            .await
            .unwrap();
        assert!(
            acc.resolve(&cur_secret).await.unwrap().is_none(),
            "{}: disabled account still signed in",
            t.engine
        );
        assert!(matches!(
            acc.login("cur", "correct horse").await,
            Err(Error::Unauthenticated)
        ));
    }
}

#[tokio::test]
async fn a_session_ended_on_one_node_is_refused_on_another_within_a_second() {
    for t in all_engines(&[KERNEL_MIGRATIONS]).await {
        let a = Accounts::new(t.db.clone());
        let b = Accounts::new(vitrine_kernel::Db::connect(&t.url).await.unwrap());
        let watch = b.spawn_epoch_watch();
        a.create_user(&Actor::System("test"), new_user("reg", Role::Registrar))
            .await
            .unwrap();
        let (secret, _) = a.login("reg", "correct horse").await.unwrap();
        // Node B has the session cached when node A ends it.
        assert!(b.resolve(&secret).await.unwrap().is_some(), "{}", t.engine);
        a.logout(&secret).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        assert!(
            b.resolve(&secret).await.unwrap().is_none(),
            "{}: node B still accepts a session ended on node A",
            t.engine
        );
        watch.abort();
    }
}
