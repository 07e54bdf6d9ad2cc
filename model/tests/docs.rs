//! docs/clauses.md is generated from the clause table; this keeps the two identical.
//! Regenerate with `SNAPSPEC_UPDATE_DOCS=1 cargo test -p snapspec-model --test docs`
//! or `cargo run -- clauses --markdown > docs/clauses.md`.

use std::path::PathBuf;

#[test]
fn clauses_md_matches_the_clause_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/clauses.md");
    let rendered = snapspec_model::clause::render_markdown();
    if std::env::var_os("SNAPSPEC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &rendered).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == rendered, "docs/clauses.md is stale: run `cargo run -- clauses --markdown > docs/clauses.md`");
}

#[test]
fn every_clause_cites_a_source() {
    for clause in snapspec_model::Clause::ALL {
        assert!(!clause.source().is_empty() && !clause.text().is_empty(), "{clause}");
    }
}
