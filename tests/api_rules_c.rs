//! `tests/c/api_rules.c` (every lifecycle and CORS export, the preflight, and the README's website and
//! inventory examples through the generic call) compiled as C11 and as C++17 with `-Werror`, once with
//! AddressSanitizer/UBSan and once under valgrind, and run against a fresh emulator; what it left in the
//! bucket is then read back from Rust.

#[path = "c/cbuild.rs"]
mod cbuild;
mod support;

use cbuild::{Build, Lang, Link};
use cos::RequestOptions;
use std::time::Duration;
use support::Emulator;

const TIMEOUT: Duration = Duration::from_secs(180);

#[test]
fn rules_program_uses_every_export() {
    let out = cbuild::out_dir("api-rules");
    let source = cbuild::root().join("tests/c/api_rules.c");
    let builds = [
        (Build { lang: Lang::C, link: Link::Dynamic, sanitize: false }, false),
        (Build { lang: Lang::Cxx, link: Link::Dynamic, sanitize: false }, false),
        (Build::C_ASAN, false),
        (Build::C_DYNAMIC, true),
    ];
    for (build, valgrind) in builds {
        let tag = format!("{}{}", build.tag(), if valgrind { "-valgrind" } else { "" });
        let exe = build.compile(&source, &out);
        let emu = Emulator::start();
        let bucket = "crules-1250000000";
        let mut env = cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY);
        env.push(("COS_BUCKET".into(), bucket.into()));
        if build.sanitize {
            env.extend(cbuild::sanitizer_env());
        }
        let wrapper = if valgrind { cbuild::valgrind() } else { Vec::new() };
        let wrapper: Vec<&str> = wrapper.iter().map(String::as_str).collect();
        let run = cbuild::run(&wrapper, &exe, &[], &env, TIMEOUT);
        let what = format!("api_rules ({tag})");
        run.assert_success(&what)
            .assert_line(&what, "refused no action: rule 0 (\"bare\"): has no action")
            .assert_line(&what, "refused 101 rules: a bucket takes at most 100 CORS rules, got 101")
            .assert_line(&what, "refused NULL sub-resource: subresource is NULL")
            .assert_line(&what, "rule 1: id tmp, prefix , Disabled")
            .assert_line(&what, "preflight: origin https://www.example.com, methods GET,PUT, max age 600")
            .assert_line(&what, "api_rules: all done");

        // What the program left, seen from Rust.
        let client = emu.client();
        let rules = client.get_bucket_lifecycle(bucket).unwrap();
        assert_eq!(rules.len(), 3, "{what}");
        assert_eq!((rules[0].id.as_deref(), rules[0].tags.len(), rules[0].transitions.len()), (Some("logs"), 1, 2));
        assert!(rules[2].expired_object_delete_marker);
        let cors = client.get_bucket_cors(bucket).unwrap();
        assert_eq!(cors[0].allowed_methods, vec!["GET", "PUT"], "{what}");
        assert_eq!(cors[0].max_age_seconds, Some(600));
        let website = client.bucket_subresource("GET", bucket, "website", &[], &RequestOptions::new()).unwrap();
        assert!(website.text().unwrap().contains("<Suffix>index.html</Suffix>"));
    }
}

/// The C examples of the README's "Bucket configuration" section, extracted from it and run in one program
/// (under ASan/UBSan) against the emulator: what they configure is then read back from Rust.
#[test]
fn readme_bucket_configuration_examples_run() {
    let readme = std::fs::read_to_string(cbuild::root().join("README.md")).unwrap();
    let section = &readme[readme.find("## Bucket configuration").expect("the README has the section")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let blocks: Vec<&str> = section.split("```c\n").skip(1).map(|b| &b[..b.find("```").unwrap()]).collect();
    assert_eq!(blocks.len(), 2, "the section shows a lifecycle and a website/inventory example");
    let program = format!(
        "#include <stdio.h>\n#include <string.h>\n#include \"cos.h\"\n\
         static const char *or_none(const char *s) {{ return s ? s : \"(none)\"; }}\n\
         int main(void) {{\n    cos_client *client = NULL;\n    cos_error *err = NULL;\n\
         if (cos_client_new_from_env(&client, &err)) goto fail;\n\
         {{\n{}\n}}\n{{\n{}\n}}\n    cos_client_free(client);\n    return 0;\n\
         fail:\n    fprintf(stderr, \"%s: %s\\n\", cos_status_str(cos_error_status(err)), cos_error_message(err));\n\
         cos_error_free(err);\n    cos_client_free(client);\n    return 1;\n}}\n",
        blocks[0], blocks[1]
    );
    let out = cbuild::out_dir("readme-config");
    let src = out.join("readme_config.c");
    std::fs::write(&src, program).unwrap();
    let exe = Build::C_ASAN.compile(&src, &out);
    let emu = Emulator::start();
    let bucket = "examplebucket-1250000000";
    emu.client().create_bucket(bucket, &RequestOptions::new()).unwrap();
    let env =
        [cbuild::cos_env(&emu.address, support::SECRET_ID, support::SECRET_KEY), cbuild::sanitizer_env()].concat();
    let run = cbuild::run(&[], &exe, &[], &env, TIMEOUT);
    run.assert_success("README examples")
        .assert_line("README examples", "logs: 2 transitions, expires after 365 days")
        .assert_line("README examples", "<InventoryConfiguration><Id>daily</Id>");
    let client = emu.client();
    assert_eq!(client.get_bucket_lifecycle(bucket).unwrap()[0].abort_incomplete_multipart_days, Some(7));
    let website = client.bucket_subresource("GET", bucket, "website", &[], &RequestOptions::new()).unwrap();
    assert!(website.text().unwrap().contains("<Key>error.html</Key>"));
}
