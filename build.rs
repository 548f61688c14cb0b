//! Bundles the query page's script (`web/`: CodeMirror, d3) with esbuild into
//! `OUT_DIR`, where `http::assets` embeds it. npm installs the pinned
//! packages (`web/package-lock.json`) when they are missing or the lock
//! changed; nothing built or downloaded is committed.

use std::path::Path;
use std::process::Command;

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    // Only the sources of the bundle rerun this script, not every build.
    for input in ["package.json", "package-lock.json", "build.mjs", "src"] {
        println!("cargo:rerun-if-changed=web/{input}");
    }
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    // npm writes its own copy of the lock into node_modules after an
    // install: older than ours means the lock changed since.
    let installed = web.join("node_modules/.package-lock.json");
    let stale = match (
        modified(&installed),
        modified(&web.join("package-lock.json")),
    ) {
        (Some(have), Some(want)) => have < want,
        _ => true,
    };
    if stale {
        run(
            Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]),
            &web,
        );
    }
    run(Command::new("node").arg("build.mjs").arg(&out), &web);
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn run(cmd: &mut Command, dir: &Path) {
    let status = cmd.current_dir(dir).status().unwrap_or_else(|e| {
        panic!("cannot run {cmd:?} ({e}): Node.js and npm are needed; run scripts/install-deps.sh")
    });
    assert!(status.success(), "{cmd:?} in {} failed", dir.display());
}
