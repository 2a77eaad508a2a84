//! Checks of the C ABI as shipped: the symbols of libcos.so, the identifiers of include/cos.h against the
//! official C SDK's (tests/data/cos-c-sdk-v5-identifiers.txt), the fixed contract of design/capi.md
//! (tests/data/fixed-contract.h), the header compiling on its own as C and C++, and
//! every exported function fed bad input (tests/c/gen_bad_input.py) under ASan/UBSan and Valgrind.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::Build;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::Emulator;

fn header_text() -> String {
    std::fs::read_to_string(cbuild::root().join("include/cos.h")).expect("read include/cos.h")
}

/// A file of `tests/data/`: the repository's copies of what the checks compare against (the official C
/// SDK's identifiers, the fixed contract of the C ABI), so that the tests read nothing outside it.
fn data(name: &str) -> PathBuf {
    let p = cbuild::root().join("tests/data").join(name);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

/// Removes `/* */` and `//` comments.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |end| &r[end + 2..]);
            out.push(' ');
        } else if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |end| &r[end..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// C tokens: identifiers and numbers, or single punctuation characters (enough for declarations).
fn tokens(text: &str) -> Vec<String> {
    let mut toks = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c.is_alphanumeric() || c == '_' {
            let mut word = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_') {
                word.push(c);
                chars.next();
            }
            toks.push(word);
        } else {
            toks.push(c.to_string());
            chars.next();
        }
    }
    toks
}

/// A declaration with its whitespace made canonical: one space between two words, none elsewhere.
fn canonical(decl: &str) -> String {
    let mut out = String::new();
    let mut prev_word = false;
    for t in tokens(decl) {
        let word = t.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if word && prev_word {
            out.push(' ');
        }
        out.push_str(&t);
        prev_word = word;
    }
    out
}

/// The function declarations of a C text, by name, canonical.
fn function_declarations(text: &str) -> BTreeMap<String, String> {
    let code: String =
        strip_comments(text).lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n");
    let mut decls = BTreeMap::new();
    for chunk in code.split(';') {
        // Drop what precedes the declaration in the chunk (`extern "C" {`, the end of a typedef's braces).
        let chunk = chunk.rsplit(['{', '}']).next().unwrap_or(chunk).trim();
        if chunk.is_empty() || chunk.starts_with("typedef") || !chunk.contains('(') {
            continue;
        }
        let toks = tokens(chunk);
        let paren = toks.iter().position(|t| t == "(").unwrap();
        if paren == 0 {
            continue;
        }
        decls.insert(toks[paren - 1].clone(), canonical(&format!("{chunk};")));
    }
    decls
}

/// Every identifier the header declares at file scope: functions, typedef, struct and enum names, enum
/// constants, variables and macros (parameter names are not file-scope identifiers).
fn header_identifiers(header: &str) -> BTreeSet<String> {
    let is_ident = |t: &str| t.starts_with(|c: char| c.is_alphabetic() || c == '_');
    let mut ids = BTreeSet::new();
    for line in header.lines() {
        let toks = tokens(line);
        if toks.len() >= 3 && toks[0] == "#" && toks[1] == "define" {
            ids.insert(toks[2].clone());
        }
    }
    let code: String =
        strip_comments(header).lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n");
    let code = code.replace("extern \"C\" {", "").replace('}', "} ;");
    for stmt in code.split(';') {
        let st = tokens(stmt);
        // struct X / enum X
        for w in st.windows(2) {
            if (w[0] == "struct" || w[0] == "enum") && is_ident(&w[1]) {
                ids.insert(w[1].clone());
            }
        }
        // enum constants: the names that open the items between `{` and `}`
        if let (Some(open), Some(close)) = (st.iter().position(|t| t == "{"), st.iter().position(|t| t == "}")) {
            for (i, t) in st.iter().enumerate().take(close).skip(open + 1) {
                if is_ident(t) && (st[i - 1] == "{" || st[i - 1] == ",") {
                    ids.insert(t.clone());
                }
            }
        }
        if st.iter().any(|t| t == "{") {
            continue;
        }
        if st.first().map(String::as_str) == Some("typedef") {
            // the declared name: the one in `(*name)(...)`, else the last word
            match st.windows(3).position(|w| w[0] == "(" && w[1] == "*") {
                Some(p) => ids.insert(st[p + 2].clone()),
                None => st.iter().rev().find(|t| is_ident(t)).map(|t| ids.insert(t.clone())).unwrap_or(false),
            };
        } else if !st.iter().any(|t| t == "(") {
            // a variable
            if let Some(last) = st.iter().rev().find(|t| is_ident(t)) {
                ids.insert(last.clone());
            }
        }
    }
    ids.extend(function_declarations(header).into_keys());
    ids
}

fn nm(args: &[&str], file: &Path) -> Vec<(String, String)> {
    let out = Command::new("nm").args(args).arg(file).output().expect("run nm (binutils)");
    assert!(out.status.success(), "nm {args:?} {} failed: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3).then(|| (f[f.len() - 2].to_string(), f[f.len() - 1].to_string()))
        })
        .collect()
}

/// (type, name) of every symbol libcos.so defines in its dynamic symbol table.
fn exported_symbols() -> Vec<(String, String)> {
    nm(&["-D", "--defined-only"], &cbuild::lib_dir().join("libcos.so"))
}

#[test]
fn every_exported_symbol_starts_with_cos_() {
    let symbols = exported_symbols();
    let functions: Vec<&String> = symbols.iter().filter(|(t, _)| t == "T").map(|(_, n)| n).collect();
    assert!(functions.len() > 50, "suspiciously few exported functions: {functions:?}");
    let stray: Vec<String> =
        symbols.iter().filter(|(_, n)| !n.starts_with("cos_")).map(|(t, n)| format!("{t} {n}")).collect();
    assert!(stray.is_empty(), "libcos.so exports symbols without the cos_ prefix: {stray:?}");
}

#[test]
fn header_declares_exactly_the_exported_functions() {
    let declared: BTreeSet<String> = function_declarations(&header_text()).into_keys().collect();
    let exported: BTreeSet<String> = exported_symbols().into_iter().filter(|(t, _)| t == "T").map(|(_, n)| n).collect();
    let missing: Vec<_> = declared.difference(&exported).collect();
    let undeclared: Vec<_> = exported.difference(&declared).collect();
    assert!(missing.is_empty(), "declared in cos.h but not exported by libcos.so: {missing:?}");
    assert!(undeclared.is_empty(), "exported by libcos.so but not declared in cos.h: {undeclared:?}");
}

/// The identifiers of the official C SDK (tencentyun/cos-c-sdk-v5).
fn sdk_identifiers() -> BTreeSet<String> {
    std::fs::read_to_string(data("cos-c-sdk-v5-identifiers.txt"))
        .expect("read the SDK identifiers")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `cos_status` is the one name shared with the official SDK: the fixed contract of design/capi.md requires
/// `cos_status` as the status type (`cos_status cos_client_new_from_env(...)`), so programs written against
/// the contract compile. Exactly this name is allowed; any other overlap fails.
const ALLOWED_SDK_OVERLAP: &[&str] = &["cos_status"];

#[test]
fn no_identifier_or_symbol_collides_with_the_official_c_sdk() {
    let sdk = sdk_identifiers();
    assert!(sdk.len() > 100, "the SDK identifier list looks truncated ({} names)", sdk.len());
    let allowed: BTreeSet<String> = ALLOWED_SDK_OVERLAP.iter().map(|s| s.to_string()).collect();

    let ids = header_identifiers(&header_text());
    for expected in ["COS_H", "cos_status", "COS_OK", "COS_SERVICE_ERROR", "cos_client", "cos_read_fn", "cos_version"] {
        assert!(ids.contains(expected), "the header scan missed {expected}: {ids:?}");
    }
    // design/capi.md: functions and types cos_*, enum values and macros COS_*.
    let unprefixed: Vec<_> = ids.iter().filter(|n| !n.starts_with("cos_") && !n.starts_with("COS_")).collect();
    assert!(unprefixed.is_empty(), "cos.h declares identifiers without the cos_/COS_ prefix: {unprefixed:?}");
    let clash: Vec<_> = ids.intersection(&sdk).filter(|n| !allowed.contains(*n)).collect();
    assert!(clash.is_empty(), "cos.h declares identifiers of the official C SDK: {clash:?}");

    let exported: BTreeSet<String> = exported_symbols().into_iter().map(|(_, n)| n).collect();
    let clash: Vec<_> = exported.intersection(&sdk).collect();
    assert!(clash.is_empty(), "libcos.so exports symbols of the official C SDK: {clash:?}");

    // A static link puts every global symbol of libcos.a next to the SDK's.
    let archived: BTreeSet<String> = nm(&["--defined-only", "-g"], &cbuild::lib_dir().join("libcos.a"))
        .into_iter()
        .filter(|(t, _)| t.chars().all(|c| c.is_ascii_uppercase()))
        .map(|(_, n)| n)
        .collect();
    let clash: Vec<_> = archived.intersection(&sdk).collect();
    assert!(clash.is_empty(), "libcos.a defines global symbols of the official C SDK: {clash:?}");
}

/// The declarations of the fixed contract: `tests/data/fixed-contract.h`, the code block under "## The
/// fixed contract" of the design notes (design/capi.md).
fn contract_declarations() -> Vec<String> {
    let block = std::fs::read_to_string(data("fixed-contract.h")).expect("read tests/data/fixed-contract.h");
    strip_comments(&block).split(';').map(str::trim).filter(|d| !d.is_empty()).map(|d| format!("{d};")).collect()
}

/// Known textual deviations of the header from the contract, reported to the lead. The test accepts exactly
/// these and fails once one of them is gone, so that the entry is removed with the fix.
/// cbindgen's `style = "both"` (cbindgen.toml) spells the types in signatures with their tags:
/// `enum cos_status f(struct cos_client **out, ...)` where the contract says `cos_status f(cos_client **out, ...)`.
const KNOWN_TAGGED_SIGNATURES: bool = false;
/// (function, contract's parameter name, header's parameter name).
const KNOWN_RENAMED_PARAMETERS: &[(&str, &str, &str)] = &[];

/// The contract's declaration as the header spells it with the known deviations.
fn with_known_deviations(decl: &str, function: &str, tagged: bool) -> String {
    let toks = tokens(decl);
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let next = toks.get(i + 1).map(String::as_str);
        if tagged && t == "cos_status" && next.is_some_and(|n| n.starts_with("cos_")) && i == 0 {
            out.push("enum".to_string());
        }
        if tagged && t.starts_with("cos_") && next.is_some_and(|n| n == "*") {
            out.push("struct".to_string());
        }
        let renamed = KNOWN_RENAMED_PARAMETERS.iter().find(|(f, from, _)| *f == function && from == t);
        out.push(renamed.map_or(t.clone(), |(_, _, to)| to.to_string()));
    }
    canonical(&out.join(" "))
}

#[test]
fn the_fixed_contract_is_declared_verbatim() {
    let contract = contract_declarations();
    assert!(contract.len() >= 14, "found only {} declarations in capi.md: {contract:?}", contract.len());
    let header = function_declarations(&header_text());
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let mut tags_seen = false;
    let mut renames_seen = BTreeSet::new();
    for decl in &contract {
        let want = canonical(decl);
        let name = function_declarations(decl).into_keys().next().expect("a function declaration");
        let Some(have) = header.get(&name) else {
            failures.push(format!("{name} is not declared in cos.h (contract: {decl})"));
            continue;
        };
        if *have == want {
            continue;
        }
        let renamed = KNOWN_RENAMED_PARAMETERS.iter().any(|(f, ..)| *f == name);
        if *have == with_known_deviations(decl, &name, false) {
            renames_seen.insert(name.clone());
        } else if KNOWN_TAGGED_SIGNATURES && *have == with_known_deviations(decl, &name, true) {
            tags_seen |= *have != with_known_deviations(decl, &name, false);
            if renamed {
                renames_seen.insert(name.clone());
            }
        } else {
            failures.push(format!("{name} differs from the contract:\n  contract: {want}\n  cos.h:    {have}"));
            continue;
        }
        known.push(format!("{name}: known deviation\n  contract: {want}\n  cos.h:    {have}"));
    }
    if KNOWN_TAGGED_SIGNATURES && !tags_seen {
        failures.push("no declaration uses struct/enum tags any more: set KNOWN_TAGGED_SIGNATURES to false".into());
    }
    for (f, ..) in KNOWN_RENAMED_PARAMETERS {
        if !renames_seen.contains(*f) {
            failures.push(format!(
                "{f} matches the contract's parameter name now: remove it from KNOWN_RENAMED_PARAMETERS"
            ));
        }
    }
    for k in &known {
        println!("{k}");
    }
    assert!(failures.is_empty(), "the fixed contract (design/capi.md):\n{}", failures.join("\n"));
}

/// What a program written against the contract needs: the header plus the contract's declarations repeated
/// verbatim (a redeclaration must be compatible) and the error accessors with the contract's types.
fn contract_program() -> String {
    let mut src = String::from("#include \"cos.h\"\n\n/* The fixed contract of design/capi.md, verbatim. */\n");
    for decl in contract_declarations() {
        src.push_str(&decl);
        src.push('\n');
    }
    src.push_str(
        r#"
/* The error accessors of design/capi.md, with the types it gives them. */
int main(void) {
    cos_status (*status)(const cos_error *) = cos_error_status;
    int (*http_status)(const cos_error *) = cos_error_http_status;
    const char *(*strings[])(const cos_error *) = {cos_error_code, cos_error_message, cos_error_request_id,
                                                   cos_error_trace_id, cos_error_resource, cos_error_raw_xml,
                                                   cos_error_digest};
    void (*free_error)(cos_error *) = cos_error_free;
    cos_status ok = COS_OK;
    (void)status;
    (void)http_status;
    (void)strings;
    (void)free_error;
    return (int)ok + (COS_OK == 0 ? 0 : 1);
}
"#,
    );
    src
}

fn compile_only(src: &Path, cxx: bool, out: &Path) {
    let mut cmd = if cxx { Command::new("g++") } else { Command::new("gcc") };
    if cxx {
        cmd.args(["-x", "c++", "-std=c++17"]);
    } else {
        cmd.arg("-std=c11");
    }
    cmd.args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-c"])
        .arg("-I")
        .arg(cbuild::root().join("include"))
        .arg(src)
        .arg("-o")
        .arg(out);
    let res = cmd.output().expect("run the compiler");
    assert!(
        res.status.success(),
        "{cmd:?} failed:\n{}{}\n--- source\n{}",
        String::from_utf8_lossy(&res.stdout),
        String::from_utf8_lossy(&res.stderr),
        std::fs::read_to_string(src).unwrap_or_default()
    );
}

#[test]
fn programs_written_against_the_contract_compile_as_c_and_cxx() {
    let dir = cbuild::out_dir("contract");
    let src = dir.join("contract.c");
    std::fs::write(&src, contract_program()).unwrap();
    compile_only(&src, false, &dir.join("contract-c.o"));
    compile_only(&src, true, &dir.join("contract-cxx.o"));
    // and they link: every contract function is exported
    let exe = Build::C_DYNAMIC.compile(&src, &dir);
    assert!(exe.exists());
}

#[test]
fn the_header_compiles_alone_as_c11_and_cxx17() {
    let dir = cbuild::out_dir("header-alone");
    let src = dir.join("header_alone.c");
    std::fs::write(&src, "#include \"cos.h\"\n").unwrap();
    compile_only(&src, false, &dir.join("header-c.o"));
    compile_only(&src, true, &dir.join("header-cxx.o"));
    // Twice in one file: the include guard works.
    std::fs::write(&src, "#include \"cos.h\"\n#include \"cos.h\"\n").unwrap();
    compile_only(&src, false, &dir.join("header-twice.o"));
}

/// Runs the generator on `header`, writing `out`; returns (success, stdout + stderr).
fn generate(header: &Path, out: &Path) -> (bool, String) {
    let res = Command::new("python3")
        .arg(cbuild::root().join("tests/c/gen_bad_input.py"))
        .arg(header)
        .arg(out)
        .output()
        .expect("run python3 tests/c/gen_bad_input.py (Python 3 standard library only)");
    (res.status.success(), format!("{}{}", String::from_utf8_lossy(&res.stdout), String::from_utf8_lossy(&res.stderr)))
}

/// Generates, compiles and runs the bad-input program (under `wrapper` if any) against a fresh emulator.
fn bad_input(dir: &Path, build: Build, wrapper: &[&str], env: &[(String, String)]) {
    let src = dir.join("bad_input.c");
    let (ok, log) = generate(&cbuild::root().join("include/cos.h"), &src);
    assert!(ok, "the bad-input generator failed:\n{log}");
    println!("{}", log.trim());
    let exe = build.compile(&src, dir);
    let scratch = dir.join(format!("scratch-{}", build.tag()));
    std::fs::create_dir_all(&scratch).unwrap();
    let emu = Emulator::start();
    let mut all_env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
    // Failed requests are not retried: this test is about arguments, not about the network.
    all_env.push(("COS_MAX_RETRIES".into(), "0".into()));
    all_env.extend_from_slice(env);
    let timeout = if wrapper.is_empty() { Duration::from_secs(300) } else { Duration::from_secs(900) };
    let run = cbuild::run(wrapper, &exe, &[scratch.to_str().unwrap()], &all_env, timeout);
    for line in run.stdout.lines().filter(|l| !l.starts_with("SLOW")) {
        println!("{line}");
    }
    run.assert_success(&format!("bad_input ({})", build.tag())).assert_line("bad_input", " 0 failed");
}

#[test]
fn every_function_refuses_bad_input_under_sanitizers() {
    let dir = cbuild::out_dir("bad-input-asan");
    cbuild::assert_leak_sanitizer_works(&dir);
    bad_input(&dir, Build::C_ASAN, &[], &cbuild::sanitizer_env());
}

#[test]
fn every_function_refuses_bad_input_under_valgrind() {
    let dir = cbuild::out_dir("bad-input-valgrind");
    let valgrind = cbuild::valgrind();
    let wrapper: Vec<&str> = valgrind.iter().map(String::as_str).collect();
    bad_input(&dir, Build::C_DYNAMIC, &wrapper, &[]);
}

#[test]
fn the_generator_fails_on_what_it_cannot_drive() {
    let dir = cbuild::out_dir("bad-input-generator");
    let header = header_text();
    let end = header.rfind("#ifdef __cplusplus").expect("the header ends with the extern \"C\" block");
    for (new_export, complaint) in [
        (
            "enum cos_status cos_client_frob(const struct cos_client *client, const struct cos_widget *w, struct cos_error **err);",
            "does not know how to drive",
        ),
        ("enum cos_status cos_client_frob(const struct cos_client *client, const char *colour, struct cos_error **err);", "colour"),
        ("enum cos_status cos_client_frob(const struct cos_client *client, double ratio, struct cos_error **err);", "double"),
        ("void cos_client_frob(const struct cos_client *client);", "cos_client_frob"),
        ("enum cos_status cos_client_frob(const struct cos_client *client, struct cos_error **err, bool x);", "last"),
        ("enum cos_status cos_client_frob(const struct cos_client *client, const uint8_t *data, struct cos_error **err);", "length"),
    ] {
        let h = dir.join("cos.h");
        std::fs::write(&h, format!("{}{new_export}\n\n{}", &header[..end], &header[end..])).unwrap();
        let (ok, log) = generate(&h, &dir.join("out.c"));
        assert!(!ok, "the generator accepted a new export it cannot drive: {new_export}\n{log}");
        assert!(log.contains(complaint), "the generator's complaint about {new_export} lacks {complaint:?}: {log}");
        assert!(!dir.join("out.c").exists(), "the generator wrote a program although it failed");
    }
}
