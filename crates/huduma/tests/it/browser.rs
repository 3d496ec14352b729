//! The citizen journey in a real browser: headless Debian Chromium driven over WebDriver
//! (Debian's chromedriver). Registers, verifies with the sandbox codes, signs out, signs
//! in again with a code, and saves screenshots under `target/screenshots/`.

use crate::both_databases;
use crate::helpers::{Backend, WANJIKU, spawn};
use fantoccini::key::Key;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

both_databases!(citizen_registers_verifies_and_signs_in_in_chromium);

/// A chromedriver process on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver_path() -> String {
    std::env::var("HUDUMA_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

#[allow(clippy::zombie_processes)] // killed and reaped in `Drop`
async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let child =
        Command::new(chromedriver_path()).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap_or_else(
            |e| panic!("chromedriver is required for the browser test (install Debian's chromium-driver, or set HUDUMA_CHROMEDRIVER): {e}"),
        );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Driver { child, url };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

fn capabilities() -> fantoccini::wd::Capabilities {
    let binary = std::env::var("HUDUMA_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let options = serde_json::json!({
        "binary": binary,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=412,915"]
    });
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    caps
}

async fn citizen_registers_verifies_and_signs_in_in_chromium(backend: Backend) {
    let t = spawn(backend).await;
    let driver = start_driver().await;
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities())
        .connect(&driver.url)
        .await
        .expect("WebDriver session");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let db = format!("{backend:?}").to_lowercase();
    let shot = |name: &str| shots.join(format!("{db}-{name}.png"));

    let fill = |name: &'static str, value: String| {
        let browser = browser.clone();
        async move {
            let field = browser.find(Locator::Id(name)).await.unwrap_or_else(|e| panic!("field {name}: {e}"));
            field.clear().await.expect("clear");
            field.send_keys(&value).await.expect("type");
        }
    };
    let submit = || {
        let browser = browser.clone();
        async move {
            // Enter on the focused button: a mouse click can be swallowed by Chromium's
            // autofill pop-up over the last field, which no person would notice.
            let button = browser.find(Locator::Css("main form button[type=submit]")).await.expect("submit button");
            button.send_keys(&Key::Enter.to_string()).await.expect("press Enter");
        }
    };
    // Clicks do not wait for the next page; wait for its address, then for it to load.
    let arrive = |expected: &'static str| {
        let browser = browser.clone();
        async move {
            for _ in 0..100 {
                let url = browser.current_url().await.expect("url");
                if url.path() == expected {
                    browser.find(Locator::Css("footer")).await.expect("page loaded");
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let page = browser.source().await.unwrap_or_default();
            panic!("never reached {expected}: {page}");
        }
    };

    browser.goto(&t.url("/")).await.expect("home");
    browser.find(Locator::LinkText("Create an account")).await.expect("link").click().await.expect("click");
    browser.find(Locator::Id("account_type-citizen")).await.expect("radio").click().await.expect("click");
    submit().await;
    arrive("/register/identity").await;
    fill("document_number", WANJIKU.id.into()).await;
    fill("first_name", "wanjiku".into()).await;
    fill("year_of_birth", WANJIKU.year.into()).await;
    std::fs::write(shot("identity"), browser.screenshot().await.expect("screenshot")).expect("save");
    submit().await;
    arrive("/register/details").await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("Wanjiku Mary Kamau"));
    fill("phone", "0712 345 678".into()).await;
    fill("email", WANJIKU.email.into()).await;
    fill("password", WANJIKU.password.into()).await;
    fill("password_confirmation", WANJIKU.password.into()).await;
    std::fs::write(shot("details"), browser.screenshot().await.expect("screenshot")).expect("save");
    submit().await;
    arrive("/verify").await;
    std::fs::write(shot("verify"), browser.screenshot().await.expect("screenshot")).expect("save");
    fill("phone_code", t.code_for(WANJIKU.phone).await).await;
    browser
        .find(Locator::Css("form[action='/verify/phone'] button"))
        .await
        .expect("button")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("press");
    browser.wait().for_element(Locator::Css(".tag--green")).await.expect("phone confirmed");
    fill("email_code", t.code_for(WANJIKU.email).await).await;
    browser
        .find(Locator::Css("form[action='/verify/email'] button"))
        .await
        .expect("button")
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("press");
    arrive("/account").await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("Your account is ready"));
    std::fs::write(shot("account"), browser.screenshot().await.expect("screenshot")).expect("save");

    browser.find(Locator::Css("header form button")).await.expect("sign out").click().await.expect("click");
    arrive("/").await;
    browser.goto(&t.url("/sign-in")).await.expect("sign-in");
    fill("identifier", WANJIKU.email.into()).await;
    fill("password", WANJIKU.password.into()).await;
    submit().await;
    arrive("/sign-in/code").await;
    let before = t.code_for(WANJIKU.phone).await;
    browser.find(Locator::Id("channel-sms")).await.expect("radio").click().await.expect("click");
    submit().await;
    fill("code", t.code_for_after(WANJIKU.phone, &[before]).await).await;
    submit().await;
    arrive("/account").await;

    // Kiswahili through the switch on the page.
    browser.find(Locator::LinkText("Kiswahili")).await.expect("switch").click().await.expect("click");
    let lang = browser.find(Locator::Css("html")).await.expect("html").attr("lang").await.expect("attr");
    assert_eq!(lang.as_deref(), Some("sw"));
    std::fs::write(shot("account-sw"), browser.screenshot().await.expect("screenshot")).expect("save");

    // Find a service by searching in Kiswahili from the header, then read it.
    let search = browser.find(Locator::Id("q")).await.expect("search box");
    search.send_keys("pasipoti").await.expect("type");
    search.send_keys(&Key::Enter.to_string()).await.expect("press Enter");
    arrive("/search").await;
    browser
        .find(Locator::Css(".search-results a[href='/services/passport-ordinary']"))
        .await
        .expect("the ordinary passport among the results")
        .click()
        .await
        .expect("click");
    arrive("/services/passport-ordinary").await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("Pasipoti") && page.contains("KES 7,550"), "the service page in Kiswahili with fees and the convenience fee");
    std::fs::write(shot("service-sw"), browser.screenshot().await.expect("screenshot")).expect("save");

    // And by browsing: all services → a category → a service.
    browser.goto(&t.url("/language/en?next=/services")).await.expect("browse");
    browser.find(Locator::LinkText("Driving and vehicles")).await.expect("category").click().await.expect("click");
    browser
        .wait()
        .for_element(Locator::Css("a[href='/services/driving-licence-renewal']"))
        .await
        .expect("listed")
        .click()
        .await
        .expect("click");
    arrive("/services/driving-licence-renewal").await;
    std::fs::write(shot("service-en"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.close().await.expect("close");
}
