//! The README as published: its framework examples are the files the
//! adapter crates compile (`docs/snippets/*.rs`), and it renders the same on a
//! code host, on crates.io and on docs.rs (no rustdoc-only syntax, no link
//! into a folder the published crate leaves out).
//!
//! The README and `docs/` are part of the published crate, so this test also
//! runs from the unpacked package. Paths are resolved at run time.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fenced code blocks of a Markdown text: (info string, body).
fn code_blocks(md: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in md.lines() {
        match open.as_mut() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some((info.trim().to_string(), String::new()));
                }
            }
            Some((_, body)) => {
                if line.trim_start() == "```" {
                    blocks.push(open.take().expect("a block is open"));
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "an unclosed code block");
    blocks
}

#[test]
fn framework_examples_are_the_compiled_snippets() {
    let readme = read("README.md");
    let ignored: Vec<String> = code_blocks(&readme)
        .into_iter()
        .filter(|(info, _)| info == "rust,ignore")
        .map(|(_, body)| body)
        .collect();
    let snippets = [
        read("docs/snippets/axum.rs"),
        read("docs/snippets/actix.rs"),
    ];
    for snippet in &snippets {
        assert!(
            ignored.contains(snippet),
            "the README must show this snippet verbatim, as a rust,ignore block:\n{snippet}"
        );
    }
    // Every example the core's doctests skip is compiled by an adapter.
    assert_eq!(
        ignored.len(),
        snippets.len(),
        "a rust,ignore block that nothing compiles"
    );
}

#[test]
fn rust_blocks_have_no_hidden_doctest_lines() {
    // The README and every page in docs/ render as plain Markdown on a code
    // host, where a hidden doctest line would show as text.
    let mut pages = vec!["README.md".to_string()];
    let docs = std::fs::read_dir(root().join("docs")).expect("docs/ exists");
    for entry in docs {
        let name = entry.expect("a docs/ entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    let mut rust_blocks = 0;
    for page in &pages {
        for (info, body) in code_blocks(&read(page)) {
            if info.split(',').next() != Some("rust") {
                continue;
            }
            rust_blocks += 1;
            for line in body.lines() {
                let t = line.trim_start();
                assert!(
                    !(t == "#" || t.starts_with("# ")),
                    "{page}: a hidden doctest line shows as text outside rustdoc: {line:?}"
                );
            }
        }
    }
    assert!(pages.len() >= 9, "found {} pages", pages.len());
    assert!(rust_blocks >= 10, "found {rust_blocks} Rust blocks");
}

#[test]
fn no_rustdoc_only_syntax_or_links_out_of_the_package() {
    let readme = read("README.md");
    let prose: String = {
        let mut in_code = false;
        let mut out = String::new();
        for line in readme.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            } else if !in_code {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    };
    // An intra-doc link, [`Name`] not followed by a URL, is plain text on a
    // code host and on crates.io.
    for (i, _) in prose.match_indices("[`") {
        let rest = &prose[i..];
        let close = rest.find("`]").expect("an unclosed [` in the README");
        let after = &rest[close + 2..];
        assert!(
            after.starts_with('('),
            "an intra-doc link in the README: {}",
            &rest[..close + 2]
        );
    }
    // Images and relative links must point at files the published crate has:
    // the README links only into docs/, and every target exists.
    assert!(!prose.contains("!["), "no images in the README");
    let mut links = 0;
    for (i, _) in prose.match_indices("](") {
        let target = &prose[i + 2..];
        let target = &target[..target.find(')').expect("an unclosed link")];
        if target.starts_with("https://") {
            continue;
        }
        links += 1;
        let file = target.split('#').next().unwrap_or_default();
        assert!(
            file.starts_with("docs/") && file.ends_with(".md"),
            "a link outside docs/: {target}"
        );
        assert!(
            root().join(file).is_file(),
            "a link to a missing file: {target}"
        );
    }
    assert!(links >= 5, "found {links} relative links");
}

#[test]
fn readme_is_short() {
    let lines = read("README.md").lines().count();
    assert!(
        lines <= 250,
        "the README has {lines} lines; move depth into docs/"
    );
}
