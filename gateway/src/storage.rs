//! Object storage for audio and images, through `object_store`: a local
//! directory by default, S3 in production (builds with the `s3` feature).

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("ENCORE_STORAGE_URL {0:?}: {1}")]
    Config(String, String),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
}

/// The configured store; cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// The same store when it is a local directory, which can name a
    /// file's path for a process that reads it itself (ffmpeg).
    local: Option<Arc<LocalFileSystem>>,
}

impl Storage {
    /// Opens `file:///absolute/dir` (created if missing) or `s3://bucket/prefix`.
    pub fn open(url: &str) -> Result<Self, StorageError> {
        let bad = |why: &str| StorageError::Config(url.to_string(), why.to_string());
        if let Some(dir) = url.strip_prefix("file://") {
            if !dir.starts_with('/') {
                return Err(bad("a file:// URL needs an absolute path"));
            }
            std::fs::create_dir_all(dir).map_err(|e| bad(&e.to_string()))?;
            let local = Arc::new(LocalFileSystem::new_with_prefix(dir)?);
            return Ok(Storage {
                store: local.clone(),
                local: Some(local),
            });
        }
        if url.starts_with("s3://") {
            return open_s3(url).map_err(|why| bad(&why));
        }
        Err(bad("use file:///absolute/dir or s3://bucket/prefix"))
    }

    /// A store in memory: not a local directory, so its objects are read
    /// through `object_store` as S3's would be.
    #[cfg(test)]
    pub fn in_memory() -> Self {
        Storage {
            store: Arc::new(object_store::memory::InMemory::new()),
            local: None,
        }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        self.store
            .put(&Path::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    /// The whole object, or `None` when it does not exist.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, StorageError> {
        match self.store.get(&Path::from(key)).await {
            Ok(result) => Ok(Some(result.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Bytes `start..end` of an object.
    pub async fn get_range(&self, key: &str, start: u64, end: u64) -> Result<Bytes, StorageError> {
        Ok(self.store.get_range(&Path::from(key), start..end).await?)
    }

    /// Bytes `start..end` of an object as a streaming response body, so a
    /// large file is never held in memory whole.
    pub async fn stream_range(
        &self,
        key: &str,
        start: u64,
        end: u64,
    ) -> Result<axum::body::Body, StorageError> {
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..end)),
            ..GetOptions::default()
        };
        let result = self.store.get_opts(&Path::from(key), options).await?;
        Ok(axum::body::Body::from_stream(result.into_stream()))
    }

    /// The object's file, when the store is a local directory and the
    /// object exists.
    pub async fn local_path(&self, key: &str) -> Option<PathBuf> {
        let path = self
            .local
            .as_ref()?
            .path_to_filesystem(&Path::from(key))
            .ok()?;
        tokio::fs::metadata(&path)
            .await
            .is_ok_and(|m| m.is_file())
            .then_some(path)
    }

    /// The whole object as a stream of chunks (a transcoder's input).
    pub async fn stream(
        &self,
        key: &str,
    ) -> Result<futures_util::stream::BoxStream<'static, object_store::Result<Bytes>>, StorageError>
    {
        Ok(self.store.get(&Path::from(key)).await?.into_stream())
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl Storage {
    /// Deletes every object of the store (under its prefix); how many. For
    /// a scratch store that is done with, such as a test run's.
    pub async fn delete_all(&self) -> Result<usize, StorageError> {
        use futures_util::StreamExt;
        let mut listed = self.store.list(None);
        let mut deleted = 0;
        while let Some(object) = listed.next().await {
            self.delete(object?.location.as_ref()).await?;
            deleted += 1;
        }
        Ok(deleted)
    }
}

/// `s3://bucket/prefix`, with credentials, region and endpoint from the
/// usual `AWS_*` variables (`AmazonS3Builder::from_env`: `AWS_ENDPOINT` and
/// `AWS_ALLOW_HTTP` reach an S3-compatible server), every key under `prefix`.
#[cfg(feature = "s3")]
fn open_s3(url: &str) -> Result<Storage, String> {
    let parsed = url.parse::<url::Url>().map_err(|e| e.to_string())?;
    let bucket = parsed
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or("an s3:// URL names its bucket: s3://bucket/prefix")?;
    let s3 = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .map_err(|e| e.to_string())?;
    let prefix = parsed.path().trim_matches('/');
    let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(s3)
    } else {
        Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
    };
    Ok(Storage { store, local: None })
}

#[cfg(not(feature = "s3"))]
fn open_s3(_: &str) -> Result<Storage, String> {
    Err("this gateway was built without S3 support; build it with `--features s3`".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_directory_round_trip_and_ranges() {
        let dir = std::env::temp_dir().join(format!("encore-storage-{}", uuid::Uuid::new_v4()));
        let storage = Storage::open(&format!("file://{}", dir.display())).unwrap();
        storage
            .put("audio/a.bin", Bytes::from_static(b"0123456789"))
            .await
            .unwrap();
        assert_eq!(
            storage.get("audio/a.bin").await.unwrap().unwrap(),
            &b"0123456789"[..]
        );
        assert_eq!(
            storage.get_range("audio/a.bin", 2, 5).await.unwrap(),
            &b"234"[..]
        );
        assert_eq!(storage.get("audio/missing").await.unwrap(), None);
        let file = storage.local_path("audio/a.bin").await.unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"0123456789");
        assert_eq!(storage.local_path("audio/missing").await, None);
        storage.delete("audio/a.bin").await.unwrap();
        storage.delete("audio/a.bin").await.unwrap();
        assert_eq!(storage.get("audio/a.bin").await.unwrap(), None);
        for key in ["a/1", "b/2"] {
            storage.put(key, Bytes::from_static(b"x")).await.unwrap();
        }
        assert_eq!(storage.delete_all().await.unwrap(), 2);
        assert_eq!(storage.get("a/1").await.unwrap(), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn refuses_relative_and_unknown_urls() {
        assert!(Storage::open("file://relative/dir").is_err());
        assert!(Storage::open("ftp://x").is_err());
    }
}
