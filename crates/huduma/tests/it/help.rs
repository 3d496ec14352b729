//! The help centre: pages in both languages, search that finds the right article for the
//! ways people ask, and errors that link to the article explaining the fix.

use crate::both_databases;
use crate::helpers::*;
use huduma_uploads::samples;

/// (query, slug that must come first).
const PHRASINGS: &[(&str, &str)] = &[
    ("forgot my pasword", "forgot-password"),
    ("nimesahau nenosiri", "forgot-password"),
    ("wrong password cant login", "forgot-password"),
    ("sikupata msimbo", "code-not-received"),
    ("I didn't receive the OTP", "code-not-received"),
    ("jinsi ya kujisajili", "create-an-account"),
    ("code expired", "code-not-received"),
    ("kadi ya mgeni", "account-types"),
    ("how to register", "create-an-account"),
    ("thibitisha barua pepe", "verify-phone-and-email"),
    ("details do not match population register", "account-types"),
    ("nimezuiwa", "too-many-attempts"),
    ("account locked too many attempts", "too-many-attempts"),
    ("badilisha nambari ya simu", "change-phone-or-email"),
    ("change phone number", "change-phone-or-email"),
    ("msimbo wa kuingia", "sign-in-codes"),
    ("lost my sim card", "change-phone-or-email"),
    ("programu ya uthibitishaji", "authenticator-app"),
    ("google authenticater", "authenticator-app"),
    ("wasilisha ombi", "start-an-application"),
    ("save draft", "save-and-resume-drafts"),
    ("rasimu", "save-and-resume-drafts"),
    ("file too large 2mb", "reduce-file-size"),
    ("faili kubwa mno", "reduce-file-size"),
    ("convert docx to pdf", "convert-to-pdf"),
    ("badilisha word kuwa pdf", "convert-to-pdf"),
    ("iphone photo heic", "photos-from-phones"),
    ("picha ya iphone", "photos-from-phones"),
    ("password protected pdf", "file-refused"),
    ("faili imekataliwa", "file-refused"),
    ("what format pdf jpeg", "accepted-file-types"),
    ("lipa kwa mpesa", "pay-with-mpesa"),
    ("mpesa stk push", "pay-with-mpesa"),
    ("namba ya paybill", "pay-with-paybill"),
    ("m-pesa prompt not showing", "pay-with-mpesa"),
    ("lipa kwa kadi", "pay-by-card"),
    ("paybill account number", "pay-with-paybill"),
    ("pesa hazitoshi", "mpesa-payment-failed"),
    ("card declined", "pay-by-card"),
    ("nimelipa lakini haijaonekana", "paid-but-unpaid"),
    ("insufficient funds", "mpesa-payment-failed"),
    ("pakua risiti", "receipts"),
    ("paid but not reflecting", "paid-but-unpaid"),
    ("namba ya kumbukumbu", "reference-numbers"),
    ("download reciept", "receipts"),
    ("hali ya ombi", "what-statuses-mean"),
    ("refference number", "reference-numbers"),
    ("fwatilia ombi bila kuingia", "track-without-signing-in"),
    ("what does under review mean", "what-statuses-mean"),
    ("utapeli", "official-portal-and-phishing"),
    ("track without account", "track-without-signing-in"),
    ("pin ya mpesa", "what-we-never-ask"),
    ("phishing sms", "official-portal-and-phishing"),
    ("someone called asking for my pin", "what-we-never-ask"),
];

#[test]
fn every_phrasing_finds_its_article_first() {
    let centre = huduma::services::help::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../help")).expect("help loads");
    assert!(centre.len() >= 24, "{} articles", centre.len());
    let mut misses = Vec::new();
    for (query, slug) in PHRASINGS {
        let found = centre.search(query, 3);
        if found.first().map(String::as_str) != Some(*slug) {
            misses.push(format!("{query:?} → {found:?}, wanted {slug}"));
        }
    }
    assert!(PHRASINGS.len() >= 20, "at least 20 phrasings");
    assert!(misses.is_empty(), "{misses:#?}");
}

async fn the_help_centre_answers_in_both_languages(backend: Backend) {
    let t = spawn(backend).await;
    let (status, index) = t.get("/help").await;
    assert_eq!(status, 200);
    assert!(index.contains("href=\"/help/forgot-password\"") && index.contains("Paying"), "{index}");
    let (status, article) = t.get("/help/paid-but-unpaid").await;
    assert_eq!(status, 200);
    // The article's own Markdown, rendered: its headings, its numbered steps, its bold.
    assert!(article.contains("<h2>What to do</h2>"), "{article}");
    assert!(article.contains("<ol>") && article.contains("<strong>do not pay again</strong>"), "{article}");
    assert!(!article.contains("## What to do") && !article.contains("**SLK7RT61SV**"), "no Markdown left raw: {article}");
    assert!(!article.contains("+++"), "front matter is not shown");
    let (status, results) = t.get("/help/search?q=mpesa+pin").await;
    assert_eq!(status, 200);
    assert!(results.contains("href=\"/help/"), "{results}");
    let (status, contact) = t.get("/help/contact").await;
    assert_eq!(status, 200);
    assert!(contact.contains("Huduma helpdesk") && contact.contains("Directorate of Immigration"), "agency contacts from the catalogue");
    // Kiswahili.
    t.get("/language/sw?next=/help").await;
    let (_, sw) = t.get("/help").await;
    assert!(sw.contains("Msaada") && sw.contains("Kulipa"), "{sw}");
    assert_eq!(t.get("/help/no-such-article").await.0, 404);
}

async fn errors_link_to_the_article_that_fixes_them(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, url, _) = t.submit("/services/passport-ordinary", "/services/passport-ordinary/apply", &[]).await;
    let documents = format!("{url}/documents");
    let (status, _, body) =
        t.upload_html(&documents, &format!("{url}/documents/birth_certificate"), "letter.pdf", samples::word_docx_renamed()).await;
    assert_eq!(status, 422);
    let start = body.find("class=\"help-link\" href=\"").expect("a help link beside the error") + "class=\"help-link\" href=\"".len();
    let link = body[start..].split('"').next().expect("link").to_owned();
    let (status, article) = t.get(&link).await;
    assert_eq!(status, 200, "{link}");
    assert!(article.to_lowercase().contains("pdf"), "the article explains the fix: {link}");
    // A wrong sign-in links to help too.
    let visitor = TestApp { client: new_client(), ..t };
    let (_, _, page) = visitor.submit("/sign-in", "/sign-in", &[("identifier", WANJIKU.email), ("password", "not the password")]).await;
    assert!(page.contains("class=\"help-link\""), "{page}");
}

both_databases!(the_help_centre_answers_in_both_languages, errors_link_to_the_article_that_fixes_them);
