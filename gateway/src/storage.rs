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

#[cfg(feature = "s3")]
fn open_s3(url: &str) -> Result<Storage, String> {
    let parsed = url.parse::<url::Url>().map_err(|e| e.to_string())?;
    let (store, _) =
        object_store::parse_url_opts(&parsed, std::env::vars()).map_err(|e| e.to_string())?;
    Ok(Storage {
        store: Arc::from(store),
        local: None,
    })
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
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn refuses_relative_and_unknown_urls() {
        assert!(Storage::open("file://relative/dir").is_err());
        assert!(Storage::open("ftp://x").is_err());
    }
}
