//! Where uploaded documents are kept: the `object_store` crate over a local directory by
//! default, or any S3-compatible store. Nothing here is under a public path; the portal
//! streams each file to whoever is allowed to read it.
//!
//! An S3 store that is down must fail an upload in seconds, not minutes: the citizen is
//! waiting on the page. The client's retries and timeouts are therefore tighter than
//! `object_store`'s defaults (ten retries over up to three minutes), see [`retry_policy`]
//! and [`client_options`].

use crate::secret::Secret;
use anyhow::Context;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use std::sync::Arc;
use std::time::Duration;

/// The store of uploaded files.
pub type Blobs = Arc<dyn ObjectStore>;

/// How the portal reaches an S3-compatible store. A field left unset falls back to the
/// `AWS_*` variable `object_store` reads (`AWS_ENDPOINT`, `AWS_REGION`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), then to its default.
#[derive(Debug, Clone, Default)]
pub struct S3Settings {
    /// Base URL of the store, e.g. `http://127.0.0.1:3900` for Garage; an `http://`
    /// endpoint allows plain HTTP. Unset: Amazon S3 itself.
    pub endpoint: Option<String>,
    /// Region the requests are signed for (Garage's default is `garage`).
    pub region: Option<String>,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key, used to sign every request (SigV4).
    pub secret_access_key: Option<Secret>,
}

/// Opens the store named by `url`: `file:///abs/path` or `s3://bucket[/prefix]`, the
/// latter reached as `s3` says.
pub fn open(url: &str, s3: &S3Settings) -> anyhow::Result<Blobs> {
    let parsed = url::Url::parse(url).with_context(|| format!("storage URL `{url}`"))?;
    match parsed.scheme() {
        "file" => {
            let path = parsed.to_file_path().map_err(|()| anyhow::anyhow!("storage URL `{url}` is not a local path"))?;
            std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
            Ok(Arc::new(LocalFileSystem::new_with_prefix(&path)?))
        }
        "s3" => {
            let store = s3_builder(url, s3).build().context("configuring S3 storage")?;
            let prefix = parsed.path().trim_matches('/');
            if prefix.is_empty() { Ok(Arc::new(store)) } else { Ok(Arc::new(object_store::prefix::PrefixStore::new(store, prefix))) }
        }
        other => anyhow::bail!("storage URL scheme `{other}` is not supported: use file:// or s3://"),
    }
}

/// Our client options and retry policy first, then the `AWS_*` environment, then the
/// portal's own settings, then the bucket from the URL. `AmazonS3Builder::from_env` is not
/// used because setting client options after it would throw away `AWS_ALLOW_HTTP` and
/// the other client settings it read.
fn s3_builder(url: &str, s3: &S3Settings) -> AmazonS3Builder {
    let mut builder = AmazonS3Builder::new().with_client_options(client_options()).with_retry(retry_policy());
    for (key, value) in std::env::vars() {
        if key.starts_with("AWS_")
            && let Ok(config_key) = key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>()
        {
            builder = builder.with_config(config_key, value);
        }
    }
    if let Some(endpoint) = &s3.endpoint {
        builder = builder.with_endpoint(endpoint);
        if endpoint.starts_with("http://") {
            builder = builder.with_allow_http(true);
        }
    }
    if let Some(region) = &s3.region {
        builder = builder.with_region(region);
    }
    if let Some(key_id) = &s3.access_key_id {
        builder = builder.with_access_key_id(key_id);
    }
    if let Some(secret) = &s3.secret_access_key {
        builder = builder.with_secret_access_key(secret.expose());
    }
    builder.with_url(url)
}

/// Connect within 2 s (a store on the portal's network answers in milliseconds; an
/// address that swallows packets should not hold the citizen for reqwest's 5 s per try),
/// and finish a request within 30 s (a 25 MB upload at under 1 MB/s).
fn client_options() -> ClientOptions {
    ClientOptions::new().with_connect_timeout(Duration::from_secs(2)).with_timeout(Duration::from_secs(30))
}

/// Two retries, 0.1 s then at most 1 s apart, and none once 5 s have passed: a refused
/// connection fails the request in well under a second, a black-holed address in about
/// 6 s (three 2 s connect attempts), a store that accepts and never answers after the
/// 30 s request timeout. A store restarting rides through the retries.
fn retry_policy() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig { init_backoff: Duration::from_millis(100), max_backoff: Duration::from_secs(1), base: 2.0 },
        max_retries: 2,
        retry_timeout: Duration::from_secs(5),
    }
}

/// Whether a store error means the store itself could not be used — unreachable, timing
/// out, failing, or refusing the portal's credentials — rather than a problem with one
/// object. Such a request can be tried again later; nothing was stored or read.
pub fn is_outage(err: &object_store::Error) -> bool {
    matches!(
        err,
        object_store::Error::Generic { .. } | object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    )
}
