//! `cos`: a command-line tool for Tencent Cloud COS on the `cos` library, used as coscli or s5cmd are.
//! COS paths are written `cos://<bucket>/<key>`; credentials and endpoint come from the `COS_*` variables
//! (and `--config FILE`, lines of `COS_NAME=value`). Exit status: 0 success, 1 a client-side failure
//! (network, local file, bad argument), 2 a usage error, 3 COS answered with an error, 4 some files of a
//! tree transfer failed (the others went through).

mod commands;
mod output;
mod paths;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cos", version, about = "Tencent Cloud COS from the shell (cos://bucket/key paths)")]
pub struct Cli {
    /// A file of `COS_NAME=value` lines, read before the environment (which wins).
    #[arg(long, global = true, env = "COS_CONFIG")]
    config: Option<std::path::PathBuf>,
    /// Print results as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// No progress bars (they are shown only on a terminal anyway).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

/// Options of commands that move data.
#[derive(clap::Args, Clone)]
pub struct MoveArgs {
    /// Whole prefixes / directories.
    #[arg(short, long)]
    recursive: bool,
    /// Files in flight at once (trees), or parts in flight (one large file).
    #[arg(long, default_value_t = 8)]
    jobs: usize,
    /// Part size in bytes for multipart transfers (0: chosen per file).
    #[arg(long, default_value_t = 0)]
    part_size: u64,
    /// Start over instead of resuming an interrupted transfer from its checkpoint.
    #[arg(long)]
    no_resume: bool,
    /// Only files matching this pattern (`*.jpg`, `logs/**`); repeatable.
    #[arg(long)]
    include: Vec<String>,
    /// Leave files matching this pattern alone; repeatable.
    #[arg(long)]
    exclude: Vec<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// List buckets, or objects under cos://bucket[/prefix].
    Ls {
        path: Option<String>,
        #[arg(short, long)]
        recursive: bool,
        /// Size, time and storage class of each object.
        #[arg(short, long)]
        long: bool,
        /// Every version and delete marker.
        #[arg(long)]
        versions: bool,
    },
    /// Copy local <-> COS or COS -> COS.
    Cp {
        src: String,
        dst: String,
        #[command(flatten)]
        args: MoveArgs,
    },
    /// Make the destination match the source: only what differs (size, CRC-64) moves.
    Sync {
        src: String,
        dst: String,
        /// Also delete destination files the source does not have.
        #[arg(long)]
        delete: bool,
        #[command(flatten)]
        args: MoveArgs,
    },
    /// Copy, then remove the source.
    Mv {
        src: String,
        dst: String,
        #[command(flatten)]
        args: MoveArgs,
    },
    /// Remove objects.
    Rm {
        path: String,
        #[arg(short, long)]
        recursive: bool,
        /// Every version of the objects (and their delete markers), not just the current one.
        #[arg(long)]
        versions: bool,
    },
    /// Make a bucket.
    Mb { path: String },
    /// Remove a bucket; --force empties it first (objects, versions, uploads).
    Rb {
        path: String,
        #[arg(long)]
        force: bool,
    },
    /// An object's headers.
    Stat { path: String },
    /// An object's bytes to stdout.
    Cat { path: String },
    /// A presigned URL.
    Presign {
        path: String,
        #[arg(long, default_value = "GET")]
        method: String,
        /// Validity in seconds.
        #[arg(long, default_value_t = 3600)]
        expires: u32,
    },
    /// Objects and bytes under cos://bucket[/prefix].
    Du { path: String },
    /// Object or bucket tags: get, put k=v..., rm.
    Tag { action: commands::TagAction, path: String, tags: Vec<String> },
    /// Object or bucket ACL: get, or put a canned ACL (private, public-read, ...).
    Acl { action: commands::AclAction, path: String, canned: Option<String> },
    /// A bucket's lifecycle rules as XML: get, put FILE, rm.
    Lifecycle { action: commands::DocAction, path: String, file: Option<std::path::PathBuf> },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = output::Output::new(cli.json, cli.quiet);
    match commands::run(&cli, &out) {
        Ok(code) => code,
        Err(e) => out.error(&e),
    }
}
