//! Decides which optional parts of the integration suite run, so that a skipped part shows as
//! `ignored` with its reason instead of passing silently:
//! - `porchlight_pg`: the suite's PostgreSQL half, when `PORCHLIGHT_TEST_POSTGRES_URL` is set;
//! - `porchlight_browser`: the Chromium tests, when chromedriver and Chromium are installed;
//! - `porchlight_synthea`: the tests comparing with the shared Synthea data's published counts,
//!   when `../shared/data/synthea-r4` (or `PORCHLIGHT_TEST_SYNTHEA_DIR`) is there;
//! - `porchlight_tmpfs`: the disk-full test, which mounts a small tmpfs under its database,
//!   when the build runs on Linux with the right to mount (root: `CAP_SYS_ADMIN`).
//!
//! `cargo xtask test` sets a variable empty for a part it found missing ("off") and to the path
//! of one it found elsewhere, so a change of what it finds always re-runs this script. For a
//! plain `cargo test`, the script watches each missing file's folder, so installing
//! chromium-driver later turns the browser tests on without `cargo clean`. It never watches a
//! path that does not exist: cargo would then run the script, and rebuild the test binary, on
//! every build.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(porchlight_pg)");
    println!("cargo::rustc-check-cfg=cfg(porchlight_browser)");
    println!("cargo::rustc-check-cfg=cfg(porchlight_synthea)");
    println!("cargo::rustc-check-cfg=cfg(porchlight_tmpfs)");
    println!("cargo::rerun-if-env-changed=PORCHLIGHT_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=PORCHLIGHT_TEST_CHROMEDRIVER");
    println!("cargo::rerun-if-env-changed=PORCHLIGHT_TEST_CHROMIUM");
    println!("cargo::rerun-if-env-changed=PORCHLIGHT_TEST_SYNTHEA_DIR");

    if std::env::var_os("PORCHLIGHT_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=porchlight_pg");
    }

    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let driver = setting(
        "PORCHLIGHT_TEST_CHROMEDRIVER",
        "/usr/bin/chromedriver".into(),
    );
    let chromium = setting("PORCHLIGHT_TEST_CHROMIUM", "/usr/bin/chromium".into());
    // Both are looked at (and watched) so that each one installed later is noticed.
    let driver_found = driver.is_some_and(|path| watch(&path, &manifest));
    let chromium_found = chromium.is_some_and(|path| watch(&path, &manifest));
    if driver_found && chromium_found {
        println!("cargo::rustc-cfg=porchlight_browser");
    }

    if may_mount() {
        println!("cargo::rustc-cfg=porchlight_tmpfs");
    }

    let synthea = setting(
        "PORCHLIGHT_TEST_SYNTHEA_DIR",
        manifest.join("../../../shared/data/synthea-r4"),
    );
    if let Some(dir) = synthea {
        // The tests find the folder through this variable: they and this script agree.
        println!("cargo::rustc-env=PORCHLIGHT_SYNTHEA_DIR={}", dir.display());
        if watch(&dir, &manifest) {
            println!("cargo::rustc-cfg=porchlight_synthea");
        }
    }
}

/// Whether this process may mount filesystems (Linux, `CAP_SYS_ADMIN` in effect: root outside
/// a locked-down container), as the disk-full test does.
fn may_mount() -> bool {
    const CAP_SYS_ADMIN: u32 = 21;
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("CapEff:"))
            .and_then(|caps| u64::from_str_radix(caps.trim(), 16).ok())
            .is_some_and(|caps| caps & (1 << CAP_SYS_ADMIN) != 0)
    })
}

/// The path in `var`, else `usual`; `None` when the variable is set empty ("off").
fn setting(var: &str, usual: PathBuf) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(value) if value.is_empty() => None,
        Some(value) => Some(PathBuf::from(value)),
        None => Some(usual),
    }
}

/// Whether `path` exists. An existing path is watched itself (a change or its removal re-runs
/// the script); a missing one through its folder, when that folder exists and does not hold
/// the workspace (whose builds change it all the time).
fn watch(path: &Path, manifest: &Path) -> bool {
    if path.exists() {
        println!("cargo::rerun-if-changed={}", path.display());
        return true;
    }
    let workspace = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_owned());
    if let Some(parent) = path.parent().and_then(|p| p.canonicalize().ok())
        && parent.is_dir()
        && !workspace.starts_with(&parent)
    {
        println!("cargo::rerun-if-changed={}", parent.display());
    }
    false
}
