//! The layers hold: every `crate::`, `super::` and `self::` path in `src/` is read, resolved to the
//! module it names, and checked against the allowed directions written in `docs/design.md`. A path
//! that goes up a layer, or sideways where that is not allowed, fails the test with its file and line.
//! Files inside one module must not import each other in a circle either.

#![allow(clippy::expect_used)] // a test helper: a broken checkout should stop the test loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the bottom: a module may use its own layer's modules only where `SIDEWAYS` says so,
/// and any module of a lower layer.
const LAYERS: &[&[&str]] = &[
    &["core"],
    &[
        "timeline", "runbook", "tail", "health", "patterns", "act", "export", "share",
    ],
    &["app"],
    &["ui"],
    &["config"],
    &["runtime", "demo"],
    &["cli"],
];

/// The sideways uses allowed within a layer: (from, to).
const SIDEWAYS: &[(&str, &str)] = &[
    ("export", "timeline"),
    ("export", "runbook"),
    ("share", "timeline"),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Why `from` may not use `to`, if it may not.
fn forbidden(from: &str, to: &str) -> Option<String> {
    if from == to {
        return None;
    }
    let (Some(lf), Some(lt)) = (layer_of(from), layer_of(to)) else {
        return Some(format!(
            "`{from}` or `{to}` is in no layer: add it to LAYERS and docs/design.md"
        ));
    };
    if lt < lf || (lt == lf && SIDEWAYS.contains(&(from, to))) {
        return None;
    }
    Some(if lt > lf {
        format!("`{from}` (layer {lf}) uses `{to}` (layer {lt}), a layer above it")
    } else {
        format!("`{from}` uses `{to}` sideways, which is not one of the allowed sideways uses")
    })
}

/// One `.rs` file and the module path it defines (`tail/command.rs` → `["tail", "command"]`).
struct SourceFile {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

fn source_files(root: &Path) -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src/") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src/");
                let mut module: Vec<String> = rel
                    .with_extension("")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    module.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    module.pop();
                }
                let text = std::fs::read_to_string(&path).expect("read a source file");
                out.push(SourceFile { path, module, text });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The text with comments, string and char literals blanked out (newlines kept, so lines still count).
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                blank(&mut out, c[j]);
                j += 1;
            }
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    blank(&mut out, ch);
                }
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && next == Some('\\') {
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && c.get(i + 2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// A path found in the code: its segments (after `crate`/`super`/`self` resolution) and its line.
struct Use {
    line: usize,
    target: Vec<String>,
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// Reads a path tail after `::` at `i`: segments, and `{a, b::c}` groups, expanded.
fn path_tail(c: &[char], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut segs = prefix;
    loop {
        while c.get(i).is_some_and(|ch| ch.is_whitespace()) {
            i += 1;
        }
        if c.get(i) == Some(&'{') {
            i += 1;
            loop {
                while c.get(i).is_some_and(|ch| ch.is_whitespace() || *ch == ',') {
                    i += 1;
                }
                match c.get(i) {
                    None => return i,
                    Some('}') => return i + 1,
                    _ => {}
                }
                let before = i;
                i = path_tail(c, i, segs.clone(), out);
                if i == before {
                    i += 1;
                }
            }
        }
        let start = i;
        while c.get(i).is_some_and(|ch| is_ident(*ch)) {
            i += 1;
        }
        if i == start {
            out.push(segs);
            return i;
        }
        segs.push(c[start..i].iter().collect());
        if c.get(i) == Some(&':') && c.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            out.push(segs);
            return i;
        }
    }
}

/// Every crate-internal path in a file, resolved to absolute module segments.
fn uses(file: &SourceFile) -> Vec<Use> {
    let code = code_only(&file.text);
    let c: Vec<char> = code.chars().collect();
    // Inline modules (`mod tests { … }`) change what `super` and `self` mean inside them.
    let mut scopes: Vec<(Vec<String>, usize)> = vec![(file.module.clone(), 0)];
    let mut depth = 0usize;
    let mut line = 1;
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
        } else if ch == '{' {
            depth += 1;
        } else if ch == '}' {
            depth = depth.saturating_sub(1);
            if scopes.len() > 1 && scopes.last().is_some_and(|s| s.1 == depth) {
                scopes.pop();
            }
        }
        let boundary = i == 0 || !is_ident(c[i - 1]) && c[i - 1] != ':';
        if boundary && is_ident(ch) {
            let start = i;
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            if word == "mod" {
                let mut j = i;
                while c.get(j).is_some_and(|ch| ch.is_whitespace()) {
                    j += 1;
                }
                let name_start = j;
                while c.get(j).is_some_and(|ch| is_ident(*ch)) {
                    j += 1;
                }
                let name: String = c[name_start..j].iter().collect();
                while c.get(j).is_some_and(|ch| ch.is_whitespace()) {
                    j += 1;
                }
                if c.get(j) == Some(&'{') {
                    let mut m = scopes.last().map(|s| s.0.clone()).unwrap_or_default();
                    m.push(name);
                    scopes.push((m, depth));
                }
            }
            if matches!(word.as_str(), "crate" | "super" | "self")
                && c.get(i) == Some(&':')
                && c.get(i + 1) == Some(&':')
            {
                let here = scopes.last().map(|s| s.0.clone()).unwrap_or_default();
                let mut base = match word.as_str() {
                    "crate" => Vec::new(),
                    "self" => here,
                    _ => {
                        let mut m = here;
                        m.pop();
                        m
                    }
                };
                // `super::super::x`
                let mut j = i + 2;
                while c[j..].starts_with(&['s', 'u', 'p', 'e', 'r', ':', ':']) {
                    base.pop();
                    j += 7;
                }
                let mut found = Vec::new();
                i = path_tail(&c, j, base, &mut found);
                out.extend(found.into_iter().map(|target| Use { line, target }));
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The longest prefix of `target` that is a file of the tree, as an index into `files`.
fn file_of(files: &[SourceFile], target: &[String]) -> Option<usize> {
    (1..=target.len())
        .rev()
        .find_map(|n| files.iter().position(|f| f.module == target[..n]))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every use that breaks the layering, as `file:line: why`.
fn layer_violations(root: &Path) -> Vec<String> {
    let files = source_files(root);
    let mut out = Vec::new();
    for f in &files {
        let Some(from) = f.module.first() else {
            continue;
        };
        for u in uses(f) {
            let Some(to) = u.target.first() else {
                continue;
            };
            if let Some(why) = forbidden(from, to) {
                out.push(format!(
                    "{}:{}: {why} (`crate::{}`)",
                    f.path.display(),
                    u.line,
                    u.target.join("::")
                ));
            }
        }
    }
    out
}

/// Circles of files within one module (`a.rs` uses `b.rs` and `b.rs` uses `a.rs`). A module's own
/// `mod.rs` is its face (it re-exports its files), so it takes no part.
fn file_cycles(root: &Path) -> Vec<String> {
    let files = source_files(root);
    let is_face = |f: &SourceFile| {
        matches!(
            f.path.file_name().and_then(|n| n.to_str()),
            Some("mod.rs" | "lib.rs" | "main.rs")
        )
    };
    let mut edges: BTreeMap<usize, BTreeMap<usize, usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        if is_face(f) {
            continue;
        }
        for u in uses(f) {
            if let Some(j) = file_of(&files, &u.target)
                && j != i
                && !is_face(&files[j])
                && !files[j].module.starts_with(&f.module)
            {
                edges.entry(i).or_default().entry(j).or_insert(u.line);
            }
        }
    }
    let mut out = BTreeSet::new();
    for (&a, targets) in &edges {
        for (&b, &line) in targets {
            if let Some(&back) = edges.get(&b).and_then(|t| t.get(&a))
                && a < b
            {
                out.insert(format!(
                    "{}:{line} and {}:{back} use each other",
                    files[a].path.display(),
                    files[b].path.display()
                ));
            }
        }
    }
    out.into_iter().collect()
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let violations = layer_violations(&src());
    assert!(
        violations.is_empty(),
        "uses that break the layering (see docs/design.md, \"Layers\"):\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_two_files_of_a_module_use_each_other() {
    let cycles = file_cycles(&src());
    assert!(
        cycles.is_empty(),
        "file-level cycles:\n{}",
        cycles.join("\n")
    );
}

/// The checker itself: a tree with a forbidden import and a circle is caught, naming file and line.
#[test]
fn a_forbidden_import_and_a_circle_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "core/mod.rs",
        "//! x\n\n// crate::ui in a comment\nuse crate::ui::Theme;\n",
    );
    write("tail/mod.rs", "mod a;\nmod b;\n");
    write("tail/a.rs", "let s = \"crate::app\";\nuse super::b::B;\n");
    write(
        "tail/b.rs",
        "use super::{a::A, Other};\nuse crate::core::x;\n",
    );
    write(
        "export/mod.rs",
        "use crate::{timeline::Record, runbook::Runbook, health::X};\n",
    );
    let v = layer_violations(root);
    assert_eq!(v.len(), 2, "{v:#?}");
    assert!(v[0].ends_with("core/mod.rs:4: `core` (layer 0) uses `ui` (layer 3), a layer above it (`crate::ui::Theme`)"), "{}", v[0]);
    assert!(v[1].ends_with("export/mod.rs:1: `export` uses `health` sideways, which is not one of the allowed sideways uses (`crate::health::X`)"), "{}", v[1]);
    let cycles = file_cycles(root);
    assert_eq!(cycles.len(), 1, "{cycles:#?}");
    assert!(cycles[0].contains("tail/a.rs:2 and"), "{}", cycles[0]);
    assert!(
        cycles[0].ends_with("tail/b.rs:1 use each other"),
        "{}",
        cycles[0]
    );
}
