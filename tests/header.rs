//! The committed `include/cos.h` is the header build.rs generates from `src/ffi` (the drift check).
//! `COS_UPDATE_HEADER=1 cargo test --test header` rewrites it; the build itself never writes into the
//! source tree.

use std::path::Path;

#[test]
fn the_committed_header_is_the_generated_one() {
    let generated = std::fs::read_to_string(env!("COS_GENERATED_HEADER")).expect("build.rs wrote the header");
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/cos.h");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if generated == committed {
        return;
    }
    if std::env::var_os("COS_UPDATE_HEADER").is_some() {
        std::fs::write(&committed_path, &generated).expect("write include/cos.h");
        eprintln!("include/cos.h updated");
        return;
    }
    let line = generated.lines().zip(committed.lines()).position(|(a, b)| a != b).map_or(0, |i| i + 1);
    panic!(
        "include/cos.h differs from what build.rs generates (first at line {line}); regenerate it with \
         `COS_UPDATE_HEADER=1 cargo test --test header` and commit it"
    );
}

#[test]
fn the_header_reads_in_sections_with_version_macros() {
    let h = std::fs::read_to_string(env!("COS_GENERATED_HEADER")).unwrap();
    let at = |needle: &str| h.find(needle).unwrap_or_else(|| panic!("the header lacks {needle:?}"));
    let version: Vec<String> = env!("CARGO_PKG_VERSION").split('.').map(str::to_string).collect();
    at(&format!("#define COS_VERSION_MAJOR {}", version[0]));
    at(&format!("#define COS_VERSION_MINOR {}", version[1]));
    at(&format!("#define COS_VERSION_PATCH {}", version[2]));
    // Version and status first, then errors, the client, ... transfers last.
    let order = [
        at(" * Version and status"),
        at(" * Errors"),
        at(" * The client and its configuration"),
        at(" * Buckets"),
        at(" * Objects"),
        at(" * Listing"),
        at(" * Multipart uploads"),
        at(" * Managed transfers"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sections out of order: {order:?}");
    assert!(at("const char *cos_version(void);") > order[0] && at("cos_status cos_client_new_from_env(") > order[2]);
}
