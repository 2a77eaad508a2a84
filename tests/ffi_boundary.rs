//! Every export of the C ABI runs behind the panic boundary: its body starts with one of the boundary
//! helpers of `src/ffi/mod.rs` (`call` for fallible functions, `guard` / `read` for accessors and
//! constructors, `free_box` for frees, `update` for setters), or delegates to another export, which does.
//! A panic crossing into C aborts the host program, so an export written any other way fails this test.

use std::path::Path;

/// The helpers an export body may start with, each of which catches panics (checked below).
const BOUNDARY: [&str; 5] = ["call(", "guard(", "read(", "free_box(", "update("];

fn ffi_sources() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    out.sort();
    out
}

/// (name, first statement of the body) of every `extern "C" fn` in `text`.
fn exports(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("pub extern \"C\" fn ") {
        let after = &rest[i + "pub extern \"C\" fn ".len()..];
        let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let open = after.find('{').expect("an export has a body");
        let body = after[open + 1..].trim_start();
        out.push((name, body.lines().next().unwrap_or("").trim().to_string()));
        rest = &after[open..];
    }
    out
}

#[test]
fn every_export_starts_behind_the_panic_boundary() {
    let mut count = 0;
    let mut bad = Vec::new();
    for (file, text) in ffi_sources() {
        for (name, first) in exports(&text) {
            count += 1;
            let guarded =
                BOUNDARY.iter().any(|b| first.starts_with(b)) || (first.starts_with("cos_") && first.contains('('));
            if !guarded {
                bad.push(format!("{file}: {name}: `{first}`"));
            }
        }
    }
    assert!(count > 150, "found only {count} exports: the scan is broken");
    assert!(bad.is_empty(), "exports outside the panic boundary:\n{}", bad.join("\n"));
}

#[test]
fn the_boundary_helpers_catch_panics() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi/mod.rs")).unwrap();
    for helper in ["fn call(", "fn guard<", "fn read<", "fn free_box<", "fn update<"] {
        let at = text.find(helper).unwrap_or_else(|| panic!("src/ffi/mod.rs has no {helper}"));
        let body = &text[at..at + text[at..].find("\n}\n").expect("the helper ends")];
        assert!(
            body.contains("catch_unwind") || body.contains("guard(") || body.contains("call("),
            "{helper} does not catch panics:\n{body}"
        );
    }
}
