//! No two modules of `src/` depend on each other, directly or through others.
//!
//! Reads every file's paths (`use` trees and inline `crate::`/`super::` paths), maps each
//! to the module file it names, and looks for cycles among the files. A module and its
//! own ancestors are left out: a parent declares and re-exports its children, and a
//! child reads its parent's items; neither is a cycle between peers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn module_files(dir: &Path, prefix: &Module, out: &mut BTreeMap<Module, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut module = prefix.clone();
        if path.is_dir() {
            module.push(name);
            module_files(&path, &module, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            // main.rs is the binary: a crate of its own.
            if name == "main" {
                continue;
            }
            if !matches!(name.as_str(), "mod" | "lib") {
                module.push(name);
            }
            out.insert(module, path);
        }
    }
}

/// The file's text before its unit tests (which may read anything). Only the test
/// module ends the code: a `#[cfg(test)]` on a statement or an item above it (a test
/// probe) must not hide the rest of the file from the check.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]\nmod ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand_use_tree(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap().trim().to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand_use_tree)
        .map(|p| format!("{prefix}{p}"))
        .collect()
}

/// Every path that starts at `crate`, `super` or `self` in the code.
fn paths_in(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for statement in code.split(';') {
        let statement = statement.trim_start();
        let body = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
            .or_else(|| statement.strip_prefix("pub(super) use "))
            .or_else(|| statement.strip_prefix("use "));
        if let Some(body) = body {
            paths.extend(expand_use_tree(body));
        }
    }
    let bytes = code.as_bytes();
    for root in ["crate::", "super::"] {
        for (at, _) in code.match_indices(root) {
            let boundary =
                at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            if boundary {
                let end = code[at..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .map_or(code.len(), |n| at + n);
                paths.push(code[at..end].to_string());
            }
        }
    }
    paths
}

/// The module file a path names (the longest module prefix of it).
fn resolve(from: &Module, path: &str, modules: &BTreeMap<Module, PathBuf>) -> Option<Module> {
    let mut segments = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut absolute: Module = match segments.peek().copied() {
        Some("crate") => {
            segments.next();
            Vec::new()
        }
        Some("super") | Some("self") => from.clone(),
        _ => return None,
    };
    for segment in segments {
        match segment {
            "super" => {
                absolute.pop();
            }
            "self" => {}
            s => absolute.push(s.to_string()),
        }
    }
    (0..=absolute.len())
        .rev()
        .map(|n| absolute[..n].to_vec())
        .find(|m| modules.contains_key(m))
}

fn is_ancestor_or_self(a: &Module, b: &Module) -> bool {
    b.starts_with(a)
}

fn dependencies(modules: &BTreeMap<Module, PathBuf>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph = BTreeMap::new();
    for (module, file) in modules {
        let here = module.clone();
        let targets: BTreeSet<Module> = paths_in(&code_of(file))
            .iter()
            .filter_map(|p| resolve(&here, p, modules))
            .filter(|t| !is_ancestor_or_self(t, &here) && !is_ancestor_or_self(&here, t))
            .collect();
        graph.insert(here, targets);
    }
    graph
}

/// Modules on a cycle, as the strongly connected components (Tarjan) of more than one.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'g Module, usize>,
        low: BTreeMap<&'g Module, usize>,
        stack: Vec<&'g Module>,
        on_stack: BTreeSet<&'g Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g Module) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

fn name(m: &Module) -> String {
    format!("crate::{}", m.join("::"))
}

#[test]
fn no_module_of_src_depends_on_itself_through_others() {
    let mut modules = BTreeMap::new();
    module_files(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &Vec::new(),
        &mut modules,
    );
    let graph = dependencies(&modules);
    assert!(
        graph.len() > 20,
        "the walk found too few modules: {graph:?}"
    );
    // The walk must see dependencies, not only files: with no edges, no cycle is found.
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(edges > 20, "the walk found too few dependencies: {graph:?}");
    let found: Vec<String> = cycles(&graph)
        .iter()
        .map(|c| c.iter().map(name).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(
        found.is_empty(),
        "import cycles in src/:\n{}",
        found.join("\n")
    );
}

#[test]
fn code_after_a_cfg_test_statement_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.rs");
    std::fs::write(
        &file,
        "fn f() {\n    #[cfg(test)]\n    probe();\n}\nfn g() { crate::b::h(); }\n\
         #[cfg(test)]\nmod tests {\n    use crate::c::x;\n}\n",
    )
    .unwrap();
    let code = code_of(&file);
    assert!(code.contains("crate::b::h"), "{code}");
    assert!(!code.contains("crate::c::x"), "{code}");
}

#[test]
fn the_check_sees_a_cycle_through_a_use_tree_and_an_inline_path() {
    let modules: BTreeMap<Module, PathBuf> = [vec![], vec!["a".into()], vec!["b".into()]]
        .into_iter()
        .map(|m| (m, PathBuf::new()))
        .collect();
    let from_a = paths_in("use crate::{b::{Thing, Other as O}, x};\nfn f() {}");
    let from_b = paths_in("fn g() { crate::a::h(); }");
    let a_deps: BTreeSet<Module> = from_a
        .iter()
        .filter_map(|p| resolve(&vec!["a".into()], p, &modules))
        .collect();
    let b_deps: BTreeSet<Module> = from_b
        .iter()
        .filter_map(|p| resolve(&vec!["b".into()], p, &modules))
        .collect();
    assert!(a_deps.contains(&vec!["b".to_string()]), "{from_a:?}");
    assert!(b_deps.contains(&vec!["a".to_string()]), "{from_b:?}");
    let graph: BTreeMap<Module, BTreeSet<Module>> = [
        (
            vec!["a".to_string()],
            BTreeSet::from([vec!["b".to_string()]]),
        ),
        (
            vec!["b".to_string()],
            BTreeSet::from([vec!["a".to_string()]]),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&graph).len(), 1);
}
