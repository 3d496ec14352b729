//! The error summary of a form page, without JavaScript and in Kiswahili: each question
//! its own message, links that land on a control, hints and errors tied to their fields,
//! and a title that says there is a problem; on SQLite and PostgreSQL.

use crate::both_databases;
use crate::helpers::*;

both_databases!(an_empty_form_page_names_each_question_it_needs);

async fn an_empty_form_page_names_each_question_it_needs(backend: Backend) {
    let t = spawn(backend).await;
    register_html(&t, &WANJIKU).await;
    let (_, url, _) = t.submit("/services/kra-pin-registration", "/services/kra-pin-registration/apply", &[]).await;
    let id = url.trim_start_matches("/applications/").split('/').next().expect("id").to_owned();
    t.get("/language/sw?next=/").await;
    let page = format!("/applications/{id}/pages/taxpayer");
    let (status, _, body) = t.submit(&page, &page, &[]).await;
    assert_eq!(status, 422);

    let title = body.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).expect("title");
    assert!(title.starts_with("Hitilafu: Mlipakodi"), "the title says there is a problem: {title}");
    let summary = body.split("class=\"error-summary__list\"").nth(1).and_then(|s| s.split("</ul>").next()).expect("summary");
    let links: Vec<&str> = summary.split("<li><a href=\"#").skip(1).collect();
    assert_eq!(links.len(), 2, "{summary}");
    assert!(links[0].starts_with("residency-1\">Jibu: Je, wewe ni raia wa Kenya au mkazi wa kigeni?<"), "{}", links[0]);
    assert!(links[1].starts_with("employment_status-1\">Jibu: Chanzo cha mapato<"), "{}", links[1]);
    for link in &links {
        let target = link.split('"').next().expect("target");
        assert!(body.contains(&format!("<input id=\"{target}\"")), "the link lands on the first radio: {target}");
    }
    assert!(body.contains("aria-describedby=\"residency-error\""), "the radio group is described by its error");
    assert!(body.contains("<span class=\"visually-hidden\">Hitilafu:</span> Jibu: Chanzo cha mapato"), "the error in the field");
    assert!(
        body.contains("aria-describedby=\"id_number-condition id_number-locked\""),
        "a prefilled conditional field is described by when to answer and where the answer came from"
    );
}
