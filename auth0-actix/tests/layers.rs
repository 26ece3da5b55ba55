//! The crate's shape, checked on every test run: no two library files import each other, even
//! through others (dependencies point one way: leaves → protocol pieces → verifiers → handle →
//! actix adapters → builder), and no library file grows past 1,000 lines.
//!
//! A file's imports are read from its non-test code: every `crate::…` path, every `super::…`
//! path, and, in a module's own file, every use of one of the modules it declares (`proof::…`
//! in `dpop/mod.rs`). A path naming an item re-exported at the crate root (`crate::Auth0`)
//! counts as an import of `lib.rs`, which imports everything: inside the crate, items are named
//! by the module that defines them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 1_000;

/// A library file, by its module path (`["dpop", "proof"]`; `[]` is `lib.rs`).
struct Module {
    path: Vec<String>,
    file: PathBuf,
    code: String,
    children: Vec<String>,
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn modules() -> Vec<Module> {
    let mut out = Vec::new();
    walk(&src(), &mut Vec::new(), &mut out);
    out
}

fn walk(dir: &Path, prefix: &mut Vec<String>, out: &mut Vec<Module>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read src")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 file name")
            .to_owned();
        if path.is_dir() {
            prefix.push(name);
            walk(&path, prefix, out);
            prefix.pop();
        } else if path.extension().is_some_and(|e| e == "rs") && name != "tests" {
            // (`tests.rs` files hold `#[cfg(test)] mod tests;` modules: test code.)
            let mut module = prefix.clone();
            if name != "mod" && !(prefix.is_empty() && name == "lib") {
                module.push(name);
            }
            let text = fs::read_to_string(&path).expect("read source");
            let code = without_tests_and_comments(&text);
            let children = declared_modules(&code);
            out.push(Module {
                path: module,
                file: path,
                code,
                children,
            });
        }
    }
}

/// The file's code without comments and without `#[cfg(test)]` / `#[cfg(all(test, …))]`
/// modules (test code may reach anywhere).
fn without_tests_and_comments(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_start();
        let test_attr = line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test");
        let next = lines.get(i + 1).map_or("", |l| l.trim());
        if test_attr && next.starts_with("mod ") && next.ends_with(';') {
            // A test module in a file of its own (not read: see `walk`).
            i += 2;
            continue;
        }
        if test_attr && next.starts_with("mod ") {
            // Skip to the line closing the module (brace counting outside strings).
            let mut depth = 0i32;
            let mut opened = false;
            i += 1;
            while i < lines.len() {
                let (open, close) = braces(lines[i]);
                depth += open - close;
                opened |= open > 0;
                i += 1;
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        if !line.starts_with("//") {
            out.push_str(lines[i]);
            out.push('\n');
        }
        i += 1;
    }
    out
}

/// `{` and `}` counts of a line, outside string and char literals and trailing comments.
fn braces(line: &str) -> (i32, i32) {
    let (mut open, mut close) = (0, 0);
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => in_str = !in_str,
            '\'' if !in_str => {
                // A char literal such as '{' (a lifetime has no closing quote two chars on).
                let mut ahead = chars.clone();
                if let (Some(_), Some('\'')) = (ahead.next(), ahead.next()) {
                    chars.next();
                    chars.next();
                }
            }
            '/' if !in_str && chars.peek() == Some(&'/') => break,
            '{' if !in_str => open += 1,
            '}' if !in_str => close += 1,
            _ => {}
        }
    }
    (open, close)
}

fn declared_modules(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l
                .strip_prefix("pub(crate) mod ")
                .or_else(|| l.strip_prefix("pub mod "))
                .or_else(|| l.strip_prefix("mod "))?;
            rest.strip_suffix(';').map(str::to_owned)
        })
        .collect()
}

/// Every path in `code` starting with `start` (`crate::`, `super::`, `proof::`), as segments.
fn paths(code: &str, start: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(start) {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at + start.len()..];
        rest = tail;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let segments: Vec<String> = tail
            .split("::")
            .map(|s| {
                s.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|s| !s.is_empty())
            .collect();
        out.push(segments);
    }
    out
}

/// The library file a path from `from` leads to: the longest prefix that is a module.
fn resolve(known: &BTreeSet<Vec<String>>, mut base: Vec<String>, rest: &[String]) -> Vec<String> {
    let mut best = base.clone();
    for segment in rest {
        base.push(segment.clone());
        if known.contains(&base) {
            best = base.clone();
        } else {
            break;
        }
    }
    best
}

fn graph(modules: &[Module]) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let known: BTreeSet<Vec<String>> = modules.iter().map(|m| m.path.clone()).collect();
    let mut edges = BTreeMap::new();
    for m in modules {
        let mut to = BTreeSet::new();
        for p in paths(&m.code, "crate::") {
            to.insert(resolve(&known, Vec::new(), &p));
        }
        // `super::` from a module's file: its parent; `super::super::` twice.
        for p in paths(&m.code, "super::") {
            let mut base = m.path.clone();
            base.pop();
            let mut p = p.as_slice();
            while p.first().is_some_and(|s| s == "super") {
                base.pop();
                p = &p[1..];
            }
            to.insert(resolve(&known, base, p));
        }
        for child in &m.children {
            let start = format!("{child}::");
            if !paths(&m.code, &start).is_empty() {
                let mut path = m.path.clone();
                path.push(child.clone());
                to.insert(path);
            }
        }
        to.remove(&m.path);
        edges.insert(m.path.clone(), to);
    }
    edges
}

fn name(path: &[String]) -> String {
    if path.is_empty() {
        "lib.rs".to_owned()
    } else {
        path.join("::")
    }
}

#[test]
fn no_library_file_imports_one_that_imports_it_back() {
    let modules = modules();
    assert!(modules.len() > 30, "found only {} files", modules.len());
    let edges = graph(&modules);
    // Depth-first search for a cycle, reporting the first one found.
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if !done.insert(node.clone()) {
            return None;
        }
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    let roots: Vec<_> = edges.keys().cloned().collect();
    for node in &roots {
        if let Some(cycle) = visit(node, &edges, &mut Vec::new(), &mut done) {
            let names: Vec<String> = cycle.iter().map(|p| name(p)).collect();
            panic!("import cycle: {}", names.join(" -> "));
        }
    }
}

#[test]
fn the_checker_sees_a_cycle_when_there_is_one() {
    // Two made-up files importing each other, and a parent using the child that uses it.
    let make = |path: &[&str], code: &str| Module {
        path: path.iter().map(|s| s.to_string()).collect(),
        file: PathBuf::new(),
        code: without_tests_and_comments(code),
        children: declared_modules(code),
    };
    let modules = [
        make(&["a"], "use crate::b::X;\n// use crate::c::Y;\n"),
        make(&["b"], "fn f() { crate::a::g() }\n"),
        make(
            &["c"],
            "mod d;\nfn f() { d::run() }\n#[cfg(test)]\nmod tests {\n use crate::a::Z;\n}\n",
        ),
        make(&["c", "d"], "use super::Thing;\n"),
        make(&["e"], "#[cfg(test)]\nmod tests;\npub use crate::a::Q;\n"),
    ];
    let edges = graph(&modules);
    let of = |p: &[&str]| -> Vec<String> { p.iter().map(|s| s.to_string()).collect() };
    assert!(edges[&of(&["a"])].contains(&of(&["b"])));
    assert!(edges[&of(&["b"])].contains(&of(&["a"])));
    assert!(
        !edges[&of(&["a"])].contains(&of(&["c"])),
        "comments are not imports"
    );
    assert!(edges[&of(&["c"])].contains(&of(&["c", "d"])));
    assert!(edges[&of(&["c", "d"])].contains(&of(&["c"])));
    assert!(
        !edges[&of(&["c"])].contains(&of(&["a"])),
        "test modules are not imports"
    );
    assert!(
        edges[&of(&["e"])].contains(&of(&["a"])),
        "code after `mod tests;` is read"
    );
}

#[test]
fn no_library_file_is_over_a_thousand_lines() {
    for m in modules() {
        let lines = fs::read_to_string(&m.file).expect("read").lines().count();
        assert!(
            lines <= MAX_LINES,
            "{} has {lines} lines (at most {MAX_LINES})",
            m.file.display()
        );
    }
}
