//! Each subcommand on the library: one function per command, printing through [`Output`].

use crate::output::Output;
use crate::paths::{cos_path, key_for, Location};
use crate::{Cli, Command, MoveArgs};
use cos::{
    Client, Config, Error, ListParams, Outcome, PresignOptions, RequestOptions, TransferOptions, TreeOptions,
    TreeReport, VersionsParams,
};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

type Result<T> = std::result::Result<T, Error>;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum TagAction {
    Get,
    Put,
    Rm,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum AclAction {
    Get,
    Put,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DocAction {
    Get,
    Put,
    Rm,
}

/// `COS_NAME=value` lines of a config file into the environment, where the environment has no value.
fn load_config_file(path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(&format!("reading {}", path.display()), &e))?;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=').filter(|(k, _)| k.trim().starts_with("COS_")) else {
            return Err(Error::invalid(format!("{}:{}: expected COS_NAME=value", path.display(), n + 1)));
        };
        if std::env::var_os(name.trim()).is_none() {
            // Single-threaded here: nothing else reads the environment yet.
            std::env::set_var(name.trim(), value.trim());
        }
    }
    Ok(())
}

fn client(cli: &Cli) -> Result<Client> {
    if let Some(path) = &cli.config {
        load_config_file(path)?;
    }
    Client::new(Config::from_env()?)
}

pub fn run(cli: &Cli, out: &Output) -> Result<ExitCode> {
    let c = client(cli)?;
    let ok = Ok(ExitCode::SUCCESS);
    match &cli.command {
        Command::Ls { path, recursive, long, versions } => {
            ls(&c, out, path.as_deref(), *recursive, *long, *versions).and(ok)
        }
        Command::Cp { src, dst, args } => copy(&c, out, src, dst, args, false),
        Command::Sync { src, dst, delete, args } => sync(&c, out, src, dst, args, *delete),
        Command::Mv { src, dst, args } => copy(&c, out, src, dst, args, true),
        Command::Rm { path, recursive, versions } => rm(&c, out, path, *recursive, *versions).and(ok),
        Command::Mb { path } => {
            let (bucket, _) = cos_path(path, "mb")?;
            c.create_bucket(&bucket, &RequestOptions::new())?;
            out.line(&format!("made bucket {bucket}"));
            out.value(&json!({ "bucket": bucket, "created": true }));
            ok
        }
        Command::Rb { path, force } => {
            let (bucket, _) = cos_path(path, "rb")?;
            if *force {
                c.delete_bucket_recursive(&bucket, None)?;
            } else {
                c.delete_bucket(&bucket)?;
            }
            out.line(&format!("removed bucket {bucket}"));
            out.value(&json!({ "bucket": bucket, "removed": true }));
            ok
        }
        Command::Stat { path } => {
            let (bucket, key) = cos_path(path, "stat")?;
            let info = c.head_object(&bucket, &key, &RequestOptions::new())?;
            let mut map = serde_json::Map::new();
            for (name, value) in info.headers.iter() {
                out.line(&format!("{name}: {value}"));
                map.insert(name.to_string(), json!(value));
            }
            out.value(&serde_json::Value::Object(map));
            ok
        }
        Command::Cat { path } => {
            let (bucket, key) = cos_path(path, "cat")?;
            let mut stdout = std::io::stdout().lock();
            c.get_object_to_writer(&bucket, &key, &mut stdout, &RequestOptions::new())?;
            ok
        }
        Command::Presign { path, method, expires } => {
            let (bucket, key) = cos_path(path, "presign")?;
            let mut opts = PresignOptions::new();
            opts.expires(*expires)?;
            let url = c.presign(&method.to_ascii_uppercase(), &bucket, &key, &opts)?;
            out.line(&url);
            out.value(&json!({ "url": url }));
            ok
        }
        Command::Du { path } => {
            let (bucket, prefix) = cos_path(path, "du")?;
            let (mut objects, mut bytes) = (0u64, 0u64);
            for page in c.list_objects_pages(&bucket, ListParams { prefix: prefix.clone(), ..Default::default() }) {
                for o in page?.objects {
                    objects += 1;
                    bytes += o.size;
                }
            }
            out.line(&format!("{bytes} bytes in {objects} objects under cos://{bucket}/{prefix}"));
            out.value(&json!({ "bucket": bucket, "prefix": prefix, "objects": objects, "bytes": bytes }));
            ok
        }
        Command::Tag { action, path, tags } => tag(&c, out, *action, path, tags).and(ok),
        Command::Acl { action, path, canned } => acl(&c, out, *action, path, canned.as_deref()).and(ok),
        Command::Lifecycle { action, path, file } => lifecycle(&c, out, *action, path, file.as_deref()).and(ok),
    }
}

fn ls(c: &Client, out: &Output, path: Option<&str>, recursive: bool, long: bool, versions: bool) -> Result<()> {
    let Some(path) = path else {
        let list = c.list_all_buckets(&Default::default())?;
        let mut rows = Vec::new();
        for b in &list.buckets {
            out.line(&if long { format!("{}  {}  {}", b.creation_date, b.region, b.name) } else { b.name.clone() });
            rows.push(json!({ "name": b.name, "region": b.region, "created": b.creation_date }));
        }
        out.value(&json!({ "buckets": rows }));
        return Ok(());
    };
    let (bucket, prefix) = cos_path(path, "ls")?;
    let delimiter = if recursive { String::new() } else { "/".to_string() };
    let mut rows = Vec::new();
    if versions {
        let params = VersionsParams { prefix, delimiter, ..Default::default() };
        for page in c.list_object_versions_pages(&bucket, params) {
            let page = page?;
            for p in &page.common_prefixes {
                out.line(&format!("{:>12}  cos://{bucket}/{p}", "DIR"));
                rows.push(json!({ "prefix": p }));
            }
            for v in &page.versions {
                let what = if v.is_delete_marker { "(delete marker)".to_string() } else { v.size.to_string() };
                let latest = if v.is_latest { " latest" } else { "" };
                out.line(&format!(
                    "{what:>12}  {}  {}{latest}  cos://{bucket}/{}",
                    v.last_modified, v.version_id, v.key
                ));
                rows.push(json!({ "key": v.key, "version_id": v.version_id, "size": v.size, "latest": v.is_latest,
                    "delete_marker": v.is_delete_marker, "last_modified": v.last_modified }));
            }
        }
    } else {
        for page in c.list_objects_pages(&bucket, ListParams { prefix, delimiter, ..Default::default() }) {
            let page = page?;
            for p in &page.common_prefixes {
                out.line(&format!(
                    "{}cos://{bucket}/{p}",
                    if long { format!("{:>12}  ", "DIR") } else { String::new() }
                ));
                rows.push(json!({ "prefix": p }));
            }
            for o in &page.objects {
                out.line(&if long {
                    format!("{:>12}  {}  {:<12}  cos://{bucket}/{}", o.size, o.last_modified, o.storage_class, o.key)
                } else {
                    format!("cos://{bucket}/{}", o.key)
                });
                rows.push(json!({ "key": o.key, "size": o.size, "last_modified": o.last_modified,
                    "etag": o.etag, "storage_class": o.storage_class }));
            }
        }
    }
    out.value(&json!({ "bucket": bucket, "entries": rows }));
    Ok(())
}

fn transfer_options(args: &MoveArgs) -> Result<TransferOptions> {
    let mut o = TransferOptions::default();
    o.set_part_size(args.part_size)?;
    o.set_concurrency(args.jobs.clamp(1, cos::MAX_CONCURRENCY))?;
    o.resumable = !args.no_resume;
    Ok(o)
}

fn tree_options(args: &MoveArgs, sync: bool, delete: bool) -> Result<TreeOptions> {
    let mut transfer = transfer_options(args)?;
    transfer.concurrency = 4; // parts per large file; `jobs` is files in flight here
    let o = TreeOptions {
        transfer,
        files_in_flight: args.jobs,
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        skip_unchanged: sync,
        delete_extras: delete,
    };
    o.check()?;
    Ok(o)
}

/// Prints a tree transfer's report; exit status 4 when some files failed.
fn report(out: &Output, verb: &str, report: &TreeReport) -> ExitCode {
    let mut rows = Vec::new();
    for e in &report.entries {
        let (what, error) = match &e.outcome {
            Outcome::Transferred => (verb, None),
            Outcome::Skipped => ("unchanged", None),
            Outcome::Deleted => ("deleted", None),
            Outcome::Failed(err) => ("FAILED", Some(err)),
        };
        out.line(format!("{what}: {} {}", e.key, error.map(|e| e.message()).unwrap_or("")).trim_end());
        rows.push(json!({ "key": e.key, "path": e.path, "size": e.size, "outcome": what,
            "error": error.map(crate::output::error_json) }));
    }
    let failed = report.failed().count();
    out.line(&format!("{} files, {} bytes {verb}, {failed} failed", report.entries.len(), report.bytes_transferred()));
    out.value(&json!({ "files": rows, "bytes": report.bytes_transferred(), "failed": failed }));
    if failed > 0 {
        for e in report.failed() {
            if let Outcome::Failed(err) = &e.outcome {
                eprintln!("cos: {}: {}", e.key, err.message());
            }
        }
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    }
}

fn copy(c: &Client, out: &Output, src: &str, dst: &str, args: &MoveArgs, remove_source: bool) -> Result<ExitCode> {
    let code = match (Location::parse(src), Location::parse(dst)) {
        (Location::Local(path), Location::Cos { bucket, key }) if args.recursive => {
            let opts = tree_options(args, false, false)?;
            let r = out.with_bar(&format!("upload {}", path.display()), |p| {
                c.upload_prefix(&bucket, &key, &path, &opts, Some(p))
            })?;
            report(out, "uploaded", &r)
        }
        (Location::Cos { bucket, key }, Location::Local(path)) if args.recursive => {
            let opts = tree_options(args, false, false)?;
            let r = out.with_bar(&format!("download cos://{bucket}/{key}"), |p| {
                c.download_tree(&bucket, &key, &path, &opts, Some(p))
            })?;
            report(out, "downloaded", &r)
        }
        (Location::Cos { bucket: sb, key: sk }, Location::Cos { bucket: db, key: dk }) if args.recursive => {
            copy_prefix(c, out, (&sb, &sk), (&db, &dk), args)?
        }
        (Location::Local(path), Location::Cos { bucket, key }) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let key = key_for(&key, &name);
            let opts = transfer_options(args)?;
            let info = out.with_bar(&format!("upload {}", path.display()), |p| {
                c.upload_file(&bucket, &key, &path, &opts, Some(p))
            })?;
            done(out, "uploaded", &path.display().to_string(), &format!("cos://{bucket}/{key}"), &info);
            ExitCode::SUCCESS
        }
        (Location::Cos { bucket, key }, Location::Local(mut path)) => {
            if path.is_dir() {
                path.push(key.rsplit('/').next().unwrap_or(&key));
            }
            let opts = transfer_options(args)?;
            let info = out.with_bar(&format!("download cos://{bucket}/{key}"), |p| {
                c.download_file(&bucket, &key, &path, &opts, Some(p))
            })?;
            done(out, "downloaded", &format!("cos://{bucket}/{key}"), &path.display().to_string(), &info);
            ExitCode::SUCCESS
        }
        (Location::Cos { bucket: sb, key: sk }, Location::Cos { bucket: db, key: dk }) => {
            let dk = key_for(&dk, sk.rsplit('/').next().unwrap_or(&sk));
            let info = c.copy(&sb, &sk, &db, &dk, &transfer_options(args)?, None)?;
            done(out, "copied", &format!("cos://{sb}/{sk}"), &format!("cos://{db}/{dk}"), &info);
            ExitCode::SUCCESS
        }
        (Location::Local(_), Location::Local(_)) => {
            return Err(Error::invalid("one of the two paths must be a COS path (cos://<bucket>/<key>)"))
        }
    };
    if remove_source && code == ExitCode::SUCCESS {
        match Location::parse(src) {
            Location::Cos { .. } => rm(c, &Output::new(true, true), src, args.recursive, false)?,
            Location::Local(path) if args.recursive => {
                std::fs::remove_dir_all(&path).map_err(|e| Error::io(&format!("removing {}", path.display()), &e))?
            }
            Location::Local(path) => {
                std::fs::remove_file(&path).map_err(|e| Error::io(&format!("removing {}", path.display()), &e))?
            }
        }
    }
    Ok(code)
}

fn done(out: &Output, verb: &str, from: &str, to: &str, info: &cos::ObjectInfo) {
    out.line(&format!("{verb}: {from} -> {to}"));
    out.value(&json!({ "from": from, "to": to, "etag": info.etag(), "crc64": info.crc64().map(|c| c.to_string()) }));
}

/// COS -> COS for every object under a prefix, one server-side copy each; failures are reported per key.
fn copy_prefix(c: &Client, out: &Output, src: (&str, &str), dst: (&str, &str), args: &MoveArgs) -> Result<ExitCode> {
    let opts = transfer_options(args)?;
    let mut entries = Vec::new();
    for page in c.list_objects_pages(src.0, ListParams { prefix: src.1.to_string(), ..Default::default() }) {
        for o in page?.objects {
            let rest = o.key.strip_prefix(src.1).unwrap_or(&o.key).trim_start_matches('/');
            let key = key_for(dst.1, rest);
            let outcome = match c.copy(src.0, &o.key, dst.0, &key, &opts, None) {
                Ok(_) => Outcome::Transferred,
                Err(e) => Outcome::Failed(e),
            };
            entries.push(cos::TreeEntry { key, path: Default::default(), size: o.size, outcome });
        }
    }
    Ok(report(out, "copied", &TreeReport { entries }))
}

fn sync(c: &Client, out: &Output, src: &str, dst: &str, args: &MoveArgs, delete: bool) -> Result<ExitCode> {
    let opts = tree_options(args, true, delete)?;
    match (Location::parse(src), Location::parse(dst)) {
        (Location::Local(path), Location::Cos { bucket, key }) => {
            let r = out.with_bar(&format!("sync {}", path.display()), |p| {
                c.upload_prefix(&bucket, &key, &path, &opts, Some(p))
            })?;
            Ok(report(out, "uploaded", &r))
        }
        (Location::Cos { bucket, key }, Location::Local(path)) => {
            let r = out.with_bar(&format!("sync cos://{bucket}/{key}"), |p| {
                c.download_tree(&bucket, &key, &path, &opts, Some(p))
            })?;
            Ok(report(out, "downloaded", &r))
        }
        _ => Err(Error::invalid("sync goes between a local directory and a COS prefix")),
    }
}

fn rm(c: &Client, out: &Output, path: &str, recursive: bool, versions: bool) -> Result<()> {
    let (bucket, key) = cos_path(path, "rm")?;
    if !recursive && !versions {
        c.delete_object(&bucket, &key, &RequestOptions::new())?;
        out.line(&format!("removed cos://{bucket}/{key}"));
        out.value(&json!({ "removed": [key] }));
        return Ok(());
    }
    let mut removed = Vec::new();
    let mut errors = Vec::new();
    if versions {
        let prefix = if recursive { key.clone() } else { String::new() };
        let params = VersionsParams { prefix, ..Default::default() };
        let mut all = Vec::new();
        for page in c.list_object_versions_pages(&bucket, params) {
            all.extend(page?.versions.into_iter().filter(|v| recursive || v.key == key).map(|v| (v.key, v.version_id)));
        }
        for chunk in all.chunks(1000) {
            let refs: Vec<(&str, Option<&str>)> = chunk.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))).collect();
            let r = c.delete_object_versions(&bucket, &refs, false)?;
            removed.extend(r.deleted.into_iter().map(|d| format!("{} ({})", d.key, d.version_id.unwrap_or_default())));
            errors.extend(r.errors.into_iter().map(|e| format!("{}: {} {}", e.key, e.code, e.message)));
        }
    } else {
        let mut keys = Vec::new();
        for page in c.list_objects_pages(&bucket, ListParams { prefix: key.clone(), ..Default::default() }) {
            keys.extend(page?.objects.into_iter().map(|o| o.key));
        }
        for chunk in keys.chunks(1000) {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let r = c.delete_objects(&bucket, &refs, false)?;
            removed.extend(r.deleted);
            errors.extend(r.errors.into_iter().map(|e| format!("{}: {} {}", e.key, e.code, e.message)));
        }
    }
    for r in &removed {
        out.line(&format!("removed cos://{bucket}/{r}"));
    }
    out.value(&json!({ "removed": removed, "errors": errors }));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::invalid(format!("{} objects could not be removed: {}", errors.len(), errors.join("; "))))
    }
}

fn tag(c: &Client, out: &Output, action: TagAction, path: &str, tags: &[String]) -> Result<()> {
    let (bucket, key) = cos_path(path, "tag")?;
    let o = RequestOptions::new();
    match action {
        TagAction::Get => {
            let set =
                if key.is_empty() { c.get_bucket_tagging(&bucket)? } else { c.get_object_tagging(&bucket, &key, &o)? };
            let mut map = serde_json::Map::new();
            for (k, v) in set.iter() {
                out.line(&format!("{k}={v}"));
                map.insert(k.to_string(), json!(v));
            }
            out.value(&serde_json::Value::Object(map));
        }
        TagAction::Put => {
            let mut set = cos::TagSet::new();
            for t in tags {
                let (k, v) = t.split_once('=').ok_or_else(|| Error::invalid(format!("tag {t:?} is not key=value")))?;
                set.add(k, v)?;
            }
            if key.is_empty() {
                c.put_bucket_tagging(&bucket, &set)?;
            } else {
                c.put_object_tagging(&bucket, &key, &set, &o)?;
            }
            out.line(&format!("tagged {path}"));
        }
        TagAction::Rm => {
            if key.is_empty() {
                c.delete_bucket_tagging(&bucket)?;
            } else {
                c.delete_object_tagging(&bucket, &key, &o)?;
            }
            out.line(&format!("untagged {path}"));
        }
    }
    Ok(())
}

fn acl(c: &Client, out: &Output, action: AclAction, path: &str, canned: Option<&str>) -> Result<()> {
    let (bucket, key) = cos_path(path, "acl")?;
    let o = RequestOptions::new();
    match action {
        AclAction::Get => {
            let acl = if key.is_empty() { c.get_bucket_acl(&bucket)? } else { c.get_object_acl(&bucket, &key, &o)? };
            out.line(acl.canned());
            out.value(&json!({ "canned": acl.canned() }));
        }
        AclAction::Put => {
            let canned =
                canned.ok_or_else(|| Error::invalid("acl put needs a canned ACL (private, public-read, ...)"))?;
            if key.is_empty() {
                c.put_bucket_acl(&bucket, Some(canned), &o)?;
            } else {
                c.put_object_acl(&bucket, &key, Some(canned), &o)?;
            }
            out.line(&format!("{path}: {canned}"));
        }
    }
    Ok(())
}

fn lifecycle(c: &Client, out: &Output, action: DocAction, path: &str, file: Option<&Path>) -> Result<()> {
    let (bucket, _) = cos_path(path, "lifecycle")?;
    let o = RequestOptions::new();
    match action {
        DocAction::Get => {
            let doc = c.bucket_subresource("GET", &bucket, "lifecycle", b"", &o)?;
            let text = String::from_utf8_lossy(&doc.body).into_owned();
            out.line(&text);
            out.value(&json!({ "xml": text }));
        }
        DocAction::Put => {
            let file = file.ok_or_else(|| Error::invalid("lifecycle put needs an XML file"))?;
            let body = std::fs::read(file).map_err(|e| Error::io(&format!("reading {}", file.display()), &e))?;
            c.bucket_subresource("PUT", &bucket, "lifecycle", &body, &o)?;
            out.line(&format!("lifecycle of {bucket} set"));
        }
        DocAction::Rm => {
            c.delete_bucket_lifecycle(&bucket)?;
            out.line(&format!("lifecycle of {bucket} removed"));
        }
    }
    Ok(())
}
