//! A new or changed file of words or page template rebuilds the crate: both are embedded at
//! compile time (`fluent_templates::static_loader!`, askama), and a file added beside the
//! others would otherwise go unseen by an incremental build.

fn main() {
    println!("cargo::rerun-if-changed=locales");
    println!("cargo::rerun-if-changed=templates");
}
