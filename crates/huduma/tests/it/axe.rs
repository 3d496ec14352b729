//! Accessibility audit of every page the browser tests reach: axe-core (pinned in
//! `tests/axe/package.json`, installed by `scripts/test.sh` with `npm ci`) runs in the page
//! at a phone's 360 px and a desktop's 1280 px, in English and in Kiswahili. A violation of
//! impact serious or critical, or any best-practice violation outside the sandbox banner,
//! fails the test; so does a citizen's Kiswahili page that still shows English strings of the locale
//! file or English month names (see `crate::locales::english_leftovers`).
//!
//! axe is injected through WebDriver's "execute script", which Chromium runs outside the
//! page's Content-Security-Policy: the policy (no inline or foreign script) stays as served.

use fantoccini::{Client, Locator};
use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

/// The widths every page is audited at: a small Android phone and a laptop.
const WIDTHS: [u32; 2] = [360, 1280];
/// The window the browser tests otherwise run in (see `capabilities`).
const TEST_WINDOW: (u32, u32) = (412, 915);

/// What one browser session has audited and found.
#[derive(Default)]
struct Session {
    seen: HashSet<String>,
    findings: Vec<String>,
    /// Each page title and the kind of page (its path, ids as `*`) that has it.
    titles: HashMap<String, String>,
}

fn sessions() -> &'static Mutex<HashMap<String, Session>> {
    static SESSIONS: OnceLock<Mutex<HashMap<String, Session>>> = OnceLock::new();
    SESSIONS.get_or_init(Default::default)
}

/// axe-core's browser build, read once.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var("HUDUMA_AXE").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/axe/node_modules/axe-core/axe.min.js").to_owned()
        });
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("axe-core is required for the browser tests: run `npm ci --prefix crates/huduma/tests/axe` (scripts/test.sh does), or set HUDUMA_AXE to axe.min.js ({path}: {e})")
        })
    })
}

/// Runs axe in the current page and returns the violations that fail the test, and with
/// `english` the English strings left on a Kiswahili page, as readable lines.
const RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  resultTypes: ['violations'],
}).then(results => {
  const inBanner = target => {
    const el = typeof target[0] === 'string' ? document.querySelector(target[0]) : null;
    return el !== null && el.closest('.sandbox-banner') !== null;
  };
  const out = [];
  for (const v of results.violations) {
    const serious = v.impact === 'serious' || v.impact === 'critical';
    const practice = v.tags.includes('best-practice');
    const nodes = v.nodes.filter(n => serious || !(practice && inBanner(n.target)));
    if (!(serious || practice) || nodes.length === 0) continue;
    out.push({ id: v.id, impact: v.impact, help: v.help,
               nodes: nodes.map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160)) });
  }
  done({ ok: true, violations: out, width: window.innerWidth });
}).catch(e => done({ ok: false, error: String(e) }));
"#;

/// Adds an inline script the way an injection would: the page's CSP must refuse to run it.
const INLINE_PROBE: &str = r#"
const probe = document.createElement('script');
probe.textContent = 'window.hudumaInlineRan = true;';
document.head.appendChild(probe);
probe.remove();
return window.hudumaInlineRan === undefined;
"#;

/// The text a person can read or hear on the page: text nodes, titles and labels, less
/// what people wrote themselves (marked `lang=""`, language unknown: a ticket's subject
/// and messages), which stays in the language it was written in.
const TEXT: &str = r#"
const parts = [document.title];
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walk.nextNode())
  if (walk.currentNode.parentElement.closest('[lang=""]') === null) parts.push(walk.currentNode.nodeValue);
for (const el of document.querySelectorAll('[aria-label],[placeholder],[alt],[title]'))
  for (const a of ['aria-label', 'placeholder', 'alt', 'title'])
    if (el.hasAttribute(a)) parts.push(el.getAttribute(a));
for (const el of document.querySelectorAll('input[type=submit],input[type=button]')) parts.push(el.value);
return parts.join('\n');
"#;

/// Audits the page the browser shows (once per address and title in a session): at both
/// widths in its language, then in a second tab in the other language. Findings are kept
/// for [`assert_accessible`], so one run reports every page at once.
pub async fn audit(browser: &Client) {
    let id = browser.session_id().await.ok().flatten().unwrap_or_default();
    let url = browser.current_url().await.expect("url");
    let title = browser.title().await.unwrap_or_default();
    let errors = browser.find(Locator::Css(".error-summary")).await.is_ok();
    // A page that changes in place (a payment's outcome) is audited in each state.
    let status = browser.execute("const s = document.querySelector('[role=status]'); return s ? s.textContent : '';", vec![]).await;
    let status = status.ok().and_then(|s| s.as_str().map(str::to_owned)).unwrap_or_default();
    let key = format!("{}?{} {title} {errors} {status}", url.path(), url.query().unwrap_or(""));
    {
        let mut all = sessions().lock().expect("audit lock");
        let session = all.entry(id.clone()).or_default();
        if !session.seen.insert(key) {
            return;
        }
        // Titles tell pages apart in tabs, history and screen readers' first words.
        let kind: Vec<&str> = url.path().split('/').map(|s| if s.chars().any(|c| c.is_ascii_digit()) { "*" } else { s }).collect();
        let kind = kind.join("/");
        let other = session.titles.entry(title.clone()).or_insert_with(|| kind.clone());
        if *other != kind {
            let finding = format!("{} ({title}): the same title as {other}", url.path());
            session.findings.push(finding);
        }
    }
    let lang = browser.find(Locator::Css("html")).await.expect("html").attr("lang").await.expect("lang").unwrap_or_default();
    let mut found = audit_here(browser, &lang).await;

    // The other language in a tab of its own, so the page under test (perhaps the answer
    // to a POST) stays as it is; the switch back restores the language cookie.
    let other = if lang == "sw" { "en" } else { "sw" };
    let here = browser.window().await.expect("window");
    let tab = browser.new_window(true).await.expect("new tab");
    browser.switch_to_window(tab.handle).await.expect("switch");
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let next = serde_urlencoded::to_string([("next", path.as_str())]).expect("encode");
    let origin = url.origin().ascii_serialization();
    browser.goto(&format!("{origin}/language/{other}?{next}")).await.expect("other language");
    // A POST's address has no page of its own to GET (405): nothing to audit there.
    if browser.wait().at_most(std::time::Duration::from_secs(5)).for_element(Locator::Css("footer")).await.is_ok() {
        found.extend(audit_here(browser, other).await);
    }
    browser.goto(&format!("{origin}/language/{lang}?next=%2Fstatic%2Ffavicon.svg")).await.expect("language back");
    browser.close_window().await.expect("close tab");
    browser.switch_to_window(here).await.expect("back");
    browser.set_window_size(TEST_WINDOW.0, TEST_WINDOW.1).await.expect("size");

    if !found.is_empty() {
        let page = format!("{path} ({title})");
        let mut all = sessions().lock().expect("audit lock");
        all.entry(id).or_default().findings.extend(found.into_iter().map(|f| format!("{page}: {f}")));
    }
}

/// Audits the current page at each width in `lang`.
async fn audit_here(browser: &Client, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    for width in WIDTHS {
        browser.set_window_size(width, 800).await.expect("size");
        let result = run_axe(browser, lang).await;
        if lang == "sw" && width == WIDTHS[0] {
            phone_screenshot(browser).await;
        }
        assert_eq!(result["ok"], true, "axe failed: {result}");
        assert_eq!(result["width"], width, "the viewport is as wide as the window in headless Chromium");
        // Nothing makes a citizen's phone scroll sideways: the page is no wider than the
        // viewport. The back office is held to that from a 1024 px tablet up (its browser
        // test checks the queue and case page at 1024 px).
        let staff = browser.current_url().await.is_ok_and(|u| u.path().starts_with("/staff"));
        let wide = browser.execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![]).await;
        if let Some(overflow) = wide.ok().and_then(|v| v.as_i64()).filter(|o| *o > 0 && !(staff && width < 1024)) {
            found.push(format!("[{lang} {width}px] the page scrolls sideways by {overflow} px"));
        }
        for v in result["violations"].as_array().into_iter().flatten() {
            let nodes: Vec<&str> = v["nodes"].as_array().into_iter().flatten().filter_map(|n| n.as_str()).collect();
            found.push(format!(
                "[{lang} {width}px] {} ({}): {}\n      {}",
                v["id"].as_str().unwrap_or(""),
                v["impact"].as_str().unwrap_or(""),
                v["help"].as_str().unwrap_or(""),
                nodes.join("\n      ")
            ));
        }
    }
    if lang == "sw" {
        let text = browser.execute(TEXT, vec![]).await.expect("page text");
        // Every page, the back office's too; what people typed themselves (answers, notes,
        // tickets) is marked `lang=""` and left out by TEXT.
        let leftovers = crate::locales::english_leftovers(text.as_str().unwrap_or(""));
        for leftover in leftovers {
            found.push(format!("[sw] English left on the Kiswahili page: {leftover}"));
        }
    }
    found
}

/// Runs axe in the page, injecting it first where needed. A waiting page the citizen
/// asked to check again by itself may reload during the run: then it runs again on the
/// reloaded page.
async fn run_axe(browser: &Client, lang: &str) -> serde_json::Value {
    let mut last = serde_json::Value::Null;
    for _ in 0..3 {
        let injected = browser.execute("return typeof window.axe === 'object';", vec![]).await;
        if injected.as_ref().ok() != Some(&serde_json::Value::Bool(true)) {
            if browser.execute(axe_source(), vec![]).await.is_err() {
                browser.wait().for_element(Locator::Css("footer")).await.expect("page loaded");
                continue;
            }
            // WebDriver's script runs outside the page's policy; the page's own stays in force.
            let blocked = browser.execute(INLINE_PROBE, vec![]).await.expect("CSP probe");
            assert_eq!(blocked, serde_json::Value::Bool(true), "the Content-Security-Policy refuses inline script on {lang} page");
        }
        match browser.execute_async(RUN, vec![]).await {
            Ok(result) if result["ok"] == true => return result,
            Ok(result) => last = result,
            Err(err) => last = serde_json::Value::String(err.to_string()),
        }
        browser.wait().for_element(Locator::Css("footer")).await.expect("page loaded");
    }
    panic!("axe failed: {last}");
}

/// Saves what a citizen's phone shows of the page in Kiswahili, for docs/screenshots:
/// `target/screenshots/sw-360/<path, ids as x>.png`.
async fn phone_screenshot(browser: &Client) {
    let Ok(url) = browser.current_url().await else { return };
    if url.path().starts_with("/staff") {
        return;
    }
    let name: Vec<&str> =
        url.path().split('/').filter(|s| !s.is_empty()).map(|s| if s.chars().any(|c| c.is_ascii_digit()) { "x" } else { s }).collect();
    let name = if name.is_empty() { "home".to_owned() } else { name.join("-") };
    let errors = if browser.find(Locator::Css(".error-summary")).await.is_ok() { "-error" } else { "" };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots/sw-360");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}{errors}.png")), png).expect("save screenshot");
}

/// Fails with every finding of this browser session's audits.
pub async fn assert_accessible(browser: &Client) {
    let id = browser.session_id().await.ok().flatten().unwrap_or_default();
    let session = sessions().lock().expect("audit lock").remove(&id).unwrap_or_default();
    assert!(!session.seen.is_empty(), "the browser test audited its pages");
    eprintln!("axe-core audited {} pages, each at {WIDTHS:?} px in English and Kiswahili", session.seen.len());
    assert!(session.findings.is_empty(), "{} accessibility or language findings:\n{}", session.findings.len(), session.findings.join("\n"));
}
