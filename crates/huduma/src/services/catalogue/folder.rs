//! A catalogue folder on disk: `categories.toml` and one level of agency folders, each
//! with its `agency.toml` and a file per service.

use huduma_domain::catalogue::{SourceFile, is_service_file};
use std::path::{Path, PathBuf};

/// The files of a catalogue folder, listed but not yet read: a large catalogue is read a
/// batch at a time ([`Folder::service_files`]).
#[derive(Debug)]
pub struct Folder {
    /// Relative path and full path of every `.toml` file, in path order.
    files: Vec<(String, PathBuf)>,
}

impl Folder {
    /// Lists the `.toml` files of `dir`.
    pub fn list(dir: &Path) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        let is_toml = |path: &Path| path.extension().is_some_and(|e| e == "toml");
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut inner: Vec<_> = std::fs::read_dir(&path)?.collect::<Result<_, _>>()?;
                inner.sort_by_key(|e| e.file_name());
                for file in inner.into_iter().filter(|f| is_toml(&f.path())) {
                    files.push((format!("{name}/{}", file.file_name().to_string_lossy()), file.path()));
                }
            } else if is_toml(&path) {
                files.push((name, path));
            }
        }
        Ok(Self { files })
    }

    /// `categories.toml` and every `agency.toml`, read.
    pub fn head(&self) -> anyhow::Result<Vec<SourceFile>> {
        self.files.iter().filter(|(p, _)| !is_service_file(p)).map(read).collect()
    }

    /// The service files, each read when the iterator reaches it.
    pub fn service_files(&self) -> impl Iterator<Item = anyhow::Result<SourceFile>> + '_ {
        self.files.iter().filter(|(p, _)| is_service_file(p)).map(read)
    }
}

fn read((relative, path): &(String, PathBuf)) -> anyhow::Result<SourceFile> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    Ok(SourceFile { path: relative.clone(), text })
}

/// Reads every `.toml` file of a catalogue folder at once (tools and tests; imports read
/// a batch at a time).
pub fn read_folder(dir: &Path) -> anyhow::Result<Vec<SourceFile>> {
    let folder = Folder::list(dir)?;
    let mut files = folder.head()?;
    files.extend(folder.service_files().collect::<anyhow::Result<Vec<_>>>()?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
