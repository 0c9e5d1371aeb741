//! The index on disk: `DATA/index/CURRENT` names the generation in use
//! (`gen-000004`), which holds one tantivy index per projection. A rebuild writes a new
//! generation beside the old one and switches `CURRENT` by an atomic rename, so search
//! answers from the old index until the new one is complete, and a crash at any point
//! leaves one whole generation in use.
//!
//! Each commit carries the outbox position it reflects, so after kill -9 the follower
//! resumes from the last commit and replays what was lost (replaying is idempotent).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument, Term, Warmer,
};
use vitrine_kernel::{Error, Result};

use crate::analysis::{self, Analyzer};
use crate::document::Projection;
use crate::facet_table::FacetTables;
use crate::schema::{self, Fields, SCHEMA_VERSION};

/// Memory the writer that follows the outbox may use before it flushes a segment.
const WRITER_MEMORY: usize = 96 * 1024 * 1024;
/// Memory per indexing thread of a rebuild: larger segments, fewer merges.
const REBUILD_MEMORY: usize = 192 * 1024 * 1024;

/// Bytes of stored fields compressed together (tantivy's default is 16 KiB). A page of
/// hits reads each hit's block whole, and hits are rarely neighbours: a 16 KiB block
/// (about forty records here) was decompressed for every hit.
const DOCSTORE_BLOCK: usize = 4 * 1024;

/// What a commit records.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Payload {
    /// Outbox position the index reflects.
    pub seq: i64,
    /// Schema version it was built with.
    pub schema: u32,
}

pub(crate) fn err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("search index: {e}"))
}

/// One projection's index.
pub struct Side {
    /// The index.
    pub index: Index,
    /// Its reader (reloaded after each commit).
    pub reader: IndexReader,
    /// Its segments' facet values for counting (kept current by the reader).
    pub facets: Arc<FacetTables>,
    writer: Mutex<IndexWriter>,
}

impl Side {
    fn create(dir: &Path, an: &Arc<Analyzer>, threads: usize) -> Result<Side> {
        fs::create_dir_all(dir).map_err(err)?;
        let (schema, _) = schema::build();
        let index = Index::builder()
            .schema(schema)
            .settings(IndexSettings {
                docstore_blocksize: DOCSTORE_BLOCK,
                ..IndexSettings::default()
            })
            .create_in_dir(dir)
            .map_err(err)?;
        Side::wrap(index, an, threads, REBUILD_MEMORY * threads)
    }

    fn open(dir: &Path, an: &Arc<Analyzer>) -> Result<Side> {
        let d = MmapDirectory::open(dir).map_err(err)?;
        let index = Index::open(d).map_err(err)?;
        let (schema, _) = schema::build();
        if index.schema() != schema {
            return Err(err("schema differs"));
        }
        Side::wrap(index, an, 1, WRITER_MEMORY)
    }

    fn wrap(index: Index, an: &Arc<Analyzer>, threads: usize, memory: usize) -> Result<Side> {
        analysis::register(&index, an);
        let facets = Arc::new(FacetTables::default());
        let warmer: Arc<dyn Warmer> = facets.clone();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()
            .map_err(err)?;
        let writer = index
            .writer_with_num_threads(threads, memory)
            .map_err(err)?;
        Ok(Side {
            index,
            reader,
            facets,
            writer: Mutex::new(writer),
        })
    }

    /// The payload of the last commit.
    pub fn payload(&self) -> Result<Option<Payload>> {
        let metas = self.index.load_metas().map_err(err)?;
        Ok(metas
            .payload
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok()))
    }

    /// Replaces (or removes, when `doc` is `None`) the document of `id`.
    pub fn put(&self, f: &Fields, id: &str, doc: Option<TantivyDocument>) -> Result<()> {
        let w = self.writer.lock().map_err(err)?;
        w.delete_term(Term::from_field_text(f.id, id));
        if let Some(d) = doc {
            w.add_document(d).map_err(err)?;
        }
        Ok(())
    }

    /// Adds a document (full rebuilds, where nothing is there to replace).
    pub fn add(&self, doc: TantivyDocument) -> Result<()> {
        let w = self.writer.lock().map_err(err)?;
        w.add_document(doc).map_err(err)?;
        Ok(())
    }

    /// Commits with a payload and makes the commit visible to searches.
    pub fn commit(&self, payload: Payload) -> Result<()> {
        let mut w = self.writer.lock().map_err(err)?;
        let mut c = w.prepare_commit().map_err(err)?;
        c.set_payload(&serde_json::to_string(&payload).map_err(err)?);
        c.commit().map_err(err)?;
        drop(w);
        self.reader.reload().map_err(err)
    }
}

/// A generation: both projections.
pub struct Generation {
    /// Directory name, e.g. `gen-000004`.
    pub name: String,
    /// Staff index.
    pub staff: Side,
    /// Public index.
    pub public: Side,
}

impl Generation {
    /// One projection's side.
    pub fn side(&self, p: Projection) -> &Side {
        match p {
            Projection::Staff => &self.staff,
            Projection::Public => &self.public,
        }
    }

    /// The outbox position both sides reflect (the lower, to replay from).
    pub fn seq(&self) -> Result<i64> {
        let s = self.staff.payload()?.map_or(0, |p| p.seq);
        let p = self.public.payload()?.map_or(0, |p| p.seq);
        Ok(s.min(p))
    }

    /// Commits both sides.
    pub fn commit(&self, seq: i64) -> Result<()> {
        let payload = Payload {
            seq,
            schema: SCHEMA_VERSION,
        };
        self.staff.commit(payload)?;
        self.public.commit(payload)
    }
}

/// The index directory.
#[derive(Clone, Debug)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    /// `DATA/index`.
    pub fn new(dir: impl Into<PathBuf>) -> Root {
        Root { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The generation `CURRENT` names, if any.
    pub fn current_name(&self) -> Option<String> {
        fs::read_to_string(self.dir.join("CURRENT"))
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| s.starts_with("gen-") && !s.contains(['/', '\\']))
    }

    /// Opens the current generation; an error means it must be rebuilt (missing, of
    /// another schema version, or unreadable).
    pub fn open_current(&self, an: &Arc<Analyzer>) -> Result<Generation> {
        let name = self.current_name().ok_or_else(|| err("no index yet"))?;
        let base = self.dir.join(&name);
        let g = Generation {
            staff: Side::open(&base.join(Projection::Staff.dir()), an)?,
            public: Side::open(&base.join(Projection::Public.dir()), an)?,
            name,
        };
        for side in [&g.staff, &g.public] {
            match side.payload()? {
                Some(p) if p.schema == SCHEMA_VERSION => {}
                _ => return Err(err("built by another version")),
            }
            // Reading every segment's metadata catches truncated or missing files.
            side.reader.searcher().segment_readers();
        }
        Ok(g)
    }

    /// Creates an empty new generation (not yet current), whose staff side indexes on
    /// `threads` threads and public side, with about half the records, on half as many.
    pub fn create_next(&self, an: &Arc<Analyzer>, threads: usize) -> Result<Generation> {
        fs::create_dir_all(&self.dir).map_err(err)?;
        let mut n = 0u32;
        if let Ok(rd) = fs::read_dir(&self.dir) {
            for e in rd.flatten() {
                if let Some(x) = e
                    .file_name()
                    .to_str()
                    .and_then(|s| s.strip_prefix("gen-"))
                    .and_then(|s| s.parse::<u32>().ok())
                {
                    n = n.max(x);
                }
            }
        }
        let name = format!("gen-{:06}", n + 1);
        let base = self.dir.join(&name);
        Ok(Generation {
            staff: Side::create(&base.join(Projection::Staff.dir()), an, threads)?,
            public: Side::create(
                &base.join(Projection::Public.dir()),
                an,
                threads.div_ceil(2),
            )?,
            name,
        })
    }

    /// Makes a generation current (atomic rename) and removes older ones.
    pub fn switch_to(&self, name: &str) -> Result<()> {
        let tmp = self.dir.join("CURRENT.tmp");
        fs::write(&tmp, format!("{name}\n")).map_err(err)?;
        if let Ok(f) = fs::File::open(&tmp) {
            let _ = f.sync_all();
        }
        fs::rename(&tmp, self.dir.join("CURRENT")).map_err(err)?;
        self.remove_others(name);
        Ok(())
    }

    /// Deletes every generation but `keep` (an open one stays readable until closed).
    pub fn remove_others(&self, keep: &str) {
        if let Ok(rd) = fs::read_dir(&self.dir) {
            for e in rd.flatten() {
                let n = e.file_name();
                let n = n.to_string_lossy();
                if n.starts_with("gen-") && n != keep {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
    }

    /// Bytes on disk of a generation.
    pub fn size(&self, name: &str) -> u64 {
        fn walk(p: &Path) -> u64 {
            fs::read_dir(p).map_or(0, |rd| {
                rd.flatten()
                    .map(|e| match e.metadata() {
                        Ok(m) if m.is_dir() => walk(&e.path()),
                        Ok(m) => m.len(),
                        Err(_) => 0,
                    })
                    .sum()
            })
        }
        walk(&self.dir.join(name))
    }
}
