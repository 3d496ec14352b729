//! The citizen journey in a real browser: headless Debian Chromium driven over WebDriver
//! (Debian's chromedriver). Registers, verifies with the sandbox codes, signs out, signs
//! in again with a code, finds a service, applies for a passport with a real PDF and JPEG
//! (leaving and resuming the draft, seeing a wrong file refused), submits and reads the
//! reference; screenshots are saved under `target/screenshots/`.

use crate::both_databases;
use crate::helpers::{Backend, WANJIKU, spawn};
use fantoccini::key::Key;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

both_databases!(
    citizen_registers_verifies_and_signs_in_in_chromium,
    an_officer_issues_a_certificate_the_citizen_verifies_in_chromium,
    a_citizen_asks_the_helpdesk_after_a_failed_payment_and_an_agent_answers_in_chromium
);

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

/// A headless Chromium session and where its screenshots go.
async fn open_browser(backend: Backend) -> (Driver, fantoccini::Client, impl Fn(&str) -> std::path::PathBuf) {
    let driver = start_driver().await;
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities())
        .connect(&driver.url)
        .await
        .expect("WebDriver session");
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let db = format!("{backend:?}").to_lowercase();
    (driver, browser, move |name: &str| shots.join(format!("{db}-{name}.png")))
}

async fn citizen_registers_verifies_and_signs_in_in_chromium(backend: Backend) {
    let t = spawn(backend).await;
    let (_driver, browser, shot) = open_browser(backend).await;

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
                    crate::axe::audit(&browser).await;
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let page = browser.source().await.unwrap_or_default();
            panic!("never reached {expected}: {page}");
        }
    };

    // The status page, as the start-up round of checks left it.
    browser.goto(&t.url("/status")).await.expect("status");
    browser.find(Locator::Css(".health--up")).await.expect("a component checked and working");
    crate::axe::audit(&browser).await;
    browser.goto(&t.url("/")).await.expect("home");
    crate::axe::audit(&browser).await;
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
    assert!(page.contains("Wanjiku") && page.contains("1990"), "what was typed is shown back");
    assert!(!page.contains("Mary Kamau"), "the register's record waits until the phone is proved");
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
    assert!(page.contains("Wanjiku Mary Kamau"), "the whole record once the phone is proved");
    std::fs::write(shot("account"), browser.screenshot().await.expect("screenshot")).expect("save");

    browser.find(Locator::Css("header form button")).await.expect("sign out").click().await.expect("click");
    arrive("/").await;
    browser.goto(&t.url("/sign-in")).await.expect("sign-in");
    crate::axe::audit(&browser).await;
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
    crate::axe::audit(&browser).await;
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

    // Apply for a passport with a real PDF and JPEG; leave half-way and resume.
    browser.goto(&t.url("/services/passport-ordinary")).await.expect("service");
    crate::axe::audit(&browser).await;
    browser.find(Locator::Css("button.btn--start")).await.expect("start button").click().await.expect("click");
    let id = wait_for_path(&browser, |p| p.starts_with("/applications/") && p.len() > "/applications/".len()).await;
    let id = id.trim_start_matches("/applications/").to_owned();
    std::fs::write(shot("tasks"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.find(Locator::Css("a.task-list__link")).await.expect("first task").click().await.expect("click");
    wait_for_path(&browser, |p| p.ends_with("/pages/applicant")).await;
    browser.find(Locator::Id("applicant_is_minor-2")).await.expect("no").click().await.expect("click");
    let id_number = browser.find(Locator::Id("id_number")).await.expect("prefilled ID");
    assert_eq!(id_number.prop("value").await.expect("value").as_deref(), Some(WANJIKU.id));
    assert!(id_number.is_displayed().await.expect("shown"), "revealed once 'No' is chosen");
    fill("birth_certificate_number", "123456".into()).await;
    browser.execute("document.getElementById('date_of_birth').value = '1990-04-12';", vec![]).await.expect("date");
    browser.find(Locator::Id("place_of_birth")).await.expect("county").select_by_value("Kiambu").await.expect("select");
    browser.find(Locator::Id("marital_status")).await.expect("status").select_by_value("single").await.expect("select");
    std::fs::write(shot("form-page"), browser.screenshot().await.expect("screenshot")).expect("save");
    submit().await;
    wait_for_path(&browser, |p| p.ends_with("/pages/passport")).await;
    // Save and come back later: the draft waits on My applications.
    browser.find(Locator::LinkText("Save and come back later")).await.expect("leave").click().await.expect("click");
    arrive("/applications").await;
    std::fs::write(shot("my-applications-draft"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.find(Locator::Css(&format!("td a[href='/applications/{id}']"))).await.expect("draft listed").click().await.expect("click");
    wait_for_path(&browser, |p| p == format!("/applications/{id}")).await;
    browser
        .find(Locator::Css(&format!("a[href='/applications/{id}/pages/passport']")))
        .await
        .expect("next task")
        .click()
        .await
        .expect("click");
    wait_for_path(&browser, |p| p.ends_with("/pages/passport")).await;
    browser.find(Locator::Id("application_type-1")).await.expect("first passport").click().await.expect("click");
    browser.find(Locator::Id("issuing_office")).await.expect("office").select_by_value("nairobi").await.expect("select");
    fill("recommender_name", "Otieno Okello".into()).await;
    fill("recommender_id", "23456789".into()).await;
    submit().await;
    wait_for_path(&browser, |p| p.ends_with("/pages/emergency")).await;
    fill("next_of_kin_name", "Kamau Njoroge".into()).await;
    fill("next_of_kin_phone", "0722 000 000".into()).await;
    submit().await;
    wait_for_path(&browser, |p| p.ends_with("/option")).await;
    browser.find(Locator::Id("fee_option-1")).await.expect("34 pages").click().await.expect("click");
    submit().await;
    wait_for_path(&browser, |p| p.ends_with("/documents")).await;

    let files = crate::helpers::tempdir::TempDir::new();
    let write = |name: &str, bytes: Vec<u8>| {
        let path = files.0.join(name);
        std::fs::write(&path, bytes).expect("write sample");
        path.display().to_string()
    };
    let pdf = write("birth-certificate.pdf", huduma_uploads::samples::pdf(1, 0));
    let jpeg = write("photo.jpg", huduma_uploads::samples::jpeg(400, 500));
    let word = write("letter.pdf", huduma_uploads::samples::word_docx_renamed());
    let upload = |requirement: &'static str, path: String| {
        let browser = browser.clone();
        async move {
            browser.find(Locator::Id(requirement)).await.expect("file input").send_keys(&path).await.expect("choose file");
            // Mark this page, so the wait below sees the next page and not this one.
            browser.execute("window.hudumaBefore = true;", vec![]).await.expect("mark");
            browser
                .find(Locator::Css(&format!("form[action$='/documents/{requirement}'] button")))
                .await
                .expect("upload button")
                .click()
                .await
                .expect("click");
            for _ in 0..200 {
                let fresh =
                    browser.execute("return window.hudumaBefore === undefined && document.readyState === 'complete';", vec![]).await;
                if fresh.is_ok_and(|v| v == serde_json::Value::Bool(true)) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            browser.wait().for_element(Locator::Css(&format!("#{requirement}-label"))).await.expect("page back");
            crate::axe::audit(&browser).await;
        }
    };
    // A Word document renamed .pdf is refused with a message saying what to do.
    upload("birth_certificate", word).await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("Word or other Office document renamed"), "the refusal explains itself");
    std::fs::write(shot("upload-refused"), browser.screenshot().await.expect("screenshot")).expect("save");
    upload("birth_certificate", pdf.clone()).await;
    upload("national_id_copy", jpeg.clone()).await;
    upload("passport_photo", jpeg.clone()).await;
    upload("recommender_id_copy", pdf).await;
    let page = browser.source().await.expect("source");
    assert_eq!(page.matches("class=\"upload__done\"").count(), 4, "four documents uploaded");
    std::fs::write(shot("documents"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.find(Locator::LinkText("Continue")).await.expect("continue").click().await.expect("click");
    wait_for_path(&browser, |p| p.ends_with("/check")).await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("Otieno Okello") && page.contains("photo.jpg") && page.contains("KES 7,500"), "check your answers");
    std::fs::write(shot("check"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.find(Locator::Id("declaration")).await.expect("declaration").click().await.expect("tick");
    browser.find(Locator::Css("form[action$='/submit'] button")).await.expect("submit").click().await.expect("click");
    wait_for_path(&browser, |p| p.ends_with("/submitted")).await;
    let reference = browser.find(Locator::Id("reference")).await.expect("reference").text().await.expect("text");
    assert_eq!(reference.len(), 12, "reference {reference}");
    std::fs::write(shot("submitted"), browser.screenshot().await.expect("screenshot")).expect("save");
    t.wait_for_message(|m| m["recipient"] == WANJIKU.phone && m["body"].as_str().is_some_and(|b| b.contains(&reference))).await;

    // Pay the fee by M-Pesa: the simulated phone pays; the waiting page checks again when
    // asked (here: by itself, once the citizen ticks the box).
    browser.find(Locator::LinkText("Pay now")).await.expect("pay link").click().await.expect("click");
    wait_for_path(&browser, |p| p.ends_with("/pay")).await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("KES 7,550"), "the fee plus the convenience fee");
    fill("phone", "0712 000 777".into()).await;
    submit().await;
    let waiting = wait_for_path(&browser, |p| p.starts_with("/payments/")).await;
    // The page never reloads unasked; with JavaScript the citizen may tick "check again
    // by itself", and only then does it (every 10 s, the tick kept in the address).
    let page = browser.source().await.expect("source");
    assert!(!page.contains("http-equiv=\"refresh\""), "no reload the citizen did not ask for");
    let auto = browser.find(Locator::Id("auto")).await.expect("the choice");
    assert!(auto.is_displayed().await.expect("displayed"), "offered with JavaScript");
    auto.click().await.expect("tick");
    let mut query = None;
    for _ in 0..150 {
        query = browser.current_url().await.expect("url").query().map(str::to_owned);
        if query.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(query.as_deref(), Some("auto=1"), "checked again by itself once ticked");
    browser.wait().for_element(Locator::Css("footer")).await.expect("page loaded");
    assert!(browser.find(Locator::Id("auto")).await.expect("the choice").is_selected().await.expect("state"), "still ticked");
    // Answer the prompt on the sandbox phone, as a tester would. Checking again by itself
    // (5 s) never reloads the phone while a PIN is being typed.
    browser.goto(&t.url("/sandbox/phone?number=0712000777&auto=1")).await.expect("phone");
    crate::axe::audit(&browser).await;
    let pin = browser.wait().for_element(Locator::Css("input[name=pin]")).await.expect("a prompt waits");
    pin.send_keys("1234").await.expect("PIN");
    // Wait for the check that came due while the PIN was typed: it was held back.
    let mut held = None;
    for _ in 0..100 {
        let form = browser.find(Locator::Css("form[data-auto-check]")).await.expect("the check-again form");
        held = form.attr("data-auto-check-held").await.expect("attribute");
        if held.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(held.is_some(), "the check came due and was held back, not sent");
    let pin = browser.find(Locator::Css("input[name=pin]")).await.expect("the same prompt");
    assert_eq!(pin.prop("value").await.expect("value").as_deref(), Some("1234"), "the PIN being typed was kept");
    std::fs::write(shot("sandbox-phone"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.find(Locator::Css("button[value=pay]")).await.expect("send").click().await.expect("click");
    wait_for_path(&browser, |p| p == "/sandbox/phone").await;
    browser.goto(&t.url(&waiting)).await.expect("back to the waiting page");
    crate::axe::audit(&browser).await;
    for _ in 0..50 {
        let page = browser.source().await.expect("source");
        if page.contains("Payment received") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        browser.find(Locator::Id("check-again")).await.expect("Check again").click().await.expect("click");
        browser.wait().for_element(Locator::Css("footer")).await.expect("page loaded");
    }
    let outcome = browser.find(Locator::Id("outcome")).await.expect("outcome").text().await.expect("text");
    assert!(outcome.contains("Payment received"), "{outcome}");
    std::fs::write(shot("paid"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.find(Locator::LinkText("Continue")).await.expect("continue").click().await.expect("click");
    wait_for_path(&browser, |p| p == format!("/applications/{id}")).await;
    let status = browser.find(Locator::Id("status")).await.expect("status").text().await.expect("text");
    assert_eq!(status.to_lowercase(), "submitted", "paid: with the agency now (the tag is shown in capitals)");
    // The receipt, from the invoice page, as a PDF.
    browser.find(Locator::LinkText("Invoice and payments")).await.expect("invoice").click().await.expect("click");
    wait_for_path(&browser, |p| p.ends_with("/pay")).await;
    let receipt = browser.find(Locator::Css("a[href^='/receipts/']")).await.expect("receipt link");
    let href = receipt.attr("href").await.expect("href").expect("a link");
    receipt.click().await.expect("click");
    wait_for_path(&browser, |p| p == href).await;
    std::fs::write(shot("receipt"), browser.screenshot().await.expect("screenshot")).expect("save");
    let pdf_link =
        browser.find(Locator::Css("a[href$='/pdf']")).await.expect("PDF link").attr("href").await.expect("href").expect("a link");
    let cookies = browser.get_all_cookies().await.expect("cookies");
    let cookie = cookies.iter().map(|c| format!("{}={}", c.name(), c.value())).collect::<Vec<_>>().join("; ");
    let pdf = reqwest::Client::new().get(t.url(&pdf_link)).header("cookie", cookie).send().await.expect("download");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"%PDF-"), "the receipt downloads as a PDF");
    crate::axe::assert_accessible(&browser).await;
    browser.close().await.expect("close");
}

/// Types into the field with this id.
async fn type_into(browser: &fantoccini::Client, id: &str, value: &str) {
    let field = browser.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("field {id}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

/// Presses Enter on a form's submit button (see the note in the citizen test).
async fn press(browser: &fantoccini::Client, form: &str) {
    let button = browser.find(Locator::Css(&format!("{form} button[type=submit]"))).await.unwrap_or_else(|e| panic!("{form}: {e}"));
    button.send_keys(&Key::Enter.to_string()).await.expect("press Enter");
}

/// The DCI officer works a paid police-clearance application in the back office (claims
/// it, books fingerprints, records them, approves and issues); the citizen, in the same
/// browser, sees the certificate on the application page, downloads it, and opens the
/// address its QR code carries, which says the certificate is genuine.
async fn an_officer_issues_a_certificate_the_citizen_verifies_in_chromium(backend: Backend) {
    use huduma::services::back_office::demo;
    let t = spawn(backend).await;
    let (_, id, reference) = crate::back_office::paid_police_clearance(&t).await;
    demo::create(&t.app).await.expect("demo staff");
    let (_driver, browser, shot) = open_browser(backend).await;

    // The officer signs in at the staff entrance with password and authenticator code.
    let officer = demo::email("officer", Some("dci"));
    browser.goto(&t.url("/staff/sign-in")).await.expect("staff sign-in");
    crate::axe::audit(&browser).await;
    type_into(&browser, "email", &officer).await;
    type_into(&browser, "password", demo::PASSWORD).await;
    press(&browser, "main form").await;
    wait_for_path(&browser, |p| p == "/staff/sign-in/code").await;
    let secret = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        huduma::store::staff::by_email(&mut conn, &officer).await.expect("query").expect("member").totp_secret.expect("secret")
    };
    type_into(&browser, "code", &demo::current_code(&secret, &officer, t.app.clock.now()).expect("code")).await;
    press(&browser, "main form").await;
    wait_for_path(&browser, |p| p == "/staff").await;
    // From here the officer works on a 1024 px tablet with the keyboard alone.
    set_viewport(&browser, 1024, 768).await;
    assert_fits_the_width(&browser, "the queue").await;
    std::fs::write(shot("staff-queue"), browser.screenshot().await.expect("screenshot")).expect("save");
    let case = format!("/staff/applications/{reference}");
    tab_to(&browser, &format!("a[href='{case}']")).await;
    press_key(&browser, Key::Enter).await;
    wait_for_path(&browser, |p| p == case).await;
    tab_to(&browser, "#claim").await;
    press_key(&browser, Key::Enter).await;
    browser.wait().for_element(Locator::Id("assignee")).await.expect("claimed");
    assert_fits_the_width(&browser, "the case page").await;
    std::fs::write(shot("staff-case"), browser.screenshot().await.expect("screenshot")).expect("save");
    set_viewport(&browser, 1280, 800).await;
    std::fs::write(shot("staff-case-1280"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.goto(&t.url("/staff")).await.expect("queue");
    std::fs::write(shot("staff-queue-1280"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.goto(&t.url(&case)).await.expect("case");
    set_viewport(&browser, 1024, 768).await;

    // Book fingerprints for tomorrow.
    let tomorrow = t.app.clock.today_in_nairobi().add_days(1).to_string();
    let form = "#action-schedule_fingerprints";
    browser
        .execute(
            "document.querySelector(arguments[0] + ' input[name=date]').value = arguments[1];\
             document.querySelector(arguments[0] + ' input[name=time]').value = '09:30';",
            vec![serde_json::json!(form), serde_json::json!(tomorrow)],
        )
        .await
        .expect("set date and time");
    browser
        .find(Locator::Css(&format!("{form} input[name=office]")))
        .await
        .expect("office")
        .send_keys("DCI headquarters")
        .await
        .expect("type");
    press(&browser, form).await;
    browser.wait().for_element(Locator::Css("#action-record_fingerprints")).await.expect("booked: fingerprints can be recorded");

    // Fingerprints recorded from the queue as a bulk action, keyboard only: tick the row
    // (Space), choose the action (type-ahead), continue, read the confirmation, confirm.
    tab_to(&browser, ".header a[href='/staff']:not(.header__brand)").await;
    press_key(&browser, Key::Enter).await;
    wait_for_path(&browser, |p| p == "/staff").await;
    tab_to(&browser, &format!("input[value='{reference}']")).await;
    press_key(&browser, ' ').await;
    tab_to(&browser, "#action").await;
    for c in "Record".chars() {
        press_key(&browser, c).await;
    }
    let chosen = browser.execute("return document.getElementById('action').value", vec![]).await.expect("value");
    assert_eq!(chosen, "record_fingerprints", "type-ahead chose the action");
    tab_to(&browser, "#bulk-continue").await;
    press_key(&browser, Key::Enter).await;
    let summary = browser.wait().for_element(Locator::Id("bulk-summary")).await.expect("confirmation page");
    assert_eq!(summary.text().await.expect("text"), "Record fingerprints taken for 1 application");
    std::fs::write(shot("staff-bulk-confirm"), browser.screenshot().await.expect("screenshot")).expect("save");
    tab_to(&browser, "#confirm").await;
    press_key(&browser, Key::Enter).await;
    let outcome = browser.wait().for_element(Locator::Css("#outcomes td .tag")).await.expect("outcomes");
    assert_eq!(outcome.text().await.expect("text").to_lowercase(), "done");
    tab_to(&browser, &format!("#outcomes a[href='{case}']")).await;
    press_key(&browser, Key::Enter).await;
    wait_for_path(&browser, |p| p == case).await;
    browser.wait().for_element(Locator::Css("#action-approve")).await.expect("recorded: the certificate can be issued");
    press(&browser, "#action-approve").await;
    browser.wait().for_element(Locator::Id("certificate")).await.expect("issued");
    let status = browser.find(Locator::Id("status")).await.expect("status").text().await.expect("text");
    assert_eq!(status, "Certificate issued");
    std::fs::write(shot("staff-issued"), browser.screenshot().await.expect("screenshot")).expect("save");

    // The citizen signs in (same browser, separate session) and follows the timeline.
    browser.goto(&t.url("/sign-in")).await.expect("sign-in");
    crate::axe::audit(&browser).await;
    type_into(&browser, "identifier", WANJIKU.email).await;
    type_into(&browser, "password", WANJIKU.password).await;
    press(&browser, "main form").await;
    wait_for_path(&browser, |p| p == "/sign-in/code").await;
    let before = t.code_for(WANJIKU.phone).await;
    browser.find(Locator::Id("channel-sms")).await.expect("radio").click().await.expect("click");
    press(&browser, "main form").await;
    browser.wait().for_element(Locator::Id("code")).await.expect("code field");
    type_into(&browser, "code", &t.code_for_after(WANJIKU.phone, &[before]).await).await;
    press(&browser, "main form").await;
    wait_for_path(&browser, |p| p == "/account").await;
    browser.goto(&t.url(&format!("/applications/{id}"))).await.expect("application");
    crate::axe::audit(&browser).await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("09:30, DCI headquarters") && page.contains("Certificate issued"), "the timeline shows each step");
    std::fs::write(shot("citizen-certificate"), browser.screenshot().await.expect("screenshot")).expect("save");
    let href =
        browser.find(Locator::Css("#certificate a")).await.expect("download link").attr("href").await.expect("href").expect("a link");
    let cookies = browser.get_all_cookies().await.expect("cookies");
    let cookie = cookies.iter().map(|c| format!("{}={}", c.name(), c.value())).collect::<Vec<_>>().join("; ");
    let pdf = reqwest::Client::new().get(t.url(&href)).header("cookie", cookie).send().await.expect("download");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let doc = lopdf::Document::load_mem(&pdf.bytes().await.expect("bytes")).expect("the certificate opens");
    let text = doc.extract_text(&[1]).expect("text");
    assert!(text.contains("Police clearance certificate") && text.contains("Wanjiku"), "{text}");
    // The address the QR code carries is printed under it; the citizen (or an employer) opens it.
    let start = text.find("http").expect("verification address");
    let address: String = text[start..].split_whitespace().next().expect("address").to_owned();
    assert!(address.contains("/verify/certificates/"), "{address}");
    browser.goto(&address).await.expect("verification page");
    crate::axe::audit(&browser).await;
    let validity = browser.find(Locator::Id("validity")).await.expect("validity").attr("data-validity").await.expect("attr");
    assert_eq!(validity.as_deref(), Some("valid"));
    std::fs::write(shot("certificate-check"), browser.screenshot().await.expect("screenshot")).expect("save");
    crate::axe::assert_accessible(&browser).await;
    browser.close().await.expect("close");
}

/// Presses and releases one key wherever the focus is, as a person at a keyboard would.
async fn press_key(browser: &fantoccini::Client, key: impl Into<char>) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let value = key.into();
    let actions = KeyActions::new("keyboard".into()).then(KeyAction::Down { value }).then(KeyAction::Up { value });
    browser.perform_actions(actions).await.expect("key");
}

/// Presses Tab until the focused element matches `selector` (the page is reachable by
/// keyboard in a sensible number of steps, or the test fails).
async fn tab_to(browser: &fantoccini::Client, selector: &str) {
    for _ in 0..60 {
        let focused = browser
            .execute("return !!document.activeElement && document.activeElement.matches(arguments[0])", vec![serde_json::json!(selector)])
            .await
            .expect("focus");
        if focused == serde_json::json!(true) {
            return;
        }
        press_key(browser, Key::Tab).await;
    }
    panic!("Tab never reached {selector}");
}

/// Sizes the window so the page itself (without the window's frame) is `width` × `height`.
async fn set_viewport(browser: &fantoccini::Client, width: u32, height: u32) {
    browser.set_window_size(width, height).await.expect("window size");
    let inner = browser.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.expect("viewport");
    let frame = |i: usize, wanted: u32| wanted.saturating_sub(inner[i].as_u64().and_then(|v| u32::try_from(v).ok()).unwrap_or(wanted));
    browser.set_window_size(width + frame(0, width), height + frame(1, height)).await.expect("window size");
}

/// Nothing on the page scrolls sideways at the window's width.
async fn assert_fits_the_width(browser: &fantoccini::Client, what: &str) {
    let widths = browser
        .execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]", vec![])
        .await
        .expect("widths");
    assert!(widths[0].as_i64() <= widths[1].as_i64(), "{what} scrolls sideways: {widths}");
}

/// Signs the demo citizen in through the pages, with an SMS code.
async fn citizen_signs_in(t: &crate::helpers::TestApp, browser: &fantoccini::Client) {
    browser.goto(&t.url("/sign-in")).await.expect("sign-in");
    crate::axe::audit(browser).await;
    type_into(browser, "identifier", WANJIKU.email).await;
    type_into(browser, "password", WANJIKU.password).await;
    press(browser, "main form").await;
    wait_for_path(browser, |p| p == "/sign-in/code").await;
    let before = t.code_for(WANJIKU.phone).await;
    browser.find(Locator::Id("channel-sms")).await.expect("radio").click().await.expect("click");
    press(browser, "main form").await;
    browser.wait().for_element(Locator::Id("code")).await.expect("code field");
    type_into(browser, "code", &t.code_for_after(WANJIKU.phone, &[before]).await).await;
    press(browser, "main form").await;
    wait_for_path(browser, |p| p == "/account").await;
}

/// Signs a demo staff member in at the staff entrance.
async fn staff_signs_in(t: &crate::helpers::TestApp, browser: &fantoccini::Client, email: &str) {
    use huduma::services::back_office::demo;
    browser.goto(&t.url("/staff/sign-in")).await.expect("staff sign-in");
    crate::axe::audit(browser).await;
    type_into(browser, "email", email).await;
    type_into(browser, "password", demo::PASSWORD).await;
    press(browser, "main form").await;
    wait_for_path(browser, |p| p == "/staff/sign-in/code").await;
    let secret = {
        let mut conn = t.app.db.pool().acquire().await.expect("conn");
        huduma::store::staff::by_email(&mut conn, email).await.expect("query").expect("member").totp_secret.expect("secret")
    };
    type_into(browser, "code", &demo::current_code(&secret, email, t.app.clock.now()).expect("code")).await;
    press(browser, "main form").await;
    wait_for_path(browser, |p| p.starts_with("/staff") && !p.starts_with("/staff/sign-in")).await;
}

/// A payment fails; from the failure page the citizen asks the helpdesk (the form comes
/// filled in and linked to the application); an agent answers with a saved response and
/// resolves; the citizen reads the answer and rates it.
async fn a_citizen_asks_the_helpdesk_after_a_failed_payment_and_an_agent_answers_in_chromium(backend: Backend) {
    use huduma::services::back_office::demo;
    let t = spawn(backend).await;
    crate::helpers::register_html(&t, &WANJIKU).await;
    let token = crate::helpers::sign_in_api(&t, WANJIKU.email, WANJIKU.password, WANJIKU.phone).await;
    let id = crate::payments::awaiting_payment(&t, &token).await;
    demo::create(&t.app).await.expect("demo staff");
    let (_driver, browser, shot) = open_browser(backend).await;
    citizen_signs_in(&t, &browser).await;

    // Pay from a number with no money: the prompt is refused.
    browser.goto(&t.url(&format!("/applications/{id}/pay"))).await.expect("pay page");
    crate::axe::audit(&browser).await;
    type_into(&browser, "phone", "0700 000 001").await;
    press(&browser, "main form").await;
    wait_for_path(&browser, |p| p.starts_with("/payments/")).await;
    // The waiting page does not reload unasked: check again, as the citizen would, until
    // the refusal (the simulator answers after 0.4 s) shows.
    for _ in 0..40 {
        if browser.find(Locator::Id("ask-helpdesk")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        if let Ok(button) = browser.find(Locator::Id("check-again")).await {
            button.click().await.expect("check again");
        }
    }
    wait_for_path(&browser, |p| p.starts_with("/payments/")).await;
    browser.wait().for_element(Locator::Id("ask-helpdesk")).await.expect("the failure offers the helpdesk");
    std::fs::write(shot("payment-failed"), browser.screenshot().await.expect("screenshot")).expect("save");
    browser.find(Locator::Css("#ask-helpdesk a")).await.expect("link").click().await.expect("click");
    wait_for_path(&browser, |p| p == "/help/tickets/new").await;
    type_into(&browser, "message", "The prompt said my balance is too low, but I have the money.").await;
    std::fs::write(shot("ticket-new"), browser.screenshot().await.expect("screenshot")).expect("save");
    press(&browser, "main form").await;
    wait_for_path(&browser, |p| p.starts_with("/help/tickets/T")).await;
    let number = browser.find(Locator::Id("ticket-number")).await.expect("number").text().await.expect("text");

    // The agent answers from a saved response and resolves it.
    staff_signs_in(&t, &browser, &demo::email("helpdesk", None)).await;
    browser.goto(&t.url("/staff/tickets")).await.expect("queue");
    crate::axe::audit(&browser).await;
    browser.find(Locator::LinkText(&number)).await.expect("the ticket is in the queue").click().await.expect("open");
    wait_for_path(&browser, |p| p == format!("/staff/tickets/{number}")).await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("balance is too low") && page.contains("Police clearance"), "the thread and the citizen's application");
    browser
        .execute("document.getElementById('saved').value = 'payment_not_found'; document.getElementById('resolve').checked = true;", vec![])
        .await
        .expect("choose the saved response");
    std::fs::write(shot("staff-ticket"), browser.screenshot().await.expect("screenshot")).expect("save");
    press(&browser, "#reply").await;
    browser.wait().for_element(Locator::Css(".notice--success")).await.expect("sent");

    // The citizen reads the answer and rates it.
    browser.goto(&t.url(&format!("/help/tickets/{number}"))).await.expect("ticket");
    crate::axe::audit(&browser).await;
    let page = browser.source().await.expect("source");
    assert!(page.contains("We could not find this payment yet"), "the answer is in the thread");
    browser.find(Locator::Id("rating-5")).await.expect("rating").click().await.expect("choose");
    press(&browser, "#rate").await;
    browser.wait().for_element(Locator::Id("rated")).await.expect("rated");
    std::fs::write(shot("ticket-rated"), browser.screenshot().await.expect("screenshot")).expect("save");
    crate::axe::assert_accessible(&browser).await;
    browser.close().await.expect("close");
}

/// Waits until the browser's path satisfies `wanted` and the page has loaded; returns it.
async fn wait_for_path(browser: &fantoccini::Client, wanted: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let url = browser.current_url().await.expect("url");
        if wanted(url.path()) {
            // Waits rather than looks once: a form that posts back to the same path is
            // already "there" while the next page is still loading.
            browser.wait().for_element(Locator::Css("footer")).await.expect("page loaded");
            crate::axe::audit(browser).await;
            return url.path().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = browser.source().await.unwrap_or_default();
    panic!("never reached the expected page: {page}");
}
