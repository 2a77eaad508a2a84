//! Generates `include/cos.h` from the `ffi` module with cbindgen.
//!
//! The header is committed. It is rewritten only when its text changes, so an unchanged build leaves its
//! timestamp alone, and CI detects a stale committed header with `git diff --exit-code include/cos.h`.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let bindings = match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
        Ok(b) => b,
        Err(e) => {
            // A syntax error in the crate is reported by rustc itself, with better context.
            println!("cargo:warning=cbindgen could not generate include/cos.h: {e}");
            return;
        }
    };
    let mut text = Vec::new();
    bindings.write(&mut text);
    let out = crate_dir.join("include").join("cos.h");
    if std::fs::read(&out).ok().as_deref() != Some(text.as_slice()) {
        std::fs::create_dir_all(out.parent().expect("has parent")).expect("create include/");
        std::fs::write(&out, &text).expect("write include/cos.h");
    }
}
