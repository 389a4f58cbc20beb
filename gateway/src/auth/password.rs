//! Password hashing with Argon2id (the `argon2` crate's defaults: 19 MiB,
//! 2 passes) on a few threads of its own, one per core, each reusing one
//! working memory.
//!
//! Why: the crate's `hash_password` and `verify_password` allocate their
//! 19 MiB afresh on every call, and glibc does not give that memory back
//! (RustCrypto/password-hashes#478): the gateway grew by 19 MB with every
//! login or sign-up, to 700 MB after 40. Here each hashing thread keeps its
//! blocks for the next hash, so the gateway holds one working memory per
//! core and no more. Hashing is CPU-bound, so more threads than cores would
//! not finish sooner anyway. The PHC strings are the crate's own format.

use std::cell::RefCell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::ApiError;

type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on one of the hashing threads (started on first use).
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    static JOBS: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        for n in 0..threads {
            let receive = Arc::clone(&receive);
            let spawned = std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || loop {
                    let job = match receive.lock() {
                        Ok(receive) => receive.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "starting a password hashing thread");
            }
        }
        send
    });
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    jobs.send(job).map_err(ApiError::internal)?;
    result.await.map_err(ApiError::internal)
}

/// A PHC-format hash (`$argon2id$v=19$...`) of `password` with a fresh salt.
pub async fn hash(password: String) -> Result<String, ApiError> {
    on_hashing_thread(move || phc_hash(password.as_bytes()).map_err(ApiError::internal)).await?
}

/// Whether `password` matches `stored`. A malformed stored hash (such as the
/// `!` of a deleted account) matches nothing.
pub async fn verify(password: String, stored: String) -> Result<bool, ApiError> {
    on_hashing_thread(move || phc_verify(password.as_bytes(), &stored).unwrap_or(false)).await
}

thread_local! {
    /// This thread's Argon2 working memory, kept between hashes.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs Argon2 with this thread's working memory.
fn argon2_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    BLOCKS.with_borrow_mut(|blocks| {
        let needed = argon2.params().block_count();
        if blocks.len() != needed {
            blocks.clear();
            blocks.resize(needed, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut blocks[..])
    })
}

fn phc_hash(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = Argon2::default();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon2, password, salt_bytes, &mut out)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

fn phc_verify(password: &[u8], stored: &str) -> Result<bool, argon2::password_hash::Error> {
    use argon2::password_hash::Error;
    let phc = PasswordHash::new(stored)?;
    let algorithm = Algorithm::try_from(phc.algorithm)?;
    let version = phc
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&phc)?;
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Err(Error::PhcStringField);
    };
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let mut out = vec![0u8; expected.len()];
    argon2_into(
        &Argon2::new(algorithm, version, params),
        password,
        salt_bytes,
        &mut out,
    )?;
    // `Output` compares in constant time.
    Ok(Output::new(&out)? == expected)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hashes_verify_and_salts_differ() {
        let a = super::hash("correct horse".into()).await.unwrap();
        let b = super::hash("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "a fresh salt per hash");
        assert!(super::verify("correct horse".into(), a.clone())
            .await
            .unwrap());
        assert!(!super::verify("wrong".into(), a).await.unwrap());
        assert!(!super::verify("x".into(), "!".into()).await.unwrap());
    }

    /// Hashes made here and by the crate's own PHC functions verify both ways,
    /// so stored hashes keep working whichever made them.
    #[tokio::test]
    async fn the_crates_own_phc_strings_verify_both_ways() {
        use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
        let ours = super::hash("tr0ub4dor".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2::Argon2::default()
            .verify_password(b"tr0ub4dor", &parsed)
            .is_ok());
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = argon2::Argon2::default()
            .hash_password(b"tr0ub4dor", &salt)
            .unwrap()
            .to_string();
        assert!(super::verify("tr0ub4dor".into(), theirs.clone())
            .await
            .unwrap());
        assert!(!super::verify("tr0ub4dor!".into(), theirs).await.unwrap());
        // Other parameters (an older, cheaper hash) get memory of their size.
        let cheap = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"tr0ub4dor", &salt)
        .unwrap()
        .to_string();
        assert!(super::verify("tr0ub4dor".into(), cheap).await.unwrap());
    }
}
