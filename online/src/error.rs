//! What can go wrong with the store. Callers mostly count it and carry on
//! with the warehouse ([`crate::count_failure`]).

use std::time::Duration;

use deadpool_redis::redis::RedisError;

#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    #[error("ENCORE_REDIS_URL {0}")]
    Address(String),
    #[error("creating the Redis pool: {0}")]
    Pool(String),
    #[error("no Redis connection: {0}")]
    Connect(String),
    #[error("Redis: {0}")]
    Redis(#[from] RedisError),
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the write reached the primary but not its replica within {0:?}")]
    NotReplicated(std::time::Duration),
    #[error("Redis holds a value this version cannot read: {0}")]
    Decode(String),
}
