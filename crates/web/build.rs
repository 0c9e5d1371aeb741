//! Makes sure the browser libraries from npm (`web/package.json`) are installed, so the
//! binary can embed them. Runs `npm ci` once on a fresh checkout.

use std::path::Path;
use std::process::Command;

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    println!(
        "cargo:rerun-if-changed={}",
        web.join("package-lock.json").display()
    );
    let needed = [
        "node_modules/htmx.org/dist/htmx.min.js",
        "node_modules/swagger-ui-dist/swagger-ui-bundle.js",
        "node_modules/echarts/dist/echarts.min.js",
        "node_modules/openseadragon/build/openseadragon/openseadragon.min.js",
    ];
    if needed.iter().all(|f| web.join(f).exists()) {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(&web)
        .status()
        .unwrap_or_else(|e| {
            panic!("Vitrine embeds browser libraries from npm: install Node.js and npm ({e})")
        });
    assert!(status.success(), "`npm ci` in {} failed", web.display());
}
