//! A guard on how the app's modules depend on each other. Each module imports (`crate::…`) only
//! modules of the layers below its own, so no module ever imports one that imports it back. The
//! layers, bottom first, are [`LAYERS`]; a new module goes in the lowest layer its imports allow,
//! and the tests fail until it is placed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The app's modules by layer, bottom first: the error and the state; what the pages see; the
/// windows (streamer windows, then the home window); what a panel reads; the channels; what
/// runs beside the commands (the session with Twitch, the forwarding to the pages, the
/// notifications, the links, the tray); the commands.
const LAYERS: &[&[&str]] = &[
    &["error", "state", "inline_pages", "webkit_env", "panes", "video"],
    &["views"],
    &["windows"],
    &["home"],
    &["panel"],
    &["channels"],
    &["session", "forwarding", "notifications", "deeplinks", "chat", "tray"],
    &["commands"],
];

/// This file: its text names modules without importing them.
const THIS: &str = "layering";

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The top-level module a file of `src/` belongs to (`commands/app.rs` → `commands`); `None` for
/// the crate's root.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The top-level modules `code` imports through `crate::`, `crate::{…}` groups included;
/// comments are left out.
fn imports(code: &str) -> BTreeSet<String> {
    let code: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| l.split(" // ").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with('$') {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The group's items, split at its top-level commas.
            let (mut depth, mut start) = (0, 0);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.insert(ident(&group[start..i]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.remove("");
    out
}

/// Module → the other modules it imports, for every module of `src/`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(&src) {
        let Some(module) = module_of(&src, &file) else { continue };
        if module == THIS {
            continue;
        }
        let code = std::fs::read_to_string(&file).expect("a source file");
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(imports(&code).into_iter().filter(|m| *m != module));
    }
    graph
}

#[test]
fn imports_are_read_from_paths_and_groups_but_not_from_comments() {
    let code = "use crate::error::UiError;\nuse crate::{channels::{self, ChannelsExt}, home};\n\
                // crate::commands is only named here\nlet x = crate::views::event::AUTH;";
    let found: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(found, ["channels", "error", "home", "views"]);
}

#[test]
fn every_module_imports_only_modules_of_lower_layers() {
    let layer = |m: &str| LAYERS.iter().position(|l| l.contains(&m));
    let graph = graph();
    assert!(graph.len() >= 10, "the modules were found: {:?}", graph.keys());
    for (module, imported) in &graph {
        let Some(own) = layer(module) else {
            panic!("{module} is in no layer: add it to LAYERS (layering.rs)");
        };
        for other in imported {
            let theirs = layer(other).unwrap_or_else(|| panic!("{module} imports {other}"));
            assert!(theirs < own, "{module} (layer {own}) imports {other} (layer {theirs})");
        }
    }
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = graph();
    // Depth first; a module met again while it is on the path closes a loop.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!("import cycle: {} → {m}", path[at..].join(" → "));
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for next in graph.get(m).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
}
