//! Generates the C header from `src/ffi` with cbindgen, into `$OUT_DIR/cos.h`, and fails the build when it
//! cannot. The committed `include/cos.h` must equal it: `tests/header.rs` checks that, and
//! `COS_UPDATE_HEADER=1 cargo test --test header` rewrites it (the build never writes into the source tree).
//!
//! The header reads as a C user reads: version and status, errors, the client, buckets, objects, listing,
//! multipart, transfers — one section per `src/ffi` module in the order of `SECTIONS`, each opened by a
//! banner, with the version as `COS_VERSION_MAJOR` / `_MINOR` / `_PATCH` macros.

use std::path::{Path, PathBuf};

/// (module of `src/ffi`, section title), in header order. `src/ffi/mod.rs` declares the modules in this
/// order too, because cbindgen emits functions in the order it parses them.
const SECTIONS: [(&str, &str); 26] = [
    ("status", "Version and status"),
    ("error", "Errors: cos_error and its accessors"),
    ("client", "The client and its configuration"),
    ("bucket", "Buckets"),
    ("object", "Objects: one request each (put, get, head, delete, copy, presign)"),
    ("options", "Request options"),
    ("append", "Appendable objects"),
    ("list", "Listing and batch deletion"),
    ("multipart", "Multipart uploads: the primitives"),
    ("transfer", "Managed transfers (upload, download, copy), streams and cancellation"),
    ("subresource", "Sub-resources: any bucket or object configuration document"),
    ("versioning", "Versioning: status, versions and delete markers, batch delete of versions, emptying a bucket"),
    ("lifecycle", "Bucket lifecycle rules"),
    ("cors", "Bucket CORS rules and the CORS preflight"),
    ("tagging", "Tagging: tag sets of objects and buckets"),
    ("acl", "Access control lists of objects and buckets"),
    ("restore", "Restoring archived objects"),
    ("symlink", "Symbolic links"),
    ("copy_source", "Copy sources: another region, bucket, version, SSE-C key, conditions"),
    ("presign", "Presigned URLs, Authorization values for your own HTTP stack, object URLs"),
    ("raw", "Raw signed requests for what the library does not model"),
    ("select", "SELECT object content: CSV / JSON queries and their event stream"),
    ("tree", "Directory trees: upload a directory to a prefix, download a prefix, sync both ways"),
    ("log", "Logging and metrics: per-client callbacks, one line and one set of figures per request"),
    ("credentials", "Credential providers: a callback, the CVM instance role, the environment"),
    (
        "operation",
        "Non-blocking calls: start a call on the client's worker pool, then poll, wait, cancel, or wait on its fd",
    ),
];

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    link_shared_library();
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let ffi = crate_dir.join("src/ffi");
    check_sections(&ffi);

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let version = |part: &str| std::env::var(format!("CARGO_PKG_VERSION_{part}")).expect("cargo sets the version");
    config.after_includes = Some(format!(
        "\n/* The version of this header; cos_version() gives the library's at run time. */\n\
         #define COS_VERSION_MAJOR {}\n#define COS_VERSION_MINOR {}\n#define COS_VERSION_PATCH {}",
        version("MAJOR"),
        version("MINOR"),
        version("PATCH")
    ));
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen cannot generate the C header from src/ffi: {e}"));
    let mut text = Vec::new();
    bindings.write(&mut text);
    let text = add_banners(&String::from_utf8(text).expect("cbindgen writes UTF-8"), &ffi);
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("cos.h");
    std::fs::write(&out, text).expect("write $OUT_DIR/cos.h");
    println!("cargo:rustc-env=COS_GENERATED_HEADER={}", out.display());
}

/// Every module of `src/ffi` has a section, so a new one cannot land outside the header's order.
fn check_sections(ffi: &Path) {
    for entry in std::fs::read_dir(ffi).expect("read src/ffi") {
        let name = entry.expect("read src/ffi").file_name().to_string_lossy().replace(".rs", "");
        assert!(
            name == "mod" || SECTIONS.iter().any(|(m, _)| *m == name),
            "src/ffi/{name}.rs has no section in build.rs SECTIONS: add it where a C reader expects it"
        );
    }
}

/// Inserts a banner before the first function of each section (and before its doc comment).
fn add_banners(header: &str, ffi: &Path) -> String {
    let mut lines: Vec<String> = header.lines().map(str::to_string).collect();
    for (module, title) in SECTIONS.iter().rev() {
        let source = std::fs::read_to_string(ffi.join(format!("{module}.rs"))).expect("read an ffi module");
        let Some(first) = source.split("pub extern \"C\" fn ").nth(1) else { continue };
        let name: String = first.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let declared = lines
            .iter()
            .position(|l| !l.starts_with(' ') && l.contains(&format!(" {name}(")))
            .or_else(|| lines.iter().position(|l| !l.starts_with(' ') && l.contains(&format!("*{name}("))))
            .unwrap_or_else(|| panic!("{name} (first export of src/ffi/{module}.rs) is not in the header"));
        let mut at = declared;
        if at > 0 && lines[at - 1].trim() == "*/" {
            while at > 0 && !lines[at - 1].starts_with("/**") {
                at -= 1;
            }
            at -= 1;
        }
        let rule = "=".repeat(96);
        lines.insert(at, format!("/* {rule}\n * {title}\n * {rule} */\n"));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The shared library's identity on ELF systems: the soname `libcos.so.<major>` (what programs record and the
/// loader looks for, so an incompatible libcos.so.<major+1> can sit beside it) and a version script that
/// exports `cos_*` only (abi/libcos.map).
fn link_shared_library() {
    println!("cargo:rerun-if-changed=abi/libcos.map");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if !matches!(target_os.as_str(), "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly") {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    let map = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("abi/libcos.map");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcos.so.{major}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", map.display());
    // A program linked against target/<profile>/libcos.so records the soname and looks for that file at
    // run time: the link beside it keeps `cc -Ltarget/release -lcos` programs running, as before.
    // OUT_DIR is target/<profile>/build/cos-<hash>/out.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    if let Some(profile_dir) = out_dir.ancestors().nth(3) {
        let link = profile_dir.join(format!("libcos.so.{major}"));
        if std::fs::symlink_metadata(&link).is_err() {
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink("libcos.so", &link);
        }
    }
}
