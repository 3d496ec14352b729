//! Where uploaded documents are kept: the `object_store` crate over a local directory by
//! default, or any S3-compatible store. Nothing here is under a public path; the portal
//! streams each file to whoever is allowed to read it.

use anyhow::Context;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use std::sync::Arc;

/// The store of uploaded files.
pub type Blobs = Arc<dyn ObjectStore>;

/// Opens the store named by `url`: `file:///abs/path` or `s3://bucket[/prefix]`.
/// S3 credentials, region and endpoint come from the usual `AWS_*` variables.
pub fn open(url: &str) -> anyhow::Result<Blobs> {
    let parsed = url::Url::parse(url).with_context(|| format!("storage URL `{url}`"))?;
    match parsed.scheme() {
        "file" => {
            let path = parsed.to_file_path().map_err(|()| anyhow::anyhow!("storage URL `{url}` is not a local path"))?;
            std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
            Ok(Arc::new(LocalFileSystem::new_with_prefix(&path)?))
        }
        "s3" => {
            let store = object_store::aws::AmazonS3Builder::from_env().with_url(url).build().context("configuring S3 storage")?;
            let prefix = parsed.path().trim_matches('/');
            if prefix.is_empty() { Ok(Arc::new(store)) } else { Ok(Arc::new(object_store::prefix::PrefixStore::new(store, prefix))) }
        }
        other => anyhow::bail!("storage URL scheme `{other}` is not supported: use file:// or s3://"),
    }
}
