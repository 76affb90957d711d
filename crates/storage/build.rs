//! `porchlight_pg` switches on the PostgreSQL half of the storage tests when
//! `PORCHLIGHT_TEST_POSTGRES_URL` is set, so that a skipped half shows as `ignored`. A new or
//! changed migration rebuilds the crate (`sqlx::migrate!` embeds them at compile time).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(porchlight_pg)");
    println!("cargo::rerun-if-env-changed=PORCHLIGHT_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var_os("PORCHLIGHT_TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=porchlight_pg");
    }
}
