//! The search service every interface calls: staff and public search, suggestions,
//! export, index status. Permissions are checked here; the public projection is a
//! separate index, so no public answer can come from restricted text.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::TantivyDocument;
use utoipa::ToSchema;
use uuid::Uuid;
use vitrine_collections::Collections;
use vitrine_kernel::{Actor, Error, Lang, Permission, Result};

use crate::analysis::Analyzer;
use crate::authority_index::AuthorityIndex;
use crate::document::{Authorities, Projection};
use crate::engine::{self, Context, SearchResults};
use crate::query;
use crate::request::SearchRequest;
use crate::schema::{self, Fields};
use crate::store::{Generation, Root, err};
use crate::suggest::{Names, Suggestion, SuggestionKind};

/// Which of some objects have images: object id → whether the public may see one of them
/// (absent: no image). The media library answers; search, listed before it, cannot ask it
/// itself, so the program hands it this.
pub type ImageLookup = Arc<
    dyn Fn(
            Vec<Uuid>,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<HashMap<Uuid, bool>>> + Send>,
        > + Send
        + Sync,
>;

/// Public answers kept in memory (a page of 20 hits and the facets is a few kB).
const PUBLIC_ANSWERS: usize = 4_096;

/// The system actor the index reads the catalogue as.
pub(crate) const INDEXER: Actor = Actor::System("search index");
/// Most rows one export carries.
pub const MAX_EXPORT: usize = 200_000;
/// Longest text suggestions look at.
const MAX_SUGGEST_CHARS: usize = 100;

/// The generation in use and how far it has followed the outbox.
pub(crate) struct Live {
    pub generation: Generation,
    pub applied: AtomicI64,
}

/// A rebuild in progress.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Progress {
    /// Records indexed so far.
    pub done: u64,
    /// Records to index.
    pub total: u64,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// What the index is doing.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct IndexStatus {
    /// `ready`, `building` (no index yet; search answers 503) or `rebuilding` (search
    /// answers from the previous index).
    pub state: String,
    /// Generation in use.
    pub generation: Option<String>,
    /// Outbox position the index reflects.
    pub indexed_seq: i64,
    /// Newest outbox position.
    pub outbox_seq: i64,
    /// Records in the staff index.
    pub staff_documents: u64,
    /// Records in the public index.
    pub public_documents: u64,
    /// Bytes on disk of the generation in use.
    pub size_bytes: u64,
    /// The rebuild under way.
    pub rebuild: Option<Progress>,
    /// The last failure of the follower or a rebuild.
    pub last_error: Option<String>,
}

pub(crate) struct Inner {
    pub root: Root,
    pub an: Arc<Analyzer>,
    pub f: Fields,
    pub collections: Collections,
    pub live: RwLock<Option<Arc<Live>>>,
    pub names: RwLock<Arc<Known>>,
    pub progress: Mutex<Option<Progress>>,
    pub last_error: Mutex<Option<String>>,
    pub rebuilding: tokio::sync::Mutex<()>,
    pub images: RwLock<Option<ImageLookup>>,
    /// Public answers by index snapshot and request (see [`Search::search_public`]).
    pub public_answers: quick_cache::sync::Cache<(String, u64, String), Arc<SearchResults>>,
}

/// Everything search knows of the authorities, replaced whole when one changes.
pub(crate) struct Known {
    /// By id, for facet labels.
    pub auth: Authorities,
    /// For suggestions.
    pub names: Names,
    /// Searched by name (see `authority_index`).
    pub index: AuthorityIndex,
}

/// Runs index work on a thread of its own: a search holds its thread until every
/// segment is read, and on the async workers (one per core) two slow searches would
/// leave the other requests, and the search threads' spare core, waiting.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(err)?
}

/// The search service (cheap to clone).
#[derive(Clone)]
pub struct Search {
    pub(crate) inner: Arc<Inner>,
}

impl Search {
    /// Opens the index under `dir` (`DATA/index`). A missing, outdated or damaged index
    /// is not an error: [`Search::spawn_follower`] rebuilds it in the background.
    pub async fn open(dir: impl Into<PathBuf>, collections: Collections) -> Result<Search> {
        let root = Root::new(dir);
        let (_, f) = schema::build();
        let an = Arc::new(
            tokio::task::spawn_blocking(Analyzer::new)
                .await
                .map_err(err)?,
        );
        let live = match root.open_current(&an) {
            Ok(generation) => {
                let seq = generation.seq()?;
                Some(Arc::new(Live {
                    generation,
                    applied: AtomicI64::new(seq),
                }))
            }
            Err(e) => {
                if root.current_name().is_some() {
                    tracing::warn!(error = %e, "search index unusable; it will be rebuilt");
                }
                None
            }
        };
        let empty = AuthorityIndex::empty(&an);
        let s = Search {
            inner: Arc::new(Inner {
                root,
                an,
                f,
                collections,
                live: RwLock::new(live),
                names: RwLock::new(Arc::new(Known {
                    auth: Authorities::new(),
                    names: Names::default(),
                    index: empty,
                })),
                progress: Mutex::new(None),
                last_error: Mutex::new(None),
                rebuilding: tokio::sync::Mutex::new(()),
                images: RwLock::new(None),
                public_answers: quick_cache::sync::Cache::new(PUBLIC_ANSWERS),
            }),
        };
        s.reload_names().await?;
        Ok(s)
    }

    /// Tells the index which objects have images (before [`Search::spawn_follower`], so
    /// a first build already knows); without it every record has none.
    pub fn set_image_lookup(&self, lookup: ImageLookup) {
        if let Ok(mut l) = self.inner.images.write() {
            *l = Some(lookup);
        }
    }

    /// Which of these objects have images, and whether the public may see one.
    pub(crate) async fn images_of(&self, ids: Vec<Uuid>) -> Result<HashMap<Uuid, bool>> {
        let lookup = self.inner.images.read().ok().and_then(|l| l.clone());
        match lookup {
            Some(f) if !ids.is_empty() => f(ids).await,
            _ => Ok(HashMap::new()),
        }
    }

    pub(crate) fn live(&self) -> Option<Arc<Live>> {
        self.inner.live.read().ok().and_then(|l| l.clone())
    }

    pub(crate) fn names(&self) -> Arc<Known> {
        self.inner
            .names
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads every authority again (after one changed).
    pub(crate) async fn reload_names(&self) -> Result<()> {
        let auth = self.inner.collections.feed_authorities(&INDEXER).await?;
        let an = self.inner.an.clone();
        let known = tokio::task::spawn_blocking(move || -> Result<Known> {
            Ok(Known {
                names: Names::new(&auth),
                index: AuthorityIndex::new(&an, &auth)?,
                auth,
            })
        })
        .await
        .map_err(err)??;
        if let Ok(mut n) = self.inner.names.write() {
            *n = Arc::new(known);
        }
        // A kept public answer may name an authority as it was.
        self.inner.public_answers.clear();
        Ok(())
    }

    fn unavailable(&self) -> Error {
        let pct = self
            .inner
            .progress
            .lock()
            .ok()
            .and_then(|p| p.clone())
            .map(|p| format!(" ({}%)", p.done * 100 / p.total.max(1)))
            .unwrap_or_default();
        Error::Unavailable(format!(
            "the search index is being built{pct}; try again in a moment"
        ))
    }

    fn run(
        &self,
        p: Projection,
        req: &SearchRequest,
        secret: bool,
        staff: bool,
    ) -> Result<SearchResults> {
        let parsed = req.parsed(staff)?;
        let live = self.live().ok_or_else(|| self.unavailable())?;
        let side = live.generation.side(p);
        let searcher = side.reader.searcher();
        let names = self.names();
        let cx = Context {
            an: &self.inner.an,
            f: &self.inner.f,
            auth: &names.auth,
            authorities: &names.index,
            secret,
            facets: &side.facets,
        };
        engine::run(&cx, &searcher, req, parsed.as_ref())
    }

    /// Staff search: every record, restricted text only for roles allowed to see it.
    pub async fn search(&self, actor: &Actor, req: &SearchRequest) -> Result<SearchResults> {
        actor.require(Permission::CatalogueRead)?;
        let secret = actor.can(Permission::ConfidentialRead);
        let (s, req) = (self.clone(), req.clone());
        blocking(move || s.run(Projection::Staff, &req, secret, true)).await
    }

    /// Public search: published records, public fields only. Visitors ask the same
    /// things again and again (a department, a famous ware, the next page), so answers are
    /// kept by the index snapshot they were computed on and the whole request: a commit
    /// makes a new snapshot, so a kept answer is never older than what the index holds.
    pub async fn search_public(&self, req: &SearchRequest) -> Result<SearchResults> {
        let live = self.live().ok_or_else(|| self.unavailable())?;
        let snapshot = live
            .generation
            .side(Projection::Public)
            .reader
            .searcher()
            .generation()
            .generation_id();
        // Snapshot ids count per index: the generation's name tells rebuilt indexes apart.
        let key = (live.generation.name.clone(), snapshot, format!("{req:?}"));
        if let Some(hit) = self.inner.public_answers.get(&key) {
            return Ok((*hit).clone());
        }
        let (s, r) = (self.clone(), req.clone());
        let answer = blocking(move || s.run(Projection::Public, &r, false, false)).await?;
        self.inner
            .public_answers
            .insert(key, Arc::new(answer.clone()));
        Ok(answer)
    }

    /// Suggestions for what has been typed so far: objects, then makers, terms, places.
    /// `actor` is `None` for the public site.
    pub async fn suggest(
        &self,
        actor: Option<&Actor>,
        typed: &str,
        lang: Lang,
    ) -> Result<Vec<Suggestion>> {
        let staff = match actor {
            Some(a) => {
                a.require(Permission::CatalogueRead)?;
                true
            }
            None => false,
        };
        if typed.chars().count() > MAX_SUGGEST_CHARS {
            return Err(Error::invalid(
                "q",
                "too_long",
                format!("suggestions look at {MAX_SUGGEST_CHARS} characters at most"),
            )
            .into_parameters());
        }
        let typed = typed.trim().to_owned();
        if typed.is_empty() {
            return Ok(Vec::new());
        }
        let s = self.clone();
        blocking(move || s.suggest_now(staff, &typed, lang)).await
    }

    fn suggest_now(&self, staff: bool, typed: &str, lang: Lang) -> Result<Vec<Suggestion>> {
        let p = if staff {
            Projection::Staff
        } else {
            Projection::Public
        };
        let live = self.live().ok_or_else(|| self.unavailable())?;
        let searcher = live.generation.side(p).reader.searcher();
        let names = self.names();
        let mut out = Vec::new();
        // Half-typed syntax (an open quote) simply suggests no objects; neither does one
        // character, which matches too much of a large collection to rank usefully.
        if typed.chars().count() >= 2
            && let Ok(parsed) = query::parse(typed, staff)
        {
            let planner = crate::plan::Planner::records(
                &self.inner.an,
                &self.inner.f,
                &searcher,
                false,
                &names.index,
            );
            if let Some(q) = planner.query_typed(&parsed) {
                let (_, docs, _) = engine::top(
                    &searcher,
                    &*q,
                    crate::request::Sort::Relevance,
                    0,
                    5,
                    None,
                    &crate::facet_filter::Checks::default(),
                )?;
                for d in docs {
                    let doc: TantivyDocument = searcher.doc(d).map_err(err)?;
                    let f = &self.inner.f;
                    let Ok(id) = Uuid::parse_str(&engine::text_of(&doc, f.id)) else {
                        continue;
                    };
                    let title = engine::lang_of(&doc, f.title_json);
                    let number = engine::text_of(&doc, f.number_shown);
                    out.push(Suggestion {
                        kind: SuggestionKind::Object,
                        id,
                        label: title.best(lang).to_owned(),
                        detail: number.clone(),
                        query: number,
                    });
                }
            }
        }
        out.extend(
            names
                .names
                .matching(&names.auth, &searcher, self.inner.f.refs, typed, lang, 6),
        );
        Ok(out)
    }

    /// Ids of every match, in the asked order (CSV export), at most [`MAX_EXPORT`].
    pub async fn export_ids(&self, actor: &Actor, req: &SearchRequest) -> Result<Vec<Uuid>> {
        self.matching_ids(actor, req, MAX_EXPORT).await
    }

    /// Ids of every match, in the asked order, at most `cap` (benchmarks count recall
    /// over results larger than an export).
    pub async fn matching_ids(
        &self,
        actor: &Actor,
        req: &SearchRequest,
        cap: usize,
    ) -> Result<Vec<Uuid>> {
        actor.require(Permission::CatalogueRead)?;
        let secret = actor.can(Permission::ConfidentialRead);
        let (s, req) = (self.clone(), req.clone());
        blocking(move || s.ids_now(&req, secret, cap)).await
    }

    fn ids_now(&self, req: &SearchRequest, secret: bool, cap: usize) -> Result<Vec<Uuid>> {
        let parsed = req.parsed(true)?;
        let live = self.live().ok_or_else(|| self.unavailable())?;
        let searcher = live.generation.side(Projection::Staff).reader.searcher();
        let names = self.names();
        let planner = crate::plan::Planner::records(
            &self.inner.an,
            &self.inner.f,
            &searcher,
            secret,
            &names.index,
        );
        let q = planner
            .query(parsed.as_ref(), &req.filters)
            .ok_or_else(engine::nothing_to_search)?;
        let (_, docs, _) = engine::top(
            &searcher,
            &*q,
            req.effective_sort(),
            0,
            cap.min(searcher.num_docs() as usize),
            None,
            &crate::facet_filter::Checks::default(),
        )?;
        let mut ids = Vec::with_capacity(docs.len());
        for d in docs {
            let doc: TantivyDocument = searcher.doc(d).map_err(err)?;
            if let Ok(id) = Uuid::parse_str(&engine::text_of(&doc, self.inner.f.id)) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Whether a rebuild is running in this process.
    pub fn rebuilding(&self) -> bool {
        self.inner.rebuilding.try_lock().is_err()
    }

    /// What the index is doing (administrators and the status page).
    pub async fn status(&self) -> Result<IndexStatus> {
        let outbox_seq =
            vitrine_kernel::outbox::last_seq(self.inner.collections.db().conn()).await?;
        let live = self.live();
        let progress = self.inner.progress.lock().ok().and_then(|p| p.clone());
        let count = |p: Projection| {
            live.as_ref()
                .map_or(0, |l| l.generation.side(p).reader.searcher().num_docs())
        };
        Ok(IndexStatus {
            state: match (&live, &progress) {
                (None, _) => "building",
                (Some(_), Some(_)) => "rebuilding",
                (Some(_), None) => "ready",
            }
            .into(),
            generation: live.as_ref().map(|l| l.generation.name.clone()),
            indexed_seq: live
                .as_ref()
                .map_or(0, |l| l.applied.load(Ordering::Acquire)),
            outbox_seq,
            staff_documents: count(Projection::Staff),
            public_documents: count(Projection::Public),
            size_bytes: live
                .as_ref()
                .map_or(0, |l| self.inner.root.size(&l.generation.name)),
            rebuild: progress,
            last_error: self.inner.last_error.lock().ok().and_then(|e| e.clone()),
        })
    }

    /// Waits until everything in the outbox now is searchable (tests, the CLI), up to
    /// `timeout`.
    pub async fn caught_up(&self, timeout: std::time::Duration) -> Result<bool> {
        let target = vitrine_kernel::outbox::last_seq(self.inner.collections.db().conn()).await?;
        let until = tokio::time::Instant::now() + timeout;
        loop {
            if self
                .live()
                .is_some_and(|l| l.applied.load(Ordering::Acquire) >= target)
            {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= until {
                return Ok(false);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}
