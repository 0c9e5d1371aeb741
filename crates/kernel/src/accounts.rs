//! Accounts, browser sessions and API tokens.
//!
//! Passwords are Argon2 hashes; session cookies and API tokens are random secrets of
//! which only a SHA-256 is stored, so a copy of the database lets nobody sign in.
//! Failed logins are counted per user name and slow an attacker down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::{Actor, Permission, Principal, Role};
use crate::db::{Db, is_unique_violation};
use crate::entities::{auth_token, user};
use crate::error::{Error, Problems, Result};
use crate::ids::{new_id, random_bytes};
use crate::langtext::Lang;

/// How long a browser session lasts without use.
pub const SESSION_TTL: chrono::Duration = chrono::Duration::hours(12);
/// Failed logins allowed per user name within `LOCKOUT_WINDOW`.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// The window in which failed logins are counted.
pub const LOCKOUT_WINDOW: Duration = Duration::from_secs(300);
/// How long a resolved token is trusted without asking the database again. Logout and
/// revocation clear this server's cache at once, and other servers sharing the database
/// when their epoch watch sees the change (every [`EPOCH_POLL`]).
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(10);
/// How often a node looks whether another node revoked a token or changed an account.
pub const EPOCH_POLL: Duration = Duration::from_millis(250);

/// A new account.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Login name: 2–64 of a–z, 0–9, `_`, `-`, `.`.
    pub username: String,
    /// Name shown in history.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// At least 8 characters.
    pub password: String,
}

/// An account as listed to administrators.
#[derive(Clone, Debug, Serialize)]
pub struct UserSummary {
    /// Id.
    pub id: Uuid,
    /// Login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Whether sign-in is refused.
    pub disabled: bool,
}

/// An API token as listed to its owner (never the secret).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    /// Id (to revoke it).
    pub id: Uuid,
    /// The owner's label for it.
    pub name: String,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last request made with it (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Token digest -> (who, token expiry, when looked up).
type ResolvedTokens = HashMap<String, (Principal, Option<DateTime<Utc>>, Instant, i64)>;

/// The accounts service.
#[derive(Clone)]
pub struct Accounts {
    db: Db,
    failures: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
    /// Token digest -> who it belongs to, when the token expires, when this was looked
    /// up, and the auth epoch it was looked up in.
    resolved: Arc<Mutex<ResolvedTokens>>,
    /// The auth epoch this node last saw; cached tokens of an older epoch are not trusted.
    epoch: Arc<std::sync::atomic::AtomicI64>,
}

#[derive(sea_orm::FromQueryResult)]
struct EpochRow {
    epoch: i64,
}

/// Moves the auth epoch, in the transaction of a revocation or an account change.
async fn bump_epoch(c: &impl sea_orm::ConnectionTrait) -> Result<()> {
    c.execute_raw(crate::sql::stmt(
        c.get_database_backend(),
        "UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1",
        vec![],
    ))
    .await?;
    Ok(())
}

/// SHA-256 of a secret, hex-encoded: what the tokens table keys on.
fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(random_bytes::<32>()))
}

fn check_new_user(u: &NewUser) -> Result<()> {
    let mut p = Problems::default();
    let name_ok = (2..=64).contains(&u.username.len())
        && u.username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-.".contains(c));
    if !name_ok {
        p.add(
            "username",
            "invalid_username",
            "2–64 characters of a–z, 0–9, _ - .",
        );
    }
    if u.password.chars().count() < 8 {
        p.add("password", "password_too_short", "at least 8 characters");
    }
    if u.display_name.trim().is_empty() || u.display_name.chars().count() > 100 {
        p.add("display_name", "required", "1–100 characters");
    }
    p.finish()
}

impl Accounts {
    /// The service over a database.
    pub fn new(db: Db) -> Self {
        Accounts {
            db,
            failures: Arc::default(),
            resolved: Arc::default(),
            epoch: Arc::default(),
        }
    }

    /// Reads the auth epoch; when another node moved it, forgets every cached token.
    pub async fn check_epoch(&self) -> Result<()> {
        use std::sync::atomic::Ordering;
        let row: Option<EpochRow> = crate::sql::fetch_one(
            self.db.conn(),
            "SELECT epoch FROM auth_epoch WHERE id = 1",
            vec![],
        )
        .await?;
        let now = row.map_or(0, |r| r.epoch);
        if self.epoch.swap(now, Ordering::AcqRel) != now {
            self.forget_resolved();
        }
        Ok(())
    }

    /// Watches the auth epoch every [`EPOCH_POLL`] (`vitrine serve` runs it), so a token
    /// revoked on another node is refused here within a second.
    pub fn spawn_epoch_watch(&self) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(EPOCH_POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = me.check_epoch().await {
                    tracing::warn!(error = %e, "cannot read the auth epoch");
                }
            }
        })
    }

    /// Creates an account (administrators and the system only).
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<Uuid> {
        actor.require(Permission::UsersManage)?;
        check_new_user(&new)?;
        let password = new.password.clone();
        let hash = tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?;
        let id = new_id();
        let now = Utc::now();
        let txn = self.db.begin_write().await?;
        let res = user::Entity::insert(user::ActiveModel {
            id: Set(id),
            username: Set(new.username.clone()),
            display_name: Set(new.display_name.trim().to_owned()),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(hash),
            lang: Set(Lang::ZhHans.tag().to_owned()),
            disabled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&*txn)
        .await;
        match res {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict {
                    field: Some("username".into()),
                    message: format!("the user name `{}` is taken", new.username),
                });
            }
            r => r?,
        };
        txn.commit().await?;
        Ok(id)
    }

    /// All accounts, by user name.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserSummary>> {
        if !matches!(actor, Actor::System(_)) {
            actor.require(Permission::UsersManage)?;
        }
        let rows = user::Entity::find()
            .order_by_asc(user::Column::Username)
            .all(self.db.conn())
            .await?;
        Ok(rows
            .into_iter()
            .map(|u| UserSummary {
                id: u.id,
                username: u.username,
                display_name: u.display_name,
                role: Role::parse(&u.role).unwrap_or(Role::Viewer),
                disabled: u.disabled,
            })
            .collect())
    }

    /// Changes an account's role and whether it may sign in (administrators only). An
    /// administrator cannot disable or demote their own account, so the museum is never
    /// left without one by accident. Takes effect at once in this process.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: Uuid,
        role: Role,
        disabled: bool,
    ) -> Result<()> {
        actor.require(Permission::UsersManage)?;
        if actor.user_id() == Some(id) && (disabled || role != Role::Admin) {
            return Err(Error::invalid(
                "role",
                "own_account",
                "you cannot demote or disable your own account",
            ));
        }
        let txn = self.db.begin_write().await?;
        let res = user::Entity::update_many()
            .col_expr(user::Column::Role, Expr::value(role.as_str()))
            .col_expr(user::Column::Disabled, Expr::value(disabled))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(id))
            .exec(&*txn)
            .await?;
        bump_epoch(&*txn).await?;
        txn.commit().await?;
        self.forget_resolved();
        if res.rows_affected == 0 {
            return Err(Error::NotFound { what: "account" });
        }
        Ok(())
    }

    /// Number of accounts (0 on a new museum).
    pub async fn count_users(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(user::Entity::find().count(self.db.conn()).await?)
    }

    /// Checks a user name and password and opens a session (`kind` = `session`) or mints
    /// a script token. Returns the secret, shown once, and who it belongs to.
    pub async fn login(&self, username: &str, password: &str) -> Result<(String, Principal)> {
        self.check_rate(username)?;
        let found = user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(self.db.conn())
            .await?;
        // Verify against a fixed hash when the user is unknown, so timing does not tell
        // which user names exist.
        let hash = found
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_owned());
        let pw = password.to_owned();
        let ok =
            tokio::task::spawn_blocking(move || password_auth::verify_password(pw, &hash).is_ok())
                .await
                .map_err(|e| Error::Internal(e.to_string()))?;
        let user = match found {
            Some(u) if ok && !u.disabled => u,
            _ => {
                self.note_failure(username);
                return Err(Error::Unauthenticated);
            }
        };
        self.failures.lock().map(|mut f| f.remove(username)).ok();
        let secret = new_secret("vts_");
        self.insert_token(
            user.id,
            "session",
            "browser session",
            &secret,
            Some(Utc::now() + SESSION_TTL),
        )
        .await?;
        Ok((secret, principal(user)))
    }

    fn check_rate(&self, username: &str) -> Result<()> {
        let mut f = self
            .failures
            .lock()
            .map_err(|_| Error::Internal("rate limiter poisoned".into()))?;
        if let Some((n, since)) = f.get(username).copied() {
            let elapsed = since.elapsed();
            if elapsed > LOCKOUT_WINDOW {
                f.remove(username);
            } else if n >= MAX_FAILED_LOGINS {
                return Err(Error::RateLimited {
                    retry_after_secs: (LOCKOUT_WINDOW - elapsed).as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    fn note_failure(&self, username: &str) {
        if let Ok(mut f) = self.failures.lock() {
            // Bound memory under a flood of invented user names.
            if f.len() > 100_000 {
                f.retain(|_, (_, since)| since.elapsed() <= LOCKOUT_WINDOW);
            }
            let e = f.entry(username.to_owned()).or_insert((0, Instant::now()));
            e.0 += 1;
        }
    }

    async fn insert_token(
        &self,
        user_id: Uuid,
        kind: &str,
        name: &str,
        secret: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Uuid> {
        let id = new_id();
        let txn = self.db.begin_write().await?;
        auth_token::Entity::insert(auth_token::ActiveModel {
            id: Set(id),
            token_hash: Set(digest(secret)),
            user_id: Set(user_id),
            kind: Set(kind.to_owned()),
            name: Set(name.to_owned()),
            created_at: Set(Utc::now()),
            expires_at: Set(expires_at),
            last_used_at: Set(None),
            revoked_at: Set(None),
        })
        .exec_without_returning(&*txn)
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Who a session cookie or bearer token belongs to; `None` when unknown, expired,
    /// revoked or the account is disabled.
    pub async fn resolve(&self, secret: &str) -> Result<Option<Principal>> {
        if secret.len() > 200 {
            return Ok(None);
        }
        let key = digest(secret);
        let epoch = self.epoch.load(std::sync::atomic::Ordering::Acquire);
        if let Ok(cache) = self.resolved.lock()
            && let Some((p, expires, at, seen)) = cache.get(&key)
            && *seen == epoch
            && at.elapsed() < TOKEN_CACHE_TTL
            && expires.is_none_or(|e| e > Utc::now())
        {
            return Ok(Some(p.clone()));
        }
        let found = self.resolve_in_db(&key).await?;
        if let (Some((p, expires)), Ok(mut cache)) = (&found, self.resolved.lock()) {
            if cache.len() >= 10_000 {
                cache.clear();
            }
            // Filed under the epoch seen before the read: if the epoch moved meanwhile,
            // the entry is already stale and the next call asks the database again.
            cache.insert(key, (p.clone(), *expires, Instant::now(), epoch));
        }
        Ok(found.map(|(p, _)| p))
    }

    /// Forgets every cached token (after a revocation or a change to an account).
    fn forget_resolved(&self) {
        if let Ok(mut c) = self.resolved.lock() {
            c.clear();
        }
    }

    async fn resolve_in_db(&self, key: &str) -> Result<Option<(Principal, Option<DateTime<Utc>>)>> {
        let Some(tok) = auth_token::Entity::find()
            .filter(auth_token::Column::TokenHash.eq(key))
            .one(self.db.conn())
            .await?
        else {
            return Ok(None);
        };
        let now = Utc::now();
        if tok.revoked_at.is_some() || tok.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let Some(u) = user::Entity::find_by_id(tok.user_id)
            .one(self.db.conn())
            .await?
        else {
            return Ok(None);
        };
        if u.disabled {
            return Ok(None);
        }
        // Write `last_used_at` (and slide a session's expiry) at most once a minute, so
        // reads do not turn into writes.
        let mut expires = tok.expires_at;
        if tok
            .last_used_at
            .is_none_or(|t| now - t > chrono::Duration::minutes(1))
        {
            if tok.kind == "session" {
                expires = Some(now + SESSION_TTL);
            }
            let txn = self.db.begin_write().await?;
            auth_token::Entity::update_many()
                .col_expr(auth_token::Column::LastUsedAt, Expr::value(now))
                .col_expr(auth_token::Column::ExpiresAt, Expr::value(expires))
                .filter(auth_token::Column::Id.eq(tok.id))
                .exec(&*txn)
                .await?;
            txn.commit().await?;
        }
        Ok(Some((principal(u), expires)))
    }

    /// Ends the session whose secret this is (sign-out). An API token given here stays
    /// valid: it is revoked with [`Self::revoke_api_token`].
    pub async fn logout(&self, secret: &str) -> Result<()> {
        self.forget_resolved();
        let txn = self.db.begin_write().await?;
        auth_token::Entity::update_many()
            .col_expr(auth_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(auth_token::Column::TokenHash.eq(digest(secret)))
            // Signing out ends a session; an API token is revoked by its own route.
            .filter(auth_token::Column::Kind.eq("session"))
            .exec(&*txn)
            .await?;
        bump_epoch(&*txn).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Mints an API token for the caller. The secret is returned once and never again.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        name: &str,
        days: Option<u32>,
    ) -> Result<(Uuid, String)> {
        actor.require(Permission::OwnTokens)?;
        let user_id = actor.user_id().ok_or(Error::Unauthenticated)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid(
                "name",
                "required",
                "give the token a name of 1–100 characters",
            ));
        }
        if days.is_some_and(|d| d == 0 || d > 3650) {
            return Err(Error::invalid(
                "days",
                "out_of_range",
                "between 1 and 3650 days",
            ));
        }
        let secret = new_secret("vtk_");
        let expires = days.map(|d| Utc::now() + chrono::Duration::days(i64::from(d)));
        let id = self
            .insert_token(user_id, "api", name, &secret, expires)
            .await?;
        Ok((id, secret))
    }

    /// The caller's live API tokens, newest first.
    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<TokenInfo>> {
        actor.require(Permission::OwnTokens)?;
        let user_id = actor.user_id().ok_or(Error::Unauthenticated)?;
        let rows = auth_token::Entity::find()
            .filter(auth_token::Column::UserId.eq(user_id))
            .filter(auth_token::Column::Kind.eq("api"))
            .filter(auth_token::Column::RevokedAt.is_null())
            .order_by_desc(auth_token::Column::CreatedAt)
            .all(self.db.conn())
            .await?;
        Ok(rows
            .into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                name: t.name,
                created_at: t.created_at,
                expires_at: t.expires_at,
                last_used_at: t.last_used_at,
            })
            .collect())
    }

    /// Revokes one of the caller's API tokens.
    pub async fn revoke_api_token(&self, actor: &Actor, id: Uuid) -> Result<()> {
        actor.require(Permission::OwnTokens)?;
        let user_id = actor.user_id().ok_or(Error::Unauthenticated)?;
        let txn = self.db.begin_write().await?;
        let res = auth_token::Entity::update_many()
            .col_expr(auth_token::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(auth_token::Column::Id.eq(id))
            .filter(auth_token::Column::UserId.eq(user_id))
            .filter(auth_token::Column::Kind.eq("api"))
            .filter(auth_token::Column::RevokedAt.is_null())
            .exec(&*txn)
            .await?;
        bump_epoch(&*txn).await?;
        txn.commit().await?;
        self.forget_resolved();
        if res.rows_affected == 0 {
            return Err(Error::NotFound { what: "token" });
        }
        Ok(())
    }

    /// Remembers the caller's interface language.
    pub async fn set_lang(&self, actor: &Actor, lang: Lang) -> Result<()> {
        let user_id = actor.user_id().ok_or(Error::Unauthenticated)?;
        let txn = self.db.begin_write().await?;
        user::Entity::update_many()
            .col_expr(user::Column::Lang, Expr::value(lang.tag()))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id))
            .exec(&*txn)
            .await?;
        bump_epoch(&*txn).await?;
        txn.commit().await?;
        self.forget_resolved();
        Ok(())
    }
}

fn principal(u: user::Model) -> Principal {
    Principal {
        user_id: u.id,
        role: Role::parse(&u.role).unwrap_or(Role::Viewer),
        lang: Lang::parse(&u.lang).unwrap_or_default(),
        username: u.username,
        display_name: u.display_name,
    }
}

/// An Argon2 hash of a random string, verified against when a user name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3R8GE9Tll0R6VR7hIjRCDgzUgppRBzmA6H3tC1Mbkbk";
