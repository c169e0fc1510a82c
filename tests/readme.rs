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

/// Every Markdown page in `docs/`, as `docs/NAME.md`.
fn docs_pages() -> Vec<String> {
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/ exists") {
        let name = entry.expect("a docs/ entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            pages.push(format!("docs/{name}"));
        }
    }
    pages
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
    pages.extend(docs_pages());
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

/// Markdown text outside fenced code blocks.
fn prose(md: &str) -> String {
    let mut in_code = false;
    let mut out = String::new();
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The targets of the relative links `[text](target)` of a Markdown text.
fn relative_links(md: &str) -> Vec<String> {
    let prose = prose(md);
    let mut links = Vec::new();
    for (i, _) in prose.match_indices("](") {
        let target = &prose[i + 2..];
        let target = &target[..target.find(')').expect("an unclosed link")];
        if !target.starts_with("https://") {
            links.push(target.to_string());
        }
    }
    links
}

/// The anchors a code host gives the headings of a Markdown text.
fn anchors(md: &str) -> Vec<String> {
    prose(md)
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            l.trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect()
}

/// Asserts that `target`, a link in the page `from` (a path under the
/// package root), names an existing page and, if it has one, an existing
/// heading of that page.
fn assert_link_resolves(from: &str, target: &str) {
    let (file, anchor) = match target.split_once('#') {
        Some((file, anchor)) => (file, Some(anchor)),
        None => (target, None),
    };
    let dir = std::path::Path::new(from)
        .parent()
        .expect("a page has a folder");
    let page = if file.is_empty() {
        from.to_string()
    } else {
        dir.join(file).to_string_lossy().into_owned()
    };
    assert!(
        root().join(&page).is_file(),
        "{from}: a link to a missing file: {target}"
    );
    if let Some(anchor) = anchor {
        assert!(
            anchors(&read(&page)).iter().any(|a| a == anchor),
            "{from}: a link to a missing heading: {target}"
        );
    }
}

#[test]
fn no_rustdoc_only_syntax_or_links_out_of_the_package() {
    let readme = read("README.md");
    let prose = prose(&readme);
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
    // the README links only into docs/ and to the files at the root that are
    // published with it, and every target exists.
    assert!(!prose.contains("!["), "no images in the README");
    let links = relative_links(&readme);
    for target in &links {
        let file = target.split('#').next().unwrap_or_default();
        let at_root = [
            "SECURITY.md",
            "CHANGELOG.md",
            "LICENSE-MIT",
            "LICENSE-APACHE",
        ];
        assert!(
            (file.starts_with("docs/") && file.ends_with(".md")) || at_root.contains(&file),
            "a link to a file the published crate may not have: {target}"
        );
        assert_link_resolves("README.md", target);
    }
    assert!(links.len() >= 10, "found {} relative links", links.len());
}

#[test]
fn docs_pages_link_only_to_each_other() {
    let mut links = 0;
    for page in docs_pages() {
        for target in relative_links(&read(&page)) {
            // Pages outside docs/ (bench/, examples/, ...) are not all in the
            // published crate; name them as code instead of linking.
            assert!(
                !target.contains('/'),
                "{page}: a link out of docs/: {target}"
            );
            assert_link_resolves(&page, &target);
            links += 1;
        }
    }
    assert!(links >= 10, "found {links} links between docs pages");
}

#[test]
fn readme_is_short() {
    let lines = read("README.md").lines().count();
    assert!(
        lines <= 250,
        "the README has {lines} lines; move depth into docs/"
    );
}

#[test]
fn every_page_with_rust_examples_is_doctested() {
    // src/lib.rs includes the pages under cfg(doctest); a page left out would
    // show examples that nothing compiles.
    let lib = read("src/lib.rs");
    let mut pages = 0;
    for page in docs_pages() {
        let has_rust = code_blocks(&read(&page))
            .iter()
            .any(|(info, _)| info.split(',').next() == Some("rust"));
        if has_rust {
            pages += 1;
            let include = format!("include_str!(\"../{page}\")");
            assert!(
                lib.contains(&include),
                "{page} has Rust examples but src/lib.rs does not include it"
            );
        }
    }
    assert!(
        lib.contains("include_str!(\"../README.md\")"),
        "src/lib.rs does not include the README"
    );
    assert!(pages >= 5, "found {pages} pages with Rust examples");
}
