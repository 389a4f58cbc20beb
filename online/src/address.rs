//! Where the store is: `ENCORE_REDIS_URL`, in one of three forms.
//!
//! - `redis://host:port` (or `rediss://`, `unix://`): one server.
//! - `redis+sentinel://host:port,host:port,.../master`: ask the Sentinels
//!   which server is the primary of `master` now, as the cluster runs it.
//! - `off`: no store; every read goes to the warehouse.

use crate::error::OnlineError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Off,
    Direct(String),
    Sentinel {
        /// `redis://host:port` of each Sentinel.
        sentinels: Vec<String>,
        /// The name the Sentinels know the primary by.
        master: String,
    },
}

/// The default: the local stack's one server.
pub const DEFAULT: &str = "redis://127.0.0.1:6379";

impl Address {
    /// `ENCORE_REDIS_URL`, or the local stack's server when unset.
    pub fn from_env() -> Result<Address, encore_common::config::ConfigError> {
        let url = encore_common::config::string("ENCORE_REDIS_URL", DEFAULT);
        Address::parse(&url).map_err(|e| encore_common::config::ConfigError {
            name: "ENCORE_REDIS_URL",
            problem: e.to_string(),
            value: url,
        })
    }

    pub fn parse(url: &str) -> Result<Address, OnlineError> {
        let url = url.trim();
        if url.eq_ignore_ascii_case("off") {
            return Ok(Address::Off);
        }
        if let Some(rest) = url.strip_prefix("redis+sentinel://") {
            let (hosts, master) = rest.split_once('/').ok_or_else(|| {
                OnlineError::Address(
                    "names no master: redis+sentinel://host:port,.../master".into(),
                )
            })?;
            let master = master.trim_end_matches('/');
            if master.is_empty() || master.contains('/') {
                return Err(OnlineError::Address(format!(
                    "has {master:?} where the master's name goes"
                )));
            }
            let sentinels: Vec<String> = hosts
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(|h| format!("redis://{h}"))
                .collect();
            if sentinels.is_empty() {
                return Err(OnlineError::Address("names no Sentinel".into()));
            }
            return Ok(Address::Sentinel {
                sentinels,
                master: master.to_string(),
            });
        }
        if ["redis://", "rediss://", "unix://"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
        {
            return Ok(Address::Direct(url.to_string()));
        }
        Err(OnlineError::Address(format!(
            "{url:?} is not redis://host:port, redis+sentinel://host:port,.../master or off"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_form_and_names_what_is_wrong() {
        assert_eq!(Address::parse("off").unwrap(), Address::Off);
        assert_eq!(
            Address::parse("redis://127.0.0.1:6379").unwrap(),
            Address::Direct("redis://127.0.0.1:6379".into())
        );
        assert_eq!(
            Address::parse("redis+sentinel://127.0.0.1:26379, 127.0.0.1:26380/encore").unwrap(),
            Address::Sentinel {
                sentinels: vec![
                    "redis://127.0.0.1:26379".into(),
                    "redis://127.0.0.1:26380".into()
                ],
                master: "encore".into(),
            }
        );
        for bad in [
            "127.0.0.1:6379",
            "redis+sentinel://127.0.0.1:26379",
            "redis+sentinel:///encore",
            "redis+sentinel://h:1/a/b",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
    }
}
