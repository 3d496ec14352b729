//! A deployment's own identity from `HUDUMA_THEME_DIR`: its name, government, emblem,
//! colours and footer links on every page without a template edited; a theme that fails
//! its checks keeps the portal from starting.

use crate::helpers::*;

const EMBLEM: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#123456"/></svg>"##;

fn theme_folder(header: &str) -> tempdir::TempDir {
    let dir = tempdir::TempDir::new();
    let toml = format!(
        r##"emblem = "arms.svg"
[name]
en = "Testland Services"
sw = "Huduma za Testland"
[government]
en = "Republic of Testland"
sw = "Jamhuri ya Testland"
[colours]
header = "{header}"
header_border = "#345678"
button = "#1a5e20"
link = "#1d4f91"
focus = "#ffdd00"
[[footer_links]]
href = "https://gov.testland.example"
en = "Testland government"
sw = "Serikali ya Testland"
"##
    );
    std::fs::write(dir.0.join("theme.toml"), toml).expect("theme.toml");
    std::fs::write(dir.0.join("arms.svg"), EMBLEM).expect("emblem");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_theme_folder_gives_the_portal_its_government_s_identity() {
    let folder = theme_folder("#123456");
    let t = spawn_with(Backend::Sqlite, Options { theme_dir: Some(folder.0.clone()), ..Options::default() }).await;
    let (_, home) = t.get("/").await;
    assert!(home.contains("<title>Government services – Testland Services</title>"), "the name in the title");
    assert!(home.contains("Republic of Testland") && home.contains("href=\"https://gov.testland.example\">Testland government<"));
    assert!(!home.contains("Republic of Kenya"), "nothing of the bundled theme is left");
    t.get("/language/sw?next=/").await;
    let (_, home) = t.get("/").await;
    assert!(home.contains("Huduma za Testland") && home.contains("Jamhuri ya Testland") && home.contains(">Serikali ya Testland<"));
    let (_, css) = t.get("/static/theme.css").await;
    assert!(css.contains("--theme-header:#123456") && css.contains("--theme-button:#1a5e20"), "{css}");
    let (_, emblem) = t.get("/static/emblem.svg").await;
    assert_eq!(emblem, EMBLEM);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundled_theme_is_the_republic_of_kenya() {
    let t = spawn(Backend::Sqlite).await;
    let (_, home) = t.get("/").await;
    assert!(home.contains("Republic of Kenya") && home.contains("src=\"/static/emblem.svg\""), "the coat of arms in the header");
    let (_, css) = t.get("/static/theme.css").await;
    assert!(css.contains("--theme-header:#0b3d2e"), "{css}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_theme_with_unreadable_colours_refuses_to_start() {
    let folder = theme_folder("#f0f0f0");
    let settings = huduma::config::Settings {
        listen: Some("127.0.0.1:0".parse().expect("addr")),
        data_dir: Some(folder.0.join("data")),
        sandbox: Some(true),
        theme_dir: Some(folder.0.clone()),
        ..huduma::config::Settings::default()
    };
    let config = huduma::config::Config::resolve(settings).expect("config");
    let started = huduma::server::start(config, huduma::clock::Clock::default(), huduma::server::Workers::InProcess).await;
    let message = format!("{:#}", started.err().expect("refused"));
    assert!(message.contains("colours.header `#f0f0f0` has a contrast of") && message.contains("at least 4.5:1"), "{message}");
}
