//! The ABI check: `abi/cos.abi` records every declaration of `include/cos.h` (functions, callback types,
//! structs, each enum constant with its value, macros) and the major version they belong to. Adding is
//! fine but must be recorded (`COS_UPDATE_ABI=1 cargo test --test abi`); removing or changing a recorded
//! declaration fails unless the major version in Cargo.toml has changed, and then the update rewrites the
//! record for the new major version. The exported symbols of the built libcos.so must be exactly the
//! header's functions.

#[path = "c/cbuild.rs"]
mod cbuild;

use std::collections::BTreeMap;

const MAJOR: &str = env!("CARGO_PKG_VERSION_MAJOR");

/// Declaration name -> its text, whitespace normalized.
type Abi = BTreeMap<String, String>;

/// The header without comments, preprocessor lines and the `extern "C"` wrapper.
fn strip(header: &str) -> String {
    let mut out = String::new();
    let mut rest = header;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| !l.trim_start().starts_with('#') && l.trim() != "extern \"C\" {" && l.trim() != "}")
        .collect::<Vec<_>>()
        .join("\n")
}

fn normalize(text: &str) -> String {
    let spaced = text.split_whitespace().collect::<Vec<_>>().join(" ");
    spaced.replace("( ", "(").replace(" )", ")").replace(" ,", ",")
}

/// The last identifier before `(` of a function or of `(*name)` for a function pointer type.
fn function_name(decl: &str) -> Option<String> {
    let head = if let Some(i) = decl.find("(*") {
        &decl[i + 2..decl[i..].find(')').map_or(decl.len(), |j| i + j)]
    } else {
        decl[..decl.find('(')?].trim_end()
    };
    head.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().map(str::to_string)
}

/// The text split at each `;` outside braces (a struct's fields stay in its declaration).
fn statements(text: &str) -> Vec<String> {
    let (mut out, mut current, mut depth) = (Vec::new(), String::new(), 0usize);
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out
}

/// Every declaration of the header, by name.
fn parse(header: &str) -> Abi {
    let mut abi = Abi::new();
    for line in header.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#define"), Some(name)) = (words.next(), words.next()) {
            if !name.starts_with("COS_VERSION_") && name != "COS_H" {
                abi.insert(format!("macro {name}"), normalize(line));
            }
        }
    }
    for stmt in statements(&strip(header)).iter().map(|s| normalize(s)).filter(|s| !s.is_empty()) {
        if let Some(body) = stmt.strip_prefix("typedef enum {") {
            let (constants, name) = body.rsplit_once('}').expect("typedef enum { ... } name");
            let mut next = 0i64;
            for constant in constants.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                let (cname, value) = match constant.split_once('=') {
                    Some((n, v)) => (n.trim(), v.trim().parse::<i64>().expect("enum values are integers")),
                    None => (constant, next),
                };
                next = value + 1;
                abi.insert(format!("enum {} {cname}", name.trim()), format!("{cname} = {value}"));
            }
        } else if stmt.starts_with("typedef struct") && !stmt.contains('{') {
            let name = stmt.rsplit(' ').next().unwrap().to_string();
            abi.insert(format!("opaque {name}"), stmt);
        } else if stmt.starts_with("typedef struct") || stmt.starts_with("struct") {
            let name = stmt.rsplit('}').next().unwrap().trim().to_string();
            let name = if name.is_empty() { stmt.split_whitespace().nth(1).unwrap().to_string() } else { name };
            abi.insert(format!("struct {name}"), stmt);
        } else if stmt.starts_with("typedef") && stmt.contains("(*") {
            abi.insert(format!("callback {}", function_name(&stmt).unwrap()), stmt);
        } else if stmt.starts_with("typedef") {
            abi.insert(format!("typedef {}", stmt.rsplit(' ').next().unwrap()), stmt);
        } else if stmt.contains('(') {
            abi.insert(format!("fn {}", function_name(&stmt).unwrap()), stmt);
        } else {
            panic!("abi.rs does not know this kind of declaration: {stmt}");
        }
    }
    abi
}

fn render(abi: &Abi) -> String {
    let mut out = format!(
        "# The C ABI of libcos major version {MAJOR} (soname libcos.so.{MAJOR}): every declaration of include/cos.h.\n\
         # Checked by tests/abi.rs; regenerate with COS_UPDATE_ABI=1 cargo test --test abi.\n\
         major {MAJOR}\n"
    );
    for (name, decl) in abi {
        out.push_str(&format!("{name}\t{decl}\n"));
    }
    out
}

/// The record: its major version and declarations.
fn read_record(text: &str) -> (String, Abi) {
    let mut major = String::new();
    let mut abi = Abi::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        if let Some(m) = line.strip_prefix("major ") {
            major = m.to_string();
        } else {
            let (name, decl) = line.split_once('\t').expect("name<TAB>declaration");
            abi.insert(name.to_string(), decl.to_string());
        }
    }
    (major, abi)
}

#[test]
fn the_header_keeps_every_recorded_declaration() {
    let root = cbuild::root();
    let header = std::fs::read_to_string(root.join("include/cos.h")).unwrap();
    let current = parse(&header);
    let record_path = root.join("abi/cos.abi");
    let (major, recorded) = read_record(&std::fs::read_to_string(&record_path).unwrap_or_default());

    let removed: Vec<&String> = recorded.keys().filter(|k| !current.contains_key(*k)).collect();
    let changed: Vec<String> = recorded
        .iter()
        .filter_map(|(k, old)| Some((k, old, current.get(k)?)))
        .filter(|(_, old, new)| old != new)
        .map(|(k, old, new)| format!("{k}:\n    was {old}\n    now {new}"))
        .collect();
    let added: Vec<&String> = current.keys().filter(|k| !recorded.contains_key(*k)).collect();
    let breaks = !removed.is_empty() || !changed.is_empty();
    assert!(
        !breaks || major != MAJOR,
        "include/cos.h breaks the ABI of major version {MAJOR}: removed {removed:?}, changed:\n{}\n\
         Restore them, or raise the major version in Cargo.toml (the soname follows) and record the new ABI.",
        changed.join("\n")
    );
    if std::env::var_os("COS_UPDATE_ABI").is_some() {
        std::fs::write(&record_path, render(&current)).unwrap();
        return;
    }
    assert!(
        added.is_empty() && major == MAJOR,
        "new declarations are not recorded in abi/cos.abi: {added:?} (major recorded {major:?}, now {MAJOR}); \
         run COS_UPDATE_ABI=1 cargo test --test abi and commit abi/cos.abi"
    );
}

#[test]
fn the_shared_library_exports_exactly_the_header_functions() {
    let header = std::fs::read_to_string(cbuild::root().join("include/cos.h")).unwrap();
    let functions: Vec<String> =
        parse(&header).keys().filter_map(|k| k.strip_prefix("fn ").map(str::to_string)).collect();
    let so = cbuild::lib_dir().join("libcos.so");
    let out = std::process::Command::new("readelf").args(["--dyn-syms", "-W"]).arg(&so).output().unwrap();
    assert!(out.status.success());
    let mut exported: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let row = f.len() >= 8 && f[0].ends_with(':') && f[0].trim_end_matches(':').parse::<u64>().is_ok();
            (row && f[4] != "LOCAL" && f[6] != "UND").then(|| f[7].to_string())
        })
        .collect();
    exported.sort();
    assert_eq!(exported, functions, "{} exports differ from include/cos.h's functions", so.display());
}

/// The parser itself, on a header excerpt of every kind.
#[test]
fn the_parser_reads_each_kind_of_declaration() {
    let header = "#define COS_H\n#define COS_NO_LIMIT 0\n/* a comment; with a semicolon */\n\
                  typedef enum {\n  COS_OK = 0,\n  /** doc */\n  COS_BAD = 3,\n  COS_NEXT,\n} cos_status;\n\
                  typedef struct cos_client cos_client;\n\
                  typedef struct {\n  int a;\n  const char *b;\n} cos_pair;\n\
                  typedef int (*cos_read_fn)(void *userdata, uint8_t *buf);\n\
                  extern \"C\" {\n\
                  cos_status cos_thing(cos_client *client,\n                     cos_error **err);\n\
                  const char *cos_version(void);\n}  // extern \"C\"\n";
    let abi = parse(header);
    let keys: Vec<&str> = abi.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "callback cos_read_fn",
            "enum cos_status COS_BAD",
            "enum cos_status COS_NEXT",
            "enum cos_status COS_OK",
            "fn cos_thing",
            "fn cos_version",
            "macro COS_NO_LIMIT",
            "opaque cos_client",
            "struct cos_pair",
        ]
    );
    assert_eq!(abi["enum cos_status COS_NEXT"], "COS_NEXT = 4");
    assert_eq!(abi["fn cos_thing"], "cos_status cos_thing(cos_client *client, cos_error **err)");
    assert_eq!(abi["struct cos_pair"], "typedef struct { int a; const char *b; } cos_pair");
}
