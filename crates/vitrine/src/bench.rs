//! `vitrine bench-search`: runs the committed query set against the search index in
//! process and reports latency percentiles per kind of query; with `--fts5`, runs the
//! text of the same queries against an SQLite FTS5 (trigram) table of the same records
//! and reports the speed ratio and the recall of both on the Chinese queries. Figures
//! go to docs/benchmarks.md; nothing here is a pass/fail test.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, Value};
use uuid::Uuid;
use vitrine_collections::feed::{FeedAuthority, FeedObject};
use vitrine_kernel::Actor;
use vitrine_search::Search;
use vitrine_search::analysis::fold;
use vitrine_search::query;
use vitrine_search::request::SearchRequest;

use crate::museum::Museum;

const SYSTEM: Actor = Actor::System("bench");

/// One query of the set.
struct Case {
    kind: String,
    /// The line's parameters as written (to name slow queries).
    params: String,
    req: SearchRequest,
}

fn load(path: &Path) -> anyhow::Result<Vec<Case>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (kind, params) = line
            .split_once('\t')
            .with_context(|| format!("line {}: expected `kind<TAB>params`", i + 1))?;
        let pairs: Vec<(String, String)> = params
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let req = SearchRequest::from_pairs(&pairs, true)
            .map_err(|e| anyhow::anyhow!("line {}: {e}", i + 1))?;
        out.push(Case {
            kind: kind.to_owned(),
            params: params.to_owned(),
            req,
        });
    }
    Ok(out)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn summary(name: &str, mut d: Vec<Duration>) -> String {
    d.sort();
    let mean = d.iter().map(Duration::as_secs_f64).sum::<f64>() / d.len().max(1) as f64 * 1e3;
    format!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        d.len(),
        pct(&d, 0.5),
        pct(&d, 0.95),
        pct(&d, 0.99),
        mean
    )
}

/// Runs the bench.
pub async fn run(
    museum: &Museum,
    search: &Search,
    queries: &Path,
    rounds: u32,
    slowest: usize,
    fts5: bool,
    data: &Path,
) -> anyhow::Result<()> {
    let cases = load(queries)?;
    if search.status().await?.generation.is_none() {
        println!("no index yet: building it first");
        search.rebuild(&|_, _| {}).await?;
    }
    // Warm the caches once, as a running server would be.
    let mut matches = 0u64;
    for c in &cases {
        matches += search.search(&SYSTEM, &c.req).await?.total;
    }
    let mut by_kind: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut all = Vec::new();
    let mut per_case: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    for _ in 0..rounds {
        for (i, c) in cases.iter().enumerate() {
            let t = Instant::now();
            search.search(&SYSTEM, &c.req).await?;
            let d = t.elapsed();
            by_kind.entry(c.kind.clone()).or_default().push(d);
            per_case[i].push(d);
            all.push(d);
        }
    }
    println!(
        "\nIn-process search, {} queries x {rounds} rounds (total, page of 20, exact facets):\n",
        cases.len()
    );
    println!("| kind | runs | p50 ms | p95 ms | p99 ms | mean ms |\n|---|---|---|---|---|---|");
    for (k, d) in by_kind {
        println!("{}", summary(&k, d));
    }
    println!("{}", summary("all", all));
    println!(
        "\nmatching records per query (each counted into the facets): mean {}",
        matches / cases.len().max(1) as u64
    );
    if slowest > 0 {
        print_slowest(&cases, per_case, slowest);
    }
    if fts5 {
        compare_fts5(museum, search, &cases, data).await?;
    }
    Ok(())
}

/// The queries with the highest median time, to see what makes the tail.
fn print_slowest(cases: &[Case], per_case: Vec<Vec<Duration>>, n: usize) {
    let mut medians: Vec<(f64, &Case)> = per_case
        .into_iter()
        .zip(cases)
        .map(|(mut d, c)| {
            d.sort();
            (pct(&d, 0.5), c)
        })
        .collect();
    medians.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("\nSlowest queries (median ms):\n");
    for (ms, c) in medians.into_iter().take(n) {
        println!("{ms:8.2}  {:<8} {}", c.kind, c.params);
    }
}

/// Every text the staff index holds of a record, for the FTS5 table.
fn body(o: &FeedObject, auth: &std::collections::HashMap<Uuid, FeedAuthority>) -> String {
    let d = &o.data;
    let mut parts: Vec<String> = vec![d.object_number.clone()];
    for t in [
        &d.title,
        &d.description,
        &d.production.date_display,
        &d.credit_line,
    ] {
        parts.extend(t.0.values().cloned());
    }
    for i in &d.inscriptions {
        parts.extend(i.translation.0.values().cloned());
        parts.push(i.text.clone());
        parts.push(i.transcription.clone());
    }
    for (_, id, _) in d.references() {
        if let Some(a) = auth.get(&id) {
            parts.extend(a.label.0.values().cloned());
            parts.extend(a.variants.iter().cloned());
        }
    }
    if let Some(s) = &d.specimen {
        parts.push(s.scientific_name.clone());
    }
    parts.extend(d.current_location.iter().cloned());
    parts.join(" \u{2029} ")
}

async fn build_fts5(museum: &Museum, path: &Path) -> anyhow::Result<DatabaseConnection> {
    let fresh = !path.exists();
    let conn = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await?;
    if !fresh {
        return Ok(conn);
    }
    let t = Instant::now();
    conn.execute_unprepared(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
         CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, folded UNINDEXED, tokenize='trigram');",
    )
    .await?;
    let auth = museum.collections.feed_authorities(&SYSTEM).await?;
    let mut after = None;
    let mut n = 0u64;
    loop {
        let batch = museum.collections.feed_scan(&SYSTEM, after, 2000).await?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        conn.execute_unprepared("BEGIN").await?;
        for chunk in batch.chunks(200) {
            let mut sql = String::from("INSERT INTO docs (id, body, folded) VALUES ");
            let mut values: Vec<Value> = Vec::new();
            for (i, o) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str("(?, ?, ?)");
                let b = body(o, &auth);
                let folded = fold(&b).to_lowercase();
                values.push(o.id.to_string().into());
                values.push(b.into());
                values.push(folded.into());
            }
            conn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                sql,
                values,
            ))
            .await?;
        }
        conn.execute_unprepared("COMMIT").await?;
        n += batch.len() as u64;
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "\nFTS5 (trigram) table of {n} records built in {s:.1} s ({:.0} records/s), {:.1} MB",
        n as f64 / s,
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
    Ok(conn)
}

fn escape(s: &str) -> String {
    s.replace('\'', "''")
}

/// The FTS5 condition of a query's wanted words: MATCH for 3+ characters (trigram), LIKE
/// otherwise (FTS5's trigram index cannot serve shorter strings).
fn fts_where(q: &query::Parsed) -> Option<String> {
    let mut conds = Vec::new();
    for g in &q.must {
        let alts: Vec<String> = g
            .iter()
            .map(|t| {
                let s = escape(&t.text);
                if t.text.chars().count() >= 3 {
                    format!("docs MATCH '\"{}\"'", s.replace('"', "\"\""))
                } else {
                    format!("body LIKE '%{s}%'")
                }
            })
            .collect();
        if alts.is_empty() {
            continue;
        }
        conds.push(format!("({})", alts.join(" OR ")));
    }
    (!conds.is_empty()).then(|| conds.join(" AND "))
}

async fn ids(conn: &DatabaseConnection, sql: String) -> anyhow::Result<HashSet<String>> {
    let rows = conn
        .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect())
}

async fn compare_fts5(
    museum: &Museum,
    search: &Search,
    cases: &[Case],
    data: &Path,
) -> anyhow::Result<()> {
    let conn = build_fts5(museum, &data.join("bench-fts5.db")).await?;
    let mut tantivy_t = Vec::new();
    let mut fts_t = Vec::new();
    let mut recall: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    let mut skipped = 0;
    for c in cases {
        let Some(q) = c.req.q.as_deref() else {
            skipped += 1;
            continue;
        };
        let Ok(parsed) = query::parse(q, true) else {
            skipped += 1;
            continue;
        };
        let Some(cond) = fts_where(&parsed) else {
            skipped += 1;
            continue;
        };
        // Text only on both sides: FTS5 has no facets, fields or sorts.
        let text_only = SearchRequest {
            q: Some(q.to_owned()),
            ..Default::default()
        };
        let t = Instant::now();
        search.search(&SYSTEM, &text_only).await?;
        tantivy_t.push(t.elapsed());
        let t = Instant::now();
        conn.query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT count(*) FROM docs WHERE {cond}"),
        ))
        .await?;
        conn.query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT id FROM docs WHERE {cond} LIMIT 20"),
        ))
        .await?;
        fts_t.push(t.elapsed());
        if c.kind.starts_with("zh") && parsed.must.len() == 1 && parsed.must[0].len() == 1 {
            // Truth: records whose text contains the words, simplified and traditional alike.
            let word = fold(&parsed.must[0][0].text).to_lowercase();
            let truth = ids(
                &conn,
                format!(
                    "SELECT id FROM docs WHERE folded LIKE '%{}%'",
                    escape(&word)
                ),
            )
            .await?;
            let fts = ids(&conn, format!("SELECT id FROM docs WHERE {cond}")).await?;
            // Every match, not an export's first 200,000: common words match more.
            let ours: HashSet<String> = search
                .matching_ids(&SYSTEM, &text_only, usize::MAX)
                .await?
                .into_iter()
                .map(|u| u.to_string())
                .collect();
            let e = recall
                .entry(if c.kind == "zh" {
                    "simplified"
                } else {
                    "traditional"
                })
                .or_default();
            e.0 += truth.len();
            e.1 += truth.intersection(&ours).count();
            e.2 += truth.intersection(&fts).count();
        }
    }
    tantivy_t.sort();
    fts_t.sort();
    println!(
        "\nSame text queries ({} of {}, {skipped} without text skipped), tantivy vs SQLite FTS5 trigram:\n",
        tantivy_t.len(),
        cases.len()
    );
    println!("| engine | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|");
    for (name, d) in [
        ("tantivy (this index)", &tantivy_t),
        ("SQLite FTS5 trigram", &fts_t),
    ] {
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} |",
            pct(d, 0.5),
            pct(d, 0.95),
            pct(d, 0.99)
        );
    }
    let total = |d: &Vec<Duration>| d.iter().sum::<Duration>().as_secs_f64();
    println!(
        "\nFTS5 / tantivy: {:.1}x the total time, {:.1}x at p50, {:.1}x at p95",
        total(&fts_t) / total(&tantivy_t).max(1e-9),
        pct(&fts_t, 0.5) / pct(&tantivy_t, 0.5).max(1e-9),
        pct(&fts_t, 0.95) / pct(&tantivy_t, 0.95).max(1e-9)
    );
    println!(
        "\nRecall on the one-word Chinese queries (truth: the words occur in the record's text, traditional folded to simplified):\n"
    );
    println!("| queries | relevant records | tantivy found | FTS5 found |\n|---|---|---|---|");
    for (k, (truth, ours, fts)) in recall {
        let r = |n: usize| 100.0 * n as f64 / truth.max(1) as f64;
        println!(
            "| {k} | {truth} | {ours} ({:.1} %) | {fts} ({:.1} %) |",
            r(ours),
            r(fts)
        );
    }
    Ok(())
}
