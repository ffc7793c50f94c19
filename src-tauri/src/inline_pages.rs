//! The app's pages as its webviews get them: each HTML page with its style sheets and its module
//! scripts put into the page itself (BENCHMARKS.md "Start-up").
//!
//! Every file a page needs is one more request over `tauri://`, and a streamer panel asked for
//! five (two style sheets, three modules, each waiting for the one before it to be parsed). With
//! everything in the HTML, the panel's rows were painted ~50 ms sooner after its navigation
//! (docs/bench-log.md, session 11). `ui/` stays plain files and ES modules, as the pages are
//! written and tested (`tests/ui`); this is done once, when the app starts, on the embedded copies.
//!
//! The app's CSP stays strict: each inlined `<style>` and `<script>` is allowed by its SHA-256
//! hash (handed to Tauri through [`Assets::csp_hashes`]), never by `'unsafe-inline'`.
//!
//! Modules are put into one script without a parser, so only the forms the app's pages use are
//! taken: `import { a, b as c } from "./x.js";` on a line of its own, and `export` in front of
//! a `function`, `async function`, `class`, `const`, `let` or `var` declaration. Each module
//! runs in its own function scope and hands its exports on, so modules' private names never
//! meet. Anything else (a default export, `import.meta`, a bare specifier, a style sheet with a
//! `url(` or `@import`) leaves that page as it is: it then loads its files as before.

use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};
use tauri::{App, Assets, Runtime};

/// The embedded assets, with the HTML pages replaced by their inlined versions.
pub struct InlinedPages<R: Runtime> {
    inner: Box<dyn Assets<R>>,
    pages: HashMap<String, Page>,
}

/// One inlined page.
struct Page {
    html: Vec<u8>,
    /// `'sha256-…'` of each inline script.
    scripts: Vec<String>,
    /// `'sha256-…'` of each inline style sheet.
    styles: Vec<String>,
}

/// Why a page is served as written (logged, never shown: the page still works).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InlineError {
    /// A file the page names is not among the assets.
    #[error("{0} is not among the app's files")]
    Missing(String),
    /// A form this inliner does not take (see the module's documentation).
    #[error("{file}: cannot inline `{line}`")]
    Unsupported {
        /// The file.
        file: String,
        /// What was found.
        line: String,
    },
    /// A module imports itself, directly or not.
    #[error("{0} imports itself")]
    Cycle(String),
}

impl<R: Runtime> InlinedPages<R> {
    /// Inlines every `.html` page of `inner`; a page that cannot be inlined is served as is.
    pub fn new(inner: Box<dyn Assets<R>>) -> Self {
        let started = std::time::Instant::now();
        let get = |path: &str| {
            inner.get(&AssetKey::from(path)).map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        let mut pages = HashMap::new();
        let html_keys: Vec<String> = inner
            .iter()
            .map(|(k, _)| k.trim_start_matches('/').to_string())
            .filter(|k| k.ends_with(".html"))
            .collect();
        for key in html_keys {
            let Some(source) = get(&key) else { continue };
            match inline_page(&key, &source, &get) {
                Ok(page) => {
                    pages.insert(key, page);
                }
                Err(e) => tracing::warn!(page = %key, error = %e, "page served as written"),
            }
        }
        tracing::debug!(pages = pages.len(), elapsed = ?started.elapsed(), "pages inlined");
        Self { inner, pages }
    }

    fn page(&self, key: &AssetKey) -> Option<&Page> {
        self.pages.get(key.as_ref().trim_start_matches('/'))
    }
}

impl<R: Runtime> Assets<R> for InlinedPages<R> {
    fn setup(&self, app: &App<R>) {
        self.inner.setup(app);
    }

    fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        match self.page(key) {
            Some(p) => Some(Cow::Borrowed(&p.html)),
            None => self.inner.get(key),
        }
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        self.inner.iter()
    }

    fn csp_hashes(&self, html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        match self.page(html_path) {
            Some(p) => Box::new(
                p.scripts
                    .iter()
                    .map(|h| CspHash::Script(h))
                    .chain(p.styles.iter().map(|h| CspHash::Style(h))),
            ),
            None => self.inner.csp_hashes(html_path),
        }
    }
}

/// No assets: what the context holds for the moment its embedded assets are being wrapped.
pub struct NoAssets;

impl<R: Runtime> Assets<R> for NoAssets {
    fn get(&self, _key: &AssetKey) -> Option<Cow<'_, [u8]>> {
        None
    }

    fn iter(&self) -> Box<AssetsIter<'_>> {
        Box::new(std::iter::empty())
    }

    fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
        Box::new(std::iter::empty())
    }
}

/// `'sha256-…'` of a script's or style sheet's text, as a CSP source expression.
fn csp_hash(text: &str) -> String {
    use base64::Engine;
    let digest = Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The value of `name="…"` in a tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// `dir/file` relative to the directory of `from` (both without a leading `/`).
fn resolve(from: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in relative.split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The page `key` with its style sheets and module scripts inlined.
fn inline_page(
    key: &str,
    source: &str,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Page, InlineError> {
    let mut html = String::with_capacity(source.len() * 8);
    let (mut scripts, mut styles) = (Vec::new(), Vec::new());
    for line in source.split_inclusive('\n') {
        let tag = line.trim();
        let is = |start: &str| tag.starts_with(start) && tag.ends_with('>');
        if is("<link rel=\"modulepreload\"") {
            // Its module is in the page now.
            continue;
        }
        if is("<link rel=\"stylesheet\"") {
            let href = attr(tag, "href").ok_or_else(|| unsupported(key, tag))?;
            let path = resolve(key, href);
            let css = get(&path).ok_or_else(|| InlineError::Missing(path.clone()))?;
            // Relative URLs would resolve against the page, not the sheet.
            if css.contains("url(") || css.contains("@import") || css.contains("</") {
                return Err(unsupported(&path, "url(, @import or </"));
            }
            styles.push(csp_hash(&css));
            html.push_str("  <style>");
            html.push_str(&css);
            html.push_str("</style>\n");
            continue;
        }
        if is("<script type=\"module\" src=") {
            let src = attr(tag, "src").ok_or_else(|| unsupported(key, tag))?;
            let js = bundle(&resolve(key, src), get)?;
            if js.contains("</script") {
                return Err(unsupported(src, "</script"));
            }
            scripts.push(csp_hash(&js));
            html.push_str("  <script type=\"module\">");
            html.push_str(&js);
            html.push_str("</script>\n");
            continue;
        }
        if tag.starts_with("<script") && tag.contains(" src=") {
            return Err(unsupported(key, tag));
        }
        html.push_str(line);
    }
    Ok(Page { html: html.into_bytes(), scripts, styles })
}

fn unsupported(file: &str, line: &str) -> InlineError {
    InlineError::Unsupported { file: file.to_string(), line: line.to_string() }
}

/// One module as read: what it imports and exports, and its code without those keywords.
struct Module {
    /// (module path, `name` or `name: alias` for a destructuring pattern).
    imports: Vec<(String, Vec<String>)>,
    exports: Vec<String>,
    body: String,
}

/// Reads one module of the supported forms.
fn read_module(path: &str, source: &str) -> Result<Module, InlineError> {
    let mut m = Module { imports: Vec::new(), exports: Vec::new(), body: String::new() };
    for line in source.split_inclusive('\n') {
        let t = line.trim_start();
        if t.contains("import.meta") || t.contains("import(") {
            return Err(unsupported(path, line.trim()));
        }
        if let Some(rest) = t.strip_prefix("import ") {
            m.imports.push(read_import(path, rest).ok_or_else(|| unsupported(path, line.trim()))?);
            m.body.push('\n');
            continue;
        }
        if let Some(decl) = line.strip_prefix("export ") {
            let name = exported_name(decl).ok_or_else(|| unsupported(path, line.trim()))?;
            m.exports.push(name);
            m.body.push_str(decl);
            continue;
        }
        if t.starts_with("export ") || t.starts_with("export{") {
            return Err(unsupported(path, line.trim()));
        }
        m.body.push_str(line);
    }
    Ok(m)
}

/// `{ a, b as c } from "./x.js";` → ("dir/x.js", ["a", "b: c"]).
fn read_import(path: &str, rest: &str) -> Option<(String, Vec<String>)> {
    let rest = rest.trim().strip_prefix('{')?;
    let (names, tail) = rest.split_once('}')?;
    let spec = tail.trim().strip_prefix("from")?.trim().strip_suffix(';')?.trim();
    let spec = spec.strip_prefix('"')?.strip_suffix('"')?;
    if !(spec.starts_with("./") || spec.starts_with("../")) {
        return None;
    }
    let mut pattern = Vec::new();
    for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let item = match n.split_once(" as ") {
            Some((a, b)) if is_ident(a.trim()) && is_ident(b.trim()) => {
                format!("{}: {}", a.trim(), b.trim())
            }
            None if is_ident(n) => n.to_string(),
            _ => return None,
        };
        pattern.push(item);
    }
    Some((resolve(path, spec), pattern))
}

/// The name a supported `export` declaration binds.
fn exported_name(decl: &str) -> Option<String> {
    let words = ["async function ", "function* ", "function ", "class ", "const ", "let ", "var "];
    let rest = words.iter().find_map(|w| decl.strip_prefix(w))?;
    let rest = rest.trim_start().trim_start_matches('*').trim_start();
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))?;
    let name = &rest[..end];
    is_ident(name).then(|| name.to_string())
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The module `entry` and everything it imports as one script: dependencies first, each once,
/// each in its own function scope.
fn bundle(entry: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<String, InlineError> {
    let mut order: Vec<(String, Module)> = Vec::new();
    visit(entry, get, &mut order, &mut Vec::new())?;
    let var = |path: &str| order.iter().position(|(p, _)| p == path).map(|i| format!("__tev_m{i}"));
    let mut out = String::new();
    for (i, (path, m)) in order.iter().enumerate() {
        let last = i + 1 == order.len();
        out.push_str(&format!("\n// {path}\n"));
        if !last {
            out.push_str(&format!("const __tev_m{i} = "));
        }
        out.push_str("(() => {\n");
        for (dep, names) in &m.imports {
            let v = var(dep).ok_or_else(|| InlineError::Missing(dep.clone()))?;
            out.push_str(&format!("const {{ {} }} = {v};\n", names.join(", ")));
        }
        out.push_str(&m.body);
        if !last {
            out.push_str(&format!("\nreturn {{ {} }};\n", m.exports.join(", ")));
        }
        out.push_str("})();\n");
    }
    Ok(out)
}

/// Depth-first: a module after everything it imports.
fn visit(
    path: &str,
    get: &dyn Fn(&str) -> Option<String>,
    order: &mut Vec<(String, Module)>,
    stack: &mut Vec<String>,
) -> Result<(), InlineError> {
    if order.iter().any(|(p, _)| p == path) {
        return Ok(());
    }
    if stack.iter().any(|p| p == path) {
        return Err(InlineError::Cycle(path.to_string()));
    }
    let source = get(path).ok_or_else(|| InlineError::Missing(path.to_string()))?;
    let m = read_module(path, &source)?;
    stack.push(path.to_string());
    for (dep, _) in &m.imports {
        visit(dep, get, order, stack)?;
    }
    stack.pop();
    order.push((path.to_string(), m));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files(list: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> =
            list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |p: &str| map.get(p).cloned()
    }

    /// The real `ui/` directory, as the app embeds it.
    fn ui(path: &str) -> Option<String> {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui").join(path)).ok()
    }

    #[test]
    fn every_page_of_the_app_is_inlined_whole() {
        for page in ["index.html", "streamer.html", "compose.html", "blank.html"] {
            let source = ui(page).expect("page");
            let p = inline_page(page, &source, &ui).unwrap_or_else(|e| panic!("{page}: {e}"));
            let html = String::from_utf8(p.html).expect("utf-8");
            assert!(!html.contains("rel=\"stylesheet\""), "{page}: a style sheet left");
            assert!(!html.contains("modulepreload"), "{page}: a preload left");
            assert!(!html.contains(" src=\"js/"), "{page}: a module left");
            assert!(!html.contains("\nimport "), "{page}: an import left");
            assert!(!html.contains("\nexport "), "{page}: an export left");
            assert_eq!(p.styles.len(), html.matches("<style>").count(), "{page}");
            assert_eq!(p.scripts.len(), html.matches("<script type=\"module\">").count());
            // The rest of the page is untouched.
            assert!(html.contains("</body>") && html.starts_with("<!doctype html>"), "{page}");
        }
        let s = inline_page("streamer.html", &ui("streamer.html").expect("page"), &ui)
            .expect("inlined");
        assert_eq!((s.styles.len(), s.scripts.len()), (2, 1));
        // The panel and the home page still start hidden until their data is in (app.css
        // `body.booting`): the rule comes inlined with each.
        for (page, body) in [("streamer.html", "streamer booting"), ("index.html", "home booting")]
        {
            let p = inline_page(page, &ui(page).expect("page"), &ui).expect("inlined");
            let html = String::from_utf8(p.html).expect("utf-8");
            assert!(html.contains("body.booting {"), "{page}");
            assert!(html.contains(&format!("<body class=\"{body}\">")), "{page}");
        }
    }

    #[test]
    fn the_hash_is_of_the_exact_text_in_the_page() {
        let get = files(&[("a.css", "body { color: red; }\n"), ("s.html", "")]);
        let p = inline_page("s.html", "<link rel=\"stylesheet\" href=\"a.css\">\n", &get)
            .expect("inlined");
        // printf 'body { color: red; }\n' | openssl dgst -sha256 -binary | base64
        assert_eq!(p.styles, ["'sha256-l2fpHp1LAzTlmh04npgBvGosXEpVAKPCx5FWh5ZbLBY='"]);
        let html = String::from_utf8(p.html).expect("utf-8");
        assert_eq!(html, "  <style>body { color: red; }\n</style>\n");
    }

    #[test]
    fn dependencies_come_first_and_once_each_in_its_own_scope() {
        let get = files(&[
            (
                "js/a.js",
                "import { b } from \"./b.js\";\nimport { c as see } from \"./c.js\";\nconst x = 1;\nb(see, x);\n",
            ),
            (
                "js/b.js",
                "import { c } from \"./c.js\";\nconst x = 2;\nexport function b() { return c + x; }\n",
            ),
            ("js/c.js", "const x = 3;\nexport const c = x;\n"),
        ]);
        let js = bundle("js/a.js", &get).expect("bundled");
        let at = |s: &str| js.find(s).unwrap_or_else(|| panic!("{s} in {js}"));
        assert!(at("// js/c.js") < at("// js/b.js") && at("// js/b.js") < at("// js/a.js"));
        assert_eq!(js.matches("// js/c.js").count(), 1, "c once");
        assert!(
            js.contains("const __tev_m0 = (() => {\nconst x = 3;\nconst c = x;\n\nreturn { c };")
        );
        assert!(js.contains("const { c } = __tev_m0;"));
        assert!(js.contains("const { b } = __tev_m1;\nconst { c: see } = __tev_m0;"));
        // Three `const x` at three function scopes, never one.
        assert_eq!(js.matches("(() => {").count(), 3);
        assert!(js.ends_with("b(see, x);\n})();\n"));
    }

    #[test]
    fn forms_it_does_not_take_leave_the_page_as_written() {
        let page = "<script type=\"module\" src=\"m.js\"></script>\n";
        for (source, why) in [
            ("export default function () {}\n", "default export"),
            ("export { a };\n", "export list"),
            ("import x from \"./x.js\";\n", "default import"),
            ("import { x } from \"lib\";\n", "bare specifier"),
            ("import * as x from \"./x.js\";\n", "namespace import"),
            ("const u = import.meta.url;\n", "import.meta"),
            ("const m = await import(\"./x.js\");\n", "dynamic import"),
        ] {
            let get = files(&[("m.js", source), ("x.js", "export const x = 1;\n")]);
            assert!(
                matches!(inline_page("p.html", page, &get), Err(InlineError::Unsupported { .. })),
                "{why}"
            );
        }
        let get = files(&[("m.js", "import { x } from \"./gone.js\";\n")]);
        assert_eq!(
            inline_page("p.html", page, &get).err(),
            Some(InlineError::Missing("gone.js".into()))
        );
        let get = files(&[("m.js", "import { x } from \"./m.js\";\nexport const x = 1;\n")]);
        assert_eq!(
            inline_page("p.html", page, &get).err(),
            Some(InlineError::Cycle("m.js".into()))
        );
        let get = files(&[("a.css", "body { background: url(x.png); }")]);
        let link = "<link rel=\"stylesheet\" href=\"a.css\">\n";
        assert!(matches!(inline_page("p.html", link, &get), Err(InlineError::Unsupported { .. })));
        let get = files(&[("m.js", "const s = \"</script>\";\n")]);
        assert!(matches!(inline_page("p.html", page, &get), Err(InlineError::Unsupported { .. })));
        let classic = "<script src=\"m.js\"></script>\n";
        assert!(matches!(
            inline_page("p.html", classic, &get),
            Err(InlineError::Unsupported { .. })
        ));
    }

    #[test]
    fn paths_resolve_against_the_importing_file() {
        assert_eq!(resolve("streamer.html", "js/a.js"), "js/a.js");
        assert_eq!(resolve("js/a.js", "./b.js"), "js/b.js");
        assert_eq!(resolve("js/deep/a.js", "../b.js"), "js/b.js");
        assert_eq!(resolve("a/index.html", "styles/x.css"), "a/styles/x.css");
    }

    /// `node --check` of `js` as a module: `Err(stderr)` when JavaScript does not accept it.
    fn node_check(name: &str, js: &str) -> Result<(), String> {
        let file =
            std::env::temp_dir().join(format!("tev-bundle-{}-{name}.mjs", std::process::id()));
        std::fs::write(&file, js).expect("write");
        let out = std::process::Command::new("node")
            .arg("--check")
            .arg(&file)
            .output()
            .expect("node (Node 20, as for tests/ui) must be on PATH");
        let _ = std::fs::remove_file(&file);
        if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into()) }
    }

    /// The bundle of each real page is a script JavaScript accepts: `node --check` parses it
    /// as a module (the app's pages run it as one).
    #[test]
    fn the_real_pages_bundles_parse_as_modules() {
        for entry in ["js/streamer.js", "js/home.js"] {
            let js = bundle(entry, &ui).expect("bundled");
            if let Err(e) = node_check(&entry.replace('/', "_"), &js) {
                panic!("{entry}: {e}");
            }
        }
        // And a clash of private names between two modules would not parse as one scope.
        let get = files(&[
            ("a.js", "import { f } from \"./b.js\";\nconst tauri = 1;\nf(tauri);\n"),
            ("b.js", "const tauri = 2;\nexport function f() { return tauri; }\n"),
        ]);
        let js = bundle("a.js", &get).expect("bundled");
        assert_eq!(node_check("clash", &js), Ok(()), "{js}");
    }
}
