//! Rebuilds the crate when a bundled demo article is added, changed or removed: `include_dir!`
//! (src/demo.rs) embeds the folder, but cargo only tracks the files it was told about.
fn main() {
    println!("cargo:rerun-if-changed=demo/articles");
}
