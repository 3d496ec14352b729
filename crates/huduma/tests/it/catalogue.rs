//! Importing the catalogue: versions, all-or-nothing, and the pages and API that show it.

use crate::both_databases;
use crate::helpers::{Backend, Options, fixture_catalogue, spawn_with};
use huduma::services::catalogue::{ImportError, import, read_folder};
use huduma::store::catalogue::version_source;

both_databases!(
    import_versions_services_and_refuses_broken_catalogues,
    service_pages_and_api_show_the_catalogue,
    nodes_importing_at_once_do_not_race
);

/// Several nodes starting together on one database each import the catalogue folder: the
/// imports take turns, so none fails on a duplicate file or version, and an edit makes
/// exactly one new version however many nodes import it.
async fn nodes_importing_at_once_do_not_race(backend: Backend) {
    let dir = fixture_catalogue();
    let t = spawn_with(backend, Options { catalogue_dir: Some(dir.0.clone()), ..Options::default() }).await;
    let path = dir.0.join("immigration/passport.toml");
    let original = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, original.replace("Apply for a passport", "Apply for an ordinary passport")).expect("write");
    let files = || read_folder(&dir.0).expect("read");
    let (a, b, c) = tokio::join!(import(&t.app, files()), import(&t.app, files()), import(&t.app, files()));
    let reports: Vec<_> = [a, b, c].into_iter().map(|r| r.unwrap_or_else(|e| panic!("an import failed: {e:?}"))).collect();
    assert_eq!(reports.iter().map(|r| r.new_versions).sum::<usize>(), 1, "one new version: {reports:?}");
    assert_eq!(t.app.catalogue().versions.get("passport"), Some(&2));
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    let head = huduma::store::catalogue::head_files(&mut conn).await.expect("files").len();
    let services = huduma::store::catalogue::service_files_after(&mut conn, "", 1_000).await.expect("files").len();
    assert_eq!(head + services, files().len());
}

async fn import_versions_services_and_refuses_broken_catalogues(backend: Backend) {
    let dir = fixture_catalogue();
    let t = spawn_with(backend, Options { catalogue_dir: Some(dir.0.clone()), ..Options::default() }).await;
    let live = t.app.catalogue();
    assert_eq!(live.catalogue.services.len(), 1);
    assert_eq!(live.versions.get("passport"), Some(&1));

    // Importing the same files again changes nothing.
    let report = import(&t.app, read_folder(&dir.0).expect("read")).await.expect("import");
    assert_eq!(report.new_versions, 0);

    // An edit makes version 2; version 1 is kept for applications started on it.
    let path = dir.0.join("immigration/passport.toml");
    let original = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, original.replace("Apply for a passport", "Apply for an ordinary passport")).expect("write");
    let report = import(&t.app, read_folder(&dir.0).expect("read")).await.expect("import");
    assert_eq!(report.new_versions, 1);
    assert_eq!(t.app.catalogue().versions.get("passport"), Some(&2));
    let mut conn = t.app.db.pool().acquire().await.expect("conn");
    assert_eq!(version_source(&mut conn, "passport", 1).await.expect("query"), Some(original.clone()));
    drop(conn);

    // A broken file refuses the whole import and the live catalogue stays as it was.
    std::fs::write(&path, original.replace("type = \"yes_no\"", "type = \"yesno\"")).expect("write");
    match import(&t.app, read_folder(&dir.0).expect("read")).await {
        Err(ImportError::Invalid(problems)) => {
            assert!(problems[0].to_string().contains("passport.toml:21: unknown variant `yesno`"), "{problems:?}")
        }
        other => panic!("expected problems, got {other:?}"),
    }
    let live = t.app.catalogue();
    assert_eq!(live.versions.get("passport"), Some(&2));
    assert_eq!(live.catalogue.services[0].summary.en, "Apply for an ordinary passport");
    // A restart serves the stored catalogue, not the broken folder.
    let again = spawn_with(backend, Options { catalogue_dir: Some(dir.0.clone()), ..Options::default() }).await;
    assert_eq!(again.app.catalogue().catalogue.services.len(), 0, "a fresh database with a broken folder serves nothing rather than half");
}

async fn service_pages_and_api_show_the_catalogue(backend: Backend) {
    let dir = fixture_catalogue();
    let t = spawn_with(backend, Options { catalogue_dir: Some(dir.0.clone()), ..Options::default() }).await;
    let (status, page) = t.get("/services/passport").await;
    assert_eq!(status, 200);
    for expected in [
        "Passport",
        "KES 7,500",
        "KES 50",
        "KES 7,550",
        "Birth certificate",
        "PDF, JPEG, up to 2 MB",
        "10 working days",
        "Book biometrics.",
        "Sign in to apply",
    ] {
        assert!(page.contains(expected), "service page shows {expected}");
    }
    let (status, page) = t.get("/language/sw?next=/services/passport").await;
    assert_eq!(status, 200);
    assert!(page.contains("Omba pasipoti") && page.contains("Weka miadi ya alama za vidole."), "the service page in Kiswahili");
    let (status, page) = t.get("/search?q=pasport").await;
    assert_eq!(status, 200);
    assert!(page.contains("/services/passport"), "typo tolerated");
    let (status, page) = t.get("/search?q=zzzz+qqqq").await;
    assert_eq!(status, 404);
    assert!(page.contains("Jaribu njia nyingine") || page.contains("Try another way"), "a helpful page when nothing matches");
    for path in ["/services", "/agencies", "/agencies/immigration", "/categories/passports"] {
        let (status, page) = t.get(path).await;
        assert_eq!(status, 200, "{path}");
        let link = if path == "/agencies" { "/agencies/immigration" } else { "/services/passport" };
        assert!(page.contains(link), "{path} links to {link}");
    }
    let (status, _) = t.get("/services/no-such-service").await;
    assert_eq!(status, 404);
    let (status, list) = t.api(reqwest::Method::GET, "/api/v1/services?q=pasipoti", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["services"][0]["code"], "passport");
    assert_eq!(list["services"][0]["fee_from_minor"], 750_000);
    let (status, service) = t.api(reqwest::Method::GET, "/api/v1/services/passport", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(service["version"], 1);
    assert_eq!(service["workflow"]["start"], "submitted");
    assert_eq!(service["pages"][0]["fields"][1]["show_when"]["field"], "had_passport");
    let (status, body) = t.api(reqwest::Method::GET, "/api/v1/services/nope", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));

    // Nodes keep only an entry per service; the page reads the whole definition at the
    // live version, so an edited document list shows at once, and the API says version 2.
    let path = dir.0.join("immigration/passport.toml");
    let original = std::fs::read_to_string(&path).expect("read");
    assert!(original.contains("Birth certificate"), "the fixture names the document");
    std::fs::write(&path, original.replace("Birth certificate", "Certified birth certificate")).expect("write");
    huduma::services::catalogue::import(&t.app, huduma::services::catalogue::read_folder(&dir.0).expect("read")).await.expect("import");
    let (_, page) = t.get("/language/en?next=/services/passport").await;
    assert!(page.contains("Certified birth certificate"), "the service page reads the new version");
    let (_, service) = t.api(reqwest::Method::GET, "/api/v1/services/passport", None, None).await;
    assert_eq!(service["version"], 2);
}
