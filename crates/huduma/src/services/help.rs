//! The help centre: articles loaded from the `help/` folder at start-up, rendered from
//! Markdown to HTML safely (raw HTML is shown as text, only site paths and https links
//! survive), searchable in both languages, and linked from the errors they explain.

use huduma_domain::Language;
use huduma_domain::help::{Article, HelpCentre, parse};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// Error code → article slug, for pages that show an error (set once at start-up).
static ERROR_LINKS: OnceLock<HashMap<String, String>> = OnceLock::new();

/// Loads every article under `dir/en` and `dir/sw`.
pub fn load(dir: &Path) -> anyhow::Result<HelpCentre> {
    let mut articles: Vec<Article> = Vec::new();
    let mut problems = Vec::new();
    for language in [Language::En, Language::Sw] {
        let folder = dir.join(language.tag());
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect();
        paths.sort();
        for path in paths {
            let slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            let text = std::fs::read_to_string(&path)?;
            match parse(&slug, language, &text) {
                Ok(a) => articles.push(a),
                Err(e) => problems.push(format!("{}: {e}", path.display())),
            }
        }
    }
    let centre = HelpCentre::build(articles).map_err(|p| {
        problems.extend(p);
        anyhow::anyhow!("help articles have problems:\n{}", problems.join("\n"))
    })?;
    if !problems.is_empty() {
        anyhow::bail!("help articles have problems:\n{}", problems.join("\n"));
    }
    let _ = ERROR_LINKS.set(centre.error_links());
    Ok(centre)
}

/// The help article for an error code, as a path.
pub fn link_for_error(code: &str) -> Option<String> {
    ERROR_LINKS.get().and_then(|links| links.get(code)).map(|slug| format!("/help/{slug}"))
}

/// Whether a link target is allowed: a path on this site, or an https address.
fn safe_target(url: &str) -> bool {
    (url.starts_with('/') && !url.starts_with("//")) || url.starts_with("https://") || url.starts_with('#')
}

/// Markdown to HTML with nothing executable: raw HTML becomes visible text, and links or
/// images to anything but site paths and https addresses lose their target.
pub fn render(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::empty()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_target(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: CowStr::Borrowed("#"), title, id })
        }
        Event::Start(Tag::Image { .. }) | Event::End(pulldown_cmark::TagEnd::Image) => Event::Text(CowStr::Borrowed("")),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markdown_cannot_run_anything() {
        let html = render(
            "# Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) [ok](/sign-in) \
             [data](data:text/html,<script>alert(4)</script>) ![pic](https://evil.example/x.png)\n\n<a href=\"javascript:alert(5)\">x</a>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img"), "the raw tag is text, not an element: {html}");
        assert!(!html.contains("href=\"data:"), "{html}");
        assert!(!html.contains("<a href=\"javascript"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "raw HTML is shown as text: {html}");
        assert!(html.contains("<a href=\"/sign-in\">ok</a>"));
        assert!(html.contains("<h1>Hi</h1>"));
    }
}
