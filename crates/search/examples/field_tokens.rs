//! Prints each field's token count in an index directory (a measuring aid).
fn main() {
    let dir = std::env::args().nth(1).expect("index dir");
    let index = tantivy::Index::open_in_dir(&dir).expect("open");
    let reader = index.reader().expect("reader");
    let s = reader.searcher();
    let schema = index.schema();
    let mut total = 0u64;
    let mut rows = Vec::new();
    for (field, entry) in schema.fields() {
        let mut n = 0u64;
        let mut terms = 0u64;
        for seg in s.segment_readers() {
            if let Ok(ii) = seg.inverted_index(field) {
                n += ii.total_num_tokens();
                terms += ii.terms().num_terms() as u64;
            }
        }
        total += n;
        rows.push((entry.name().to_owned(), n, terms));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    let docs = s.num_docs();
    for (name, n, terms) in rows {
        println!(
            "{name:16} {n:>12} tokens {:>8.1}/doc {terms:>10} terms(sum over segs)",
            n as f64 / docs as f64
        );
    }
    println!(
        "total {total} tokens, {docs} docs, {:.1}/doc",
        total as f64 / docs as f64
    );
}
