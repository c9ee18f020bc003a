//! Shell-style path patterns (`*`, `?`, `[a-z]`, `[!x]`) for log sources like `/var/log/app/*.log`.

use std::path::{Component, Path, PathBuf};

/// Whether a path string is a pattern rather than a plain path.
pub fn is_glob(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// A parsed pattern: a literal directory followed by components, some of them wildcards.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    base: PathBuf,
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(PathBuf),
    Wild(Vec<char>),
}

impl Glob {
    pub(crate) fn new(pattern: &str) -> Self {
        let mut base = PathBuf::new();
        let mut parts = Vec::new();
        for component in Path::new(pattern).components() {
            let text = component.as_os_str().to_string_lossy();
            let wild = matches!(component, Component::Normal(_)) && is_glob(&text);
            if wild {
                parts.push(Part::Wild(text.chars().collect()));
            } else if parts.is_empty() {
                base.push(component);
            } else {
                parts.push(Part::Literal(PathBuf::from(component.as_os_str())));
            }
        }
        if base.as_os_str().is_empty() {
            base.push(".");
        }
        Self { base, parts }
    }

    /// The literal directory the pattern starts from, and whether matches may lie deeper than its
    /// immediate children (so a watch must be recursive).
    pub(crate) fn watch_root(&self) -> (&Path, bool) {
        (&self.base, self.parts.len() > 1)
    }

    /// The existing paths that match, sorted.
    ///
    /// A folder that is not there matches nothing; one that cannot be listed (out of file
    /// descriptors, no permission) is an error, never "no files": that would read as every
    /// followed file gone, and a file found again would be read twice.
    pub(crate) fn expand(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut current = vec![self.base.clone()];
        for part in &self.parts {
            let mut next = Vec::new();
            for dir in &current {
                match part {
                    Part::Literal(name) => next.push(dir.join(name)),
                    Part::Wild(pattern) => {
                        let entries = match std::fs::read_dir(dir) {
                            Ok(entries) => entries,
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::NotFound
                                        | std::io::ErrorKind::NotADirectory
                                ) =>
                            {
                                continue;
                            }
                            Err(e) => {
                                return Err(std::io::Error::new(
                                    e.kind(),
                                    format!("cannot list {}: {e}", dir.display()),
                                ));
                            }
                        };
                        for entry in entries.flatten() {
                            let name = entry.file_name();
                            if wildcard_match(pattern, &name.to_string_lossy()) {
                                next.push(entry.path());
                            }
                        }
                    }
                }
            }
            current = next;
        }
        if self.parts.is_empty() {
            return Ok(current);
        }
        current.sort();
        Ok(current)
    }
}

/// Matches one path component against a pattern; `*` and `?` do not match a leading dot.
pub(crate) fn wildcard_match(pattern: &[char], name: &str) -> bool {
    let name: Vec<char> = name.chars().collect();
    if name.first() == Some(&'.') && pattern.first() != Some(&'.') {
        return false;
    }
    let (mut p, mut n) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => Some(p + 1),
            Some('[') => class_match(pattern, p, name[n]),
            Some(&c) => (c == name[n]).then_some(p + 1),
            None => None,
        };
        match step {
            Some(next) => {
                p = next;
                n += 1;
            }
            None => match backtrack {
                Some((star, at)) => {
                    p = star + 1;
                    n = at + 1;
                    backtrack = Some((star, at + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class starting at `pattern[open] == '['`; returns the index after `]`.
/// An unclosed `[` is an ordinary character.
fn class_match(pattern: &[char], open: usize, c: char) -> Option<usize> {
    let mut i = open + 1;
    let negate = matches!(pattern.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let first = i;
    let mut found = false;
    while i < pattern.len() && (pattern[i] != ']' || i == first) {
        if pattern.get(i + 1) == Some(&'-') && pattern.get(i + 2).is_some_and(|&e| e != ']') {
            found |= (pattern[i]..=pattern[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= pattern[i] == c;
            i += 1;
        }
    }
    if i >= pattern.len() {
        return (c == '[').then_some(open + 1);
    }
    (found != negate).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        wildcard_match(&pattern.chars().collect::<Vec<_>>(), name)
    }

    #[test]
    fn wildcards_match_like_a_shell() {
        assert!(m("*.log", "api.log"));
        assert!(!m("*.log", "api.log.1"));
        assert!(m("api.log*", "api.log.1"));
        assert!(m("a?i.log", "api.log"));
        assert!(m("app-[0-9].log", "app-7.log"));
        assert!(!m("app-[!0-9].log", "app-7.log"));
        assert!(m("*", "x"));
        assert!(!m("*", ".hidden"));
        assert!(m(".*", ".hidden"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(m("[", "["));
    }

    #[test]
    fn expansion_finds_matching_files_in_nested_directories() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        for sub in ["a", "b"] {
            std::fs::create_dir(dir.path().join(sub))?;
            std::fs::write(dir.path().join(sub).join("x.log"), "")?;
            std::fs::write(dir.path().join(sub).join("x.txt"), "")?;
        }
        let pattern = format!("{}/*/*.log", dir.path().display());
        let glob = Glob::new(&pattern);
        assert_eq!(
            glob.expand()?,
            [dir.path().join("a/x.log"), dir.path().join("b/x.log")]
        );
        assert_eq!(glob.watch_root(), (dir.path(), true));
        Ok(())
    }
}
