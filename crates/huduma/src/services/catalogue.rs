//! Importing the catalogue files and keeping the live catalogue in memory.
//!
//! Import is all or nothing: the files are checked as a whole, and only a fully valid
//! catalogue replaces the live one. Each service whose content changed gets a new version,
//! so applications started on an earlier version keep their form.

use crate::app::App;
use crate::store::{Db, catalogue as store};
use huduma_domain::catalogue::{Problem, SourceFile, check};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub use crate::live_catalogue::{Live, SearchResult, ServiceCard};

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files have problems; nothing was imported.
    #[error("{} problem(s) in the catalogue", .0.len())]
    Invalid(Vec<Problem>),
    /// Reading the folder or writing the database failed.
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

/// Reads every `.toml` file of a catalogue folder (`categories.toml` and one level of
/// agency folders).
pub fn read_folder(dir: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    let mut visit = |path: &Path, relative: String| -> anyhow::Result<()> {
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(SourceFile { path: relative, text: std::fs::read_to_string(path)? });
        }
        Ok(())
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut inner: Vec<_> = std::fs::read_dir(&path)?.collect::<Result<_, _>>()?;
            inner.sort_by_key(|e| e.file_name());
            for file in inner {
                visit(&file.path(), format!("{name}/{}", file.file_name().to_string_lossy()))?;
            }
        } else {
            visit(&path, name)?;
        }
    }
    Ok(files)
}

fn hash(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One digest for a whole set of files, whatever order they come in: what nodes compare
/// to notice that another node imported something different.
fn digest_of(files: &[SourceFile]) -> String {
    let mut entries: Vec<(&str, String)> = files.iter().map(|f| (f.path.as_str(), hash(&f.text))).collect();
    entries.sort_unstable();
    let mut digest = Sha256::new();
    for (path, hash) in entries {
        digest.update(path.as_bytes());
        digest.update([0]);
        digest.update(hash.as_bytes());
        digest.update([b'\n']);
    }
    hex(&digest.finalize())
}

/// How often every node asks whether the stored catalogue changed: an import on one node
/// is live on the others within this (plus the reload itself).
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks and imports catalogue files, then makes them live in `app`.
pub async fn import(app: &App, files: Vec<SourceFile>) -> Result<ImportReport, ImportError> {
    let catalogue = check(&files).map_err(ImportError::Invalid)?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await.map_err(anyhow::Error::from)?;
    // Nodes starting together each import the folder: they take turns, and each finds
    // the versions the one before it stored.
    store::lock_import(&mut tx, app.db.backend()).await.map_err(anyhow::Error::from)?;
    let mut new_versions = 0;
    let mut versions = HashMap::new();
    let by_path: HashMap<&str, &SourceFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    for service in &catalogue.services {
        let Some(file) = by_path.get(format!("{}/{}.toml", service.agency, service.code.get_ref()).as_str()) else { continue };
        let digest = hash(&file.text);
        let code = service.code.get_ref();
        let version = match store::version_of(&mut tx, code, &digest).await.map_err(anyhow::Error::from)? {
            Some(version) => version,
            None => {
                new_versions += 1;
                store::add_version(&mut tx, code, &service.agency, &digest, &file.text, now).await.map_err(anyhow::Error::from)?
            }
        };
        versions.insert(code.clone(), version);
    }
    let rows: Vec<(String, String, String)> = files.iter().map(|f| (f.path.clone(), f.text.clone(), hash(&f.text))).collect();
    store::replace_files(&mut tx, &rows, now).await.map_err(anyhow::Error::from)?;
    let digest = digest_of(&files);
    store::set_digest(&mut tx, &digest, now).await.map_err(anyhow::Error::from)?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    let report = ImportReport { services: catalogue.services.len(), agencies: catalogue.agencies.len(), new_versions };
    // The checked catalogue is what was stored: serve it without parsing it all again.
    app.set_catalogue(Live::new(catalogue, versions, digest));
    Ok(report)
}

/// Builds the live catalogue from what the database holds.
pub async fn load(db: &Db) -> anyhow::Result<Live> {
    let mut conn = db.pool().acquire().await?;
    let stored = store::files(&mut conn).await?;
    let files: Vec<SourceFile> = stored.into_iter().map(|f| SourceFile { path: f.path, text: f.source }).collect();
    if files.is_empty() {
        return Ok(Live::default());
    }
    let catalogue = check(&files).map_err(|problems| anyhow::anyhow!("the stored catalogue is invalid: {}", problems[0]))?;
    let mut versions = HashMap::new();
    for file in &files {
        let Some((agency, name)) = file.path.split_once('/') else { continue };
        let code = name.trim_end_matches(".toml");
        if name != "agency.toml"
            && catalogue.service(code).is_some_and(|s| s.agency == agency)
            && let Some(version) = store::version_of(&mut conn, code, &hash(&file.text)).await?
        {
            versions.insert(code.to_owned(), version);
        }
    }
    Ok(Live::new(catalogue, versions, digest_of(&files)))
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
        match read_folder(dir).map_err(ImportError::Internal) {
            Ok(files) => match import(app, files).await {
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
                Err(ImportError::Internal(err)) => return Err(err),
            },
            Err(err) => tracing::error!(error = %err, dir = %dir.display(), "catalogue folder unreadable"),
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
        if let Ok(mut slot) = self.catalogue.write() {
            *slot = Arc::new(live);
        }
    }
}
