//! The store a team shares an incident through: S3 (and S3-compatible stores), GCS, Azure or a plain
//! folder, through the `object_store` crate. sitrep asks four things of it: read a key, create a key
//! only if it is absent, list keys after one, and list the folders under a prefix. [`Blobs`] is
//! that much, so tests can wrap a store to inject faults; [`Store`] adds the URL's prefix.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};

/// How long one request to the store may take. `object_store`'s own default is 30 s, retried for
/// up to 3 minutes: a responder waiting on a laptop's Wi-Fi needs an answer sooner, so sitrep
/// retries in its own loop instead.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// What a create-only write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// The object is ours.
    Created,
    /// The key was taken (412), or a write to it is in flight (409): read it to learn by whom.
    Taken,
}

/// A store request that failed (the store is unreachable, refused us, or answered nonsense).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

impl StoreError {
    fn of(what: &str, key: &str, e: &object_store::Error) -> StoreError {
        StoreError(format!("{what} {key}: {}", first_line(&e.to_string())))
    }
}

/// The first line of an error, at most 300 characters: the crate's errors can carry whole
/// responses.
fn first_line(text: &str) -> String {
    // A store's answer is foreign text on its way to a terminal.
    let line = crate::core::sanitize::sanitize(text.lines().next().unwrap_or_default().as_bytes());
    crate::core::text::cut(&line, 300).into_owned()
}

/// A result from the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// The few operations sitrep needs from an object store, keys relative to the store's root.
pub trait Blobs: Send + Sync + 'static {
    /// The object's bytes, `None` when there is none.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<Bytes>>>;
    /// Creates the object only if the key is free.
    fn create<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<Put>>;
    /// The keys under `prefix` (a folder, ending in `/`), sorted, after `after` when given.
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, StoreResult<Vec<String>>>;
    /// The names of the folders right under `prefix` (ending in `/`, or empty for the root).
    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>>;
    /// Removes an object (the create-only probe cleans up after itself).
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<()>>;
    /// Writes the object whether or not it exists (a heartbeat, never an event): by default a
    /// removal, then a create.
    fn put<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            self.delete(key).await?;
            self.create(key, body).await.map(|_| ())
        })
    }
}

/// [`Blobs`] over any `object_store` store.
#[derive(Debug, Clone)]
pub struct ObjectBlobs {
    inner: Arc<dyn ObjectStore>,
}

impl ObjectBlobs {
    /// Wraps a store.
    pub fn new(inner: Arc<dyn ObjectStore>) -> ObjectBlobs {
        ObjectBlobs { inner }
    }
}

fn path(key: &str) -> object_store::path::Path {
    object_store::path::Path::from(key)
}

impl Blobs for ObjectBlobs {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<Bytes>>> {
        Box::pin(async move {
            match self.inner.get(&path(key)).await {
                Ok(got) => got
                    .bytes()
                    .await
                    .map(Some)
                    .map_err(|e| StoreError::of("reading", key, &e)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(StoreError::of("reading", key, &e)),
            }
        })
    }

    fn create<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<Put>> {
        Box::pin(async move {
            let opts = PutOptions {
                mode: PutMode::Create,
                ..PutOptions::default()
            };
            match self
                .inner
                .put_opts(&path(key), PutPayload::from_bytes(body), opts)
                .await
            {
                Ok(_) => Ok(Put::Created),
                // 412 and 409 both land here (and a folder's existing file).
                Err(
                    object_store::Error::AlreadyExists { .. }
                    | object_store::Error::Precondition { .. },
                ) => Ok(Put::Taken),
                Err(e) => Err(StoreError::of("writing", key, &e)),
            }
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        Box::pin(async move {
            let folder = path(prefix);
            let mut stream = match after {
                Some(after) => self.inner.list_with_offset(Some(&folder), &path(after)),
                None => self.inner.list(Some(&folder)),
            };
            let mut keys = Vec::new();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(meta) => keys.push(meta.location.to_string()),
                    Err(object_store::Error::NotFound { .. }) => break,
                    Err(e) => return Err(StoreError::of("listing", prefix, &e)),
                }
            }
            keys.sort();
            Ok(keys)
        })
    }

    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        Box::pin(async move {
            let folder = (!prefix.is_empty()).then(|| path(prefix));
            match self.inner.list_with_delimiter(folder.as_ref()).await {
                Ok(listed) => {
                    let mut names: Vec<String> = listed
                        .common_prefixes
                        .iter()
                        .filter_map(|p| p.filename().map(str::to_string))
                        .collect();
                    names.sort();
                    Ok(names)
                }
                Err(object_store::Error::NotFound { .. }) => Ok(Vec::new()),
                Err(e) => Err(StoreError::of("listing", prefix, &e)),
            }
        })
    }

    fn put<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            self.inner
                .put(&path(key), PutPayload::from_bytes(body))
                .await
                .map(|_| ())
                .map_err(|e| StoreError::of("writing", key, &e))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            match self.inner.delete(&path(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(StoreError::of("removing", key, &e)),
            }
        })
    }
}

/// Which kind of store a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `s3://bucket/prefix` (AWS or an S3-compatible store through an endpoint).
    S3,
    /// `gs://bucket/prefix` (untested here).
    Gcs,
    /// `az://container/prefix` (untested here).
    Azure,
    /// `file:///path`: a folder on a jump host or a network share.
    Folder,
}

/// A parsed `[share] url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareUrl {
    /// The URL as written.
    pub text: String,
    /// Which store.
    pub kind: Kind,
    /// The bucket or container (the folder's path for `file://`).
    pub bucket: String,
    /// The prefix inside it, without slashes at either end (may be empty).
    pub prefix: String,
}

impl std::fmt::Display for ShareUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for ShareUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<ShareUrl, String> {
        const FORMS: &str = "s3://bucket/prefix, file:///path/to/folder, gs://bucket/prefix or az://container/prefix";
        let text = text.trim();
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(format!("`{text}` is not a store URL: expected {FORMS}"));
        };
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => Kind::S3,
            "gs" => Kind::Gcs,
            "az" | "azure" | "abfs" | "abfss" => Kind::Azure,
            "file" => Kind::Folder,
            other => {
                return Err(format!(
                    "`{other}://` is not a store sitrep can share through: expected {FORMS}"
                ));
            }
        };
        if rest.contains('@') && kind != Kind::Folder {
            return Err(
                "the store URL holds `user@`: credentials come from the environment (or an AWS profile), never from the config"
                    .into(),
            );
        }
        if kind == Kind::Folder {
            let folder = rest.trim_end_matches('/');
            if !folder.starts_with('/') {
                return Err(format!(
                    "`{text}`: a folder is named by its absolute path, file:///mnt/oncall/incidents"
                ));
            }
            return Ok(ShareUrl {
                text: text.to_string(),
                kind,
                bucket: folder.to_string(),
                prefix: String::new(),
            });
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("`{text}` names no bucket: expected {FORMS}"));
        }
        Ok(ShareUrl {
            text: text.to_string(),
            kind,
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }
}

/// How to reach a store besides its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// An S3-compatible endpoint (`http://127.0.0.1:9000`); default: AWS, or `AWS_ENDPOINT_URL`.
    pub endpoint: Option<String>,
    /// The AWS region (default: `AWS_REGION` / `AWS_DEFAULT_REGION`).
    pub region: Option<String>,
    /// An AWS profile whose credentials come through the aws CLI (SSO and the like); default:
    /// `AWS_PROFILE`, when no key is in the environment.
    pub profile: Option<String>,
}

impl Reach {
    /// The AWS profile to read credentials from: the config's, else `AWS_PROFILE`, and only when
    /// the environment holds no key (keys in the environment win, as for the aws CLI).
    pub fn aws_profile(&self) -> Option<String> {
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty()) {
            return None;
        }
        self.profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .filter(|p| !p.is_empty())
    }
}

/// A store and the prefix a team's incidents live under.
#[derive(Clone)]
pub struct Store {
    blobs: Arc<dyn Blobs>,
    prefix: String,
    /// The URL, as said to people.
    pub url: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("url", &self.url).finish()
    }
}

impl Store {
    /// A store over any [`Blobs`] (tests wrap one to inject faults), incidents under `prefix`.
    pub fn over(blobs: Arc<dyn Blobs>, prefix: &str, url: &str) -> Store {
        Store {
            blobs,
            prefix: prefix.trim_matches('/').to_string(),
            url: url.to_string(),
        }
    }

    /// Connects to the store a URL names. Nothing is requested yet.
    pub fn open(url: &ShareUrl, reach: &Reach) -> Result<Store, String> {
        let inner = build(url, reach)?;
        Ok(Store::over(
            Arc::new(ObjectBlobs::new(inner)),
            &url.prefix,
            &url.text,
        ))
    }

    fn full(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }

    fn relative(&self, key: String) -> String {
        if self.prefix.is_empty() {
            key
        } else {
            key.strip_prefix(&format!("{}/", self.prefix))
                .map_or(key.clone(), str::to_string)
        }
    }

    /// The object's bytes, `None` when there is none.
    pub async fn get(&self, key: &str) -> StoreResult<Option<Bytes>> {
        bounded(key, self.blobs.get(&self.full(key))).await
    }

    /// Creates the object only if the key is free.
    pub async fn create(&self, key: &str, body: Bytes) -> StoreResult<Put> {
        bounded(key, self.blobs.create(&self.full(key), body)).await
    }

    /// The keys (relative to the prefix) under a folder, sorted, after `after` when given.
    pub async fn list(&self, folder: &str, after: Option<&str>) -> StoreResult<Vec<String>> {
        let after = after.map(|a| self.full(a));
        let keys = bounded(folder, self.blobs.list(&self.full(folder), after.as_deref())).await?;
        Ok(keys.into_iter().map(|k| self.relative(k)).collect())
    }

    /// Writes the object whether or not it exists: for heartbeats only, never for events.
    pub async fn put(&self, key: &str, body: Bytes) -> StoreResult<()> {
        bounded(key, self.blobs.put(&self.full(key), body)).await
    }

    /// Removes an object.
    pub async fn delete(&self, key: &str) -> StoreResult<()> {
        bounded(key, self.blobs.delete(&self.full(key))).await
    }

    /// The folders right under the prefix: the incidents.
    pub async fn folders(&self) -> StoreResult<Vec<String>> {
        bounded(&self.prefix, self.blobs.folders(&self.prefix)).await
    }

    /// Checks that the store refuses a second create of one key: a store that accepts it (some
    /// S3-compatible stores ignore `If-None-Match`) would let two laptops fork the chain.
    pub async fn check_create_only(&self) -> StoreResult<()> {
        let key = format!(".sitrep-probe/{}", super::layout::new_id());
        let body = Bytes::from_static(b"sitrep create-only probe\n");
        let first = self.create(&key, body.clone()).await?;
        let second = self.create(&key, body).await;
        let _ = bounded(&key, self.blobs.delete(&self.full(&key))).await;
        match (first, second?) {
            (Put::Created, Put::Taken) => Ok(()),
            (Put::Taken, _) => Err(StoreError(format!(
                "a fresh probe key {key} was already taken: the store answers every create as taken"
            ))),
            (Put::Created, Put::Created) => Err(StoreError(format!(
                "{} accepted a second create of one key ({key}): it ignores If-None-Match, so two responders could both write event N and fork the timeline. Use a store that supports conditional writes (AWS S3, MinIO, R2, GCS, Azure) or a folder",
                self.url
            ))),
        }
    }
}

/// The longest one request may take, whatever the store: a folder on a hung network mount has no
/// timeout of its own (its calls block in a thread), and an HTTP request with its one retry stays
/// well inside this.
const REQUEST_LIMIT: Duration = Duration::from_secs(10);

async fn bounded<T>(
    what: &str,
    request: impl std::future::Future<Output = StoreResult<T>>,
) -> StoreResult<T> {
    tokio::time::timeout(REQUEST_LIMIT, request)
        .await
        .unwrap_or_else(|_| {
            Err(StoreError(format!(
                "{what}: no answer within {} s",
                REQUEST_LIMIT.as_secs()
            )))
        })
}

/// Builds the `object_store` client for a URL: short request timeouts and one internal retry
/// (sitrep's loop backs off), the folder syncing what it writes.
fn build(url: &ShareUrl, reach: &Reach) -> Result<Arc<dyn ObjectStore>, String> {
    use object_store::{BackoffConfig, ClientOptions, RetryConfig};
    // `object_store` builds its reqwest client itself: TLS through ring, as every client here.
    crate::core::http::install_crypto_provider();
    let endpoint = reach
        .endpoint
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
    let client = ClientOptions::new()
        .with_timeout(REQUEST_TIMEOUT)
        .with_connect_timeout(Duration::from_secs(3))
        .with_allow_http(endpoint.as_deref().is_some_and(|e| e.starts_with("http://")));
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        // A retry only inside 3 s of the first try: a refused connection is tried again, a
        // request that hung for its 5 s is not (a hung store is said within one timeout).
        max_retries: 1,
        retry_timeout: Duration::from_secs(3),
    };
    let store: Arc<dyn ObjectStore> = match url.kind {
        Kind::Folder => {
            std::fs::create_dir_all(&url.bucket)
                .map_err(|e| format!("cannot make the shared folder {}: {e}", url.bucket))?;
            let local = object_store::local::LocalFileSystem::new_with_prefix(&url.bucket)
                .map_err(|e| format!("{}: {}", url.text, first_line(&e.to_string())))?;
            Arc::new(local.with_fsync(true))
        }
        Kind::S3 => {
            let mut b = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(&url.bucket)
                .with_client_options(client)
                .with_retry(retry);
            if let Some(endpoint) = endpoint {
                b = b.with_endpoint(endpoint);
            }
            if let Some(region) = &reach.region {
                b = b.with_region(region);
            }
            if let Some(profile) = reach.aws_profile() {
                b = b.with_credentials(Arc::new(super::credentials::AwsProfile::new(&profile)));
            }
            Arc::new(b.build().map_err(|e| cannot(url, &e))?)
        }
        Kind::Gcs => Arc::new(
            object_store::gcp::GoogleCloudStorageBuilder::from_env()
                .with_bucket_name(&url.bucket)
                .with_client_options(client)
                .with_retry(retry)
                .build()
                .map_err(|e| cannot(url, &e))?,
        ),
        Kind::Azure => Arc::new(
            object_store::azure::MicrosoftAzureBuilder::from_env()
                .with_container_name(&url.bucket)
                .with_client_options(client)
                .with_retry(retry)
                .build()
                .map_err(|e| cannot(url, &e))?,
        ),
    };
    Ok(store)
}

fn cannot(url: &ShareUrl, e: &object_store::Error) -> String {
    format!("cannot use {}: {}", url.text, first_line(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_say_which_store_and_refuse_what_is_not_one() {
        let s3: ShareUrl = "s3://team-bucket/incidents/".parse().unwrap();
        assert_eq!((s3.kind, s3.bucket.as_str(), s3.prefix.as_str()), (Kind::S3, "team-bucket", "incidents"));
        let folder: ShareUrl = "file:///mnt/oncall/incidents".parse().unwrap();
        assert_eq!((folder.kind, folder.bucket.as_str()), (Kind::Folder, "/mnt/oncall/incidents"));
        let gs: ShareUrl = "gs://b".parse().unwrap();
        assert_eq!((gs.kind, gs.prefix.as_str()), (Kind::Gcs, ""));
        for (bad, says) in [
            ("bucket/incidents", "not a store URL"),
            ("ftp://host/x", "`ftp://` is not a store"),
            ("s3://", "names no bucket"),
            ("file://relative/path", "absolute path"),
            ("s3://key:secret@bucket/x", "never from the config"),
        ] {
            let err = bad.parse::<ShareUrl>().unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
