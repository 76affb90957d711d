//! Decides which optional parts of the integration suite run, so that a skipped part shows as
//! `ignored` with its reason instead of passing silently:
//! - `porchlight_pg`: the suite's PostgreSQL half, when `PORCHLIGHT_TEST_POSTGRES_URL` is set;
//! - `porchlight_browser`: the Chromium tests, when chromedriver is installed.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(porchlight_pg)");
    println!("cargo::rustc-check-cfg=cfg(porchlight_browser)");
    println!("cargo::rerun-if-env-changed=PORCHLIGHT_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=PORCHLIGHT_TEST_CHROMEDRIVER");
    if std::env::var_os("PORCHLIGHT_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=porchlight_pg");
    }
    let driver = std::env::var("PORCHLIGHT_TEST_CHROMEDRIVER")
        .unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    if Path::new(&driver).exists() {
        println!("cargo::rerun-if-changed={driver}");
        println!("cargo::rustc-cfg=porchlight_browser");
    }
}
