//! The web app, embedded in the binary from `web/dist` at build time.
//!
//! Paths that name an asset get it (hashed assets cached for a year); every other path gets
//! `index.html`, so the app's own routes survive a reload. A binary built before the web app
//! serves a page that says how to build it.

use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Strata: web app not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Strata</h1>
<p>The server is running, but this binary was built without its web app.</p>
<p>Build it with <code>make run</code>, or by hand: <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>,
then rebuild Strata (<code>cargo build --release</code>).</p>
<p>The API works meanwhile: see <a href="/api/docs">/api/docs</a>.</p>
</body></html>"#;

/// Serves an embedded file, or the app's `index.html` for the app's own routes.
pub async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = Assets::get(path).filter(|_| !path.is_empty()) {
        let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
        let mime = file.metadata.mimetype().to_string();
        return ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache.to_string())], file.data).into_response();
    }
    match Assets::get("index.html") {
        Some(index) => ([(header::CACHE_CONTROL, "no-cache")], Html(index.data)).into_response(),
        None => (StatusCode::OK, Html(NOT_BUILT)).into_response(),
    }
}
