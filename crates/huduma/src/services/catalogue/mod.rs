//! Importing the catalogue files and keeping the live catalogue in memory.
//!
//! Import is all or nothing: the files are checked as a whole, and only a fully valid
//! catalogue replaces the live one. Each service whose content changed gets a new version,
//! so applications started on an earlier version keep their form.

use crate::app::App;
use crate::store::{Db, catalogue as store};
use huduma_domain::catalogue::{Problem, SourceFile, is_service_file};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

mod folder;
mod intake;

pub use crate::live_catalogue::{Live, SearchResult, ServiceCard};
pub use folder::{Folder, read_folder};
use intake::Intake;

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files have problems; nothing was imported.
    #[error("{} problem(s) in the catalogue", .0.len())]
    Invalid(Vec<Problem>),
    /// A file of the folder could not be read; nothing was imported.
    #[error("the catalogue folder is unreadable: {0:#}")]
    Unreadable(anyhow::Error),
    /// Writing the database failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// Services now live.
    pub services: usize,
    /// Agencies now live.
    pub agencies: usize,
    /// Services that got a new version (new or changed).
    pub new_versions: usize,
}

pub(crate) fn hash(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How often every node asks whether the stored catalogue changed: an import on one node
/// is live on the others within this (plus the reload itself).
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks and imports catalogue files, then makes them live in `app`.
pub async fn import(app: &App, files: Vec<SourceFile>) -> Result<ImportReport, ImportError> {
    let (head, services): (Vec<_>, Vec<_>) = files.into_iter().partition(|f| !is_service_file(&f.path));
    import_from(app, head, services.into_iter().map(Ok)).await
}

/// Checks and imports the catalogue folder `dir`, reading it a batch of files at a time.
pub async fn import_folder(app: &App, dir: &Path) -> Result<ImportReport, ImportError> {
    let folder = Folder::list(dir).map_err(|e| ImportError::Unreadable(anyhow::anyhow!("reading {}: {e}", dir.display())))?;
    import_from(app, folder.head().map_err(ImportError::Unreadable)?, folder.service_files()).await
}

/// Imports a catalogue: categories and agencies first, then the service files as they
/// come. All or nothing: the files are stored as they are checked, in one transaction
/// that commits only when every file passed.
async fn import_from(
    app: &App,
    head: Vec<SourceFile>,
    mut services: impl Iterator<Item = anyhow::Result<SourceFile>>,
) -> Result<ImportReport, ImportError> {
    let mut intake = Intake::new(&head);
    let now = app.clock.now();
    let mut tx = app.db.begin().await.map_err(anyhow::Error::from)?;
    // Nodes starting together each import the folder: they take turns, and each finds
    // the versions the one before it stored.
    store::lock_import(&mut tx, app.db.backend()).await.map_err(anyhow::Error::from)?;
    store::delete_files(&mut tx).await.map_err(anyhow::Error::from)?;
    for file in &head {
        store::insert_file(&mut tx, &file.path, &file.text, &hash(&file.text), now).await.map_err(anyhow::Error::from)?;
    }
    // Every stored version, read once under the lock: an import of the real portal's
    // 22,500 services would otherwise ask twice per service.
    let known = store::all_versions(&mut tx).await.map_err(anyhow::Error::from)?;
    let mut latest: HashMap<&str, i64> = HashMap::new();
    for ((code, _), version) in &known {
        let l = latest.entry(code.as_str()).or_default();
        *l = (*l).max(*version);
    }
    let mut new_versions = 0;
    let mut versions = HashMap::new();
    let mut next_batch = || services.by_ref().take(intake::BATCH).collect::<anyhow::Result<Vec<_>>>().map_err(ImportError::Unreadable);
    let mut parsing = intake::parse(intake.rules(), next_batch()?);
    loop {
        let parsed = parsing.await.map_err(anyhow::Error::from)?;
        if parsed.is_empty() {
            break;
        }
        // The next batch parses while this one is stored.
        parsing = intake::parse(intake.rules(), next_batch()?);
        for checked in intake.admit(parsed) {
            let Some(service) = checked.service.filter(|_| !intake.has_problems()) else { continue };
            let file = &checked.file;
            store::insert_file(&mut tx, &file.path, &file.text, &checked.hash, now).await.map_err(anyhow::Error::from)?;
            let code = service.code.get_ref();
            let version = match known.get(&(code.clone(), checked.hash.clone())) {
                Some(version) => *version,
                None => {
                    new_versions += 1;
                    let version = latest.get(code.as_str()).copied().unwrap_or(0) + 1;
                    store::insert_version(&mut tx, code, version, &service.agency, &checked.hash, &file.text, now)
                        .await
                        .map_err(anyhow::Error::from)?;
                    version
                }
            };
            versions.insert(code.clone(), version);
            intake.keep(&service);
        }
    }
    let (catalogue, index, digest) = intake.finish().map_err(ImportError::Invalid)?;
    store::set_digest(&mut tx, &digest, now).await.map_err(anyhow::Error::from)?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    let report = ImportReport { services: catalogue.services.len(), agencies: catalogue.agencies.len(), new_versions };
    // What was checked is what was stored: serve it without reading it all again.
    app.set_catalogue(Live::new(catalogue, index, versions, digest));
    Ok(report)
}

/// Stored service files read per query when a node loads the catalogue.
const LOAD_PAGE: i64 = 512;

/// Builds the live catalogue from what the database holds, a page of files at a time.
/// The files were checked when they were imported; they are checked again, because a
/// stored value that does not parse is an error, never a default.
pub async fn load(db: &Db) -> anyhow::Result<Live> {
    let mut conn = db.pool().acquire().await?;
    let head: Vec<SourceFile> =
        store::head_files(&mut conn).await?.into_iter().map(|f| SourceFile { path: f.path, text: f.source }).collect();
    if head.is_empty() {
        return Ok(Live::default());
    }
    let known = store::all_versions(&mut conn).await?;
    let mut intake = Intake::new(&head);
    let mut versions = HashMap::new();
    let mut after = String::new();
    let mut parsing = intake::parse(intake.rules(), Vec::new());
    loop {
        // A page is read while the one before it parses.
        let page = store::service_files_after(&mut conn, &after, LOAD_PAGE).await?;
        let done = page.is_empty();
        if let Some(last) = page.last() {
            after = last.path.clone();
        }
        let parsed = parsing.await?;
        parsing = intake::parse(intake.rules(), page.into_iter().map(|f| SourceFile { path: f.path, text: f.source }).collect());
        for checked in intake.admit(parsed) {
            let Some(service) = checked.service else { continue };
            let code = service.code.get_ref();
            if let Some(version) = known.get(&(code.clone(), checked.hash)) {
                versions.insert(code.clone(), *version);
            }
            intake.keep(&service);
        }
        if done {
            break;
        }
    }
    let (catalogue, index, digest) =
        intake.finish().map_err(|problems| anyhow::anyhow!("the stored catalogue is invalid: {}", problems[0]))?;
    Ok(Live::new(catalogue, index, versions, digest))
}

/// Reloads the catalogue when the database holds a different one than this node serves
/// (another node or `huduma catalogue import` imported it); returns whether it did.
pub async fn refresh(app: &App) -> anyhow::Result<bool> {
    let stored = store::digest(&mut *app.db.pool().acquire().await?).await?;
    match stored {
        Some(digest) if digest != app.catalogue().digest => {
            let live = load(&app.db).await?;
            tracing::info!(services = live.catalogue.services.len(), "catalogue changed in the database; now serving it");
            app.set_catalogue(live);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Keeps this node's catalogue the same as the database's, every [`WATCH_INTERVAL`].
pub async fn watch(app: Arc<App>) {
    let mut interval = tokio::time::interval(WATCH_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(err) = refresh(&app).await {
            tracing::error!(error = %format!("{err:#}"), "checking the stored catalogue failed");
        }
    }
}

/// At start-up: import the folder when there is one (problems are logged and the stored
/// catalogue stays live), then serve what the database holds.
pub async fn start(app: &App) -> anyhow::Result<()> {
    let mut imported = false;
    if let Some(dir) = &app.config.catalogue_dir {
        match import_folder(app, dir).await {
            Ok(report) => {
                tracing::info!(
                    services = report.services,
                    agencies = report.agencies,
                    new_versions = report.new_versions,
                    "catalogue imported"
                );
                imported = true;
            }
            Err(ImportError::Invalid(problems)) => {
                for problem in &problems {
                    tracing::error!("{problem}");
                }
                tracing::error!(problems = problems.len(), "catalogue not imported; the previous catalogue stays live");
            }
            Err(ImportError::Unreadable(err)) => {
                tracing::error!(error = %format!("{err:#}"), dir = %dir.display(), "catalogue folder unreadable; the previous catalogue stays live");
            }
            Err(ImportError::Internal(err)) => return Err(err),
        }
    }
    if !imported {
        app.set_catalogue(load(&app.db).await?);
    }
    Ok(())
}

impl App {
    /// The catalogue being served.
    pub fn catalogue(&self) -> Arc<Live> {
        self.catalogue.read().map(|live| live.clone()).unwrap_or_default()
    }

    /// Replaces the catalogue being served.
    pub fn set_catalogue(&self, live: Live) {
        let old = self.catalogue.write().ok().map(|mut slot| std::mem::replace(&mut *slot, Arc::new(live)));
        drop(old);
    }
}
