//! Which address a request comes from, for the failed-login throttle
//! (`encore_core::throttle`), on every login path of both APIs.
//!
//! Usually the connection's peer. Behind a load balancer every connection
//! comes from the balancer, so one attacker would throttle everyone: when
//! the peer is one of `ENCORE_TRUSTED_PROXIES`, the client is read from
//! `X-Forwarded-For` instead. Each proxy appends the address it heard from,
//! and only entries added by trusted proxies can be believed, so the header
//! is read from the right and the first address that is not a trusted proxy
//! is the client; anything a client wrote itself lies to the left of it.
//! From any other peer the header is ignored: it is the client's own say.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

/// An address, or a block of them (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR block"))?;
        let addr = addr.to_canonical();
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {bits}"))?,
        };
        Ok(Cidr { addr, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `ENCORE_TRUSTED_PROXIES`: comma-separated addresses and blocks.
pub fn parse_list(text: &str) -> Result<Vec<Cidr>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Cidr::from_str)
        .collect()
}

/// The `X-Forwarded-For` entries in order, each header line after the one
/// before; `None` for an entry that is not an address.
pub fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| match value.to_str() {
            Ok(text) => text.split(',').map(hop).collect(),
            Err(_) => vec![None],
        })
        .collect()
}

/// One entry: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443` or `192.0.2.1:443`.
fn hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let ip = text
        .parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|s| s.ip()))
        .or_else(|_| text.trim_matches(['[', ']']).parse::<IpAddr>())
        .ok()?;
    Some(ip.to_canonical())
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy;
/// then the right-most forwarded address that is not one. When every entry
/// is trusted, the left-most; at an entry that is not an address, the
/// trusted proxy that passed it on.
pub fn client_ip(peer: IpAddr, forwarded: &[Option<IpAddr>], trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    for entry in forwarded.iter().rev() {
        let Some(ip) = *entry else {
            return client;
        };
        client = ip;
        if !is_trusted(ip) {
            return ip;
        }
    }
    client
}

/// Where a request came from, when the server knows (it always does when
/// served with connection info, as the gateway's `serve` does).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The proxies whose `Forwarded` headers are believed
/// (`ENCORE_TRUSTED_PROXIES`): the part of the state [`ClientAddr`] needs.
#[derive(Clone, Default)]
pub struct TrustedProxies(pub Arc<[Cidr]>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr
where
    TrustedProxies: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let TrustedProxies(trusted) = TrustedProxies::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(ClientAddr(peer.map(|peer| {
            if trusted.is_empty() {
                peer.to_canonical()
            } else {
                client_ip(peer, &forwarded(&parts.headers), &trusted)
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn blocks_contain_their_addresses_in_either_notation() {
        let list = parse_list(" 10.0.0.0/8, 127.0.0.1 ,fd00::/8,, ::1").expect("a list");
        assert_eq!(list.len(), 4);
        let within = |text| list.iter().any(|c| c.contains(ip(text)));
        assert!(within("10.200.3.4"));
        assert!(within("127.0.0.1"));
        assert!(within("::ffff:127.0.0.1"), "an IPv4-mapped peer");
        assert!(within("fd12::1"));
        assert!(within("::1"));
        assert!(!within("11.0.0.1"));
        assert!(!within("127.0.0.2"));
        assert!(!within("fe80::1"));
        assert!(parse_list("0.0.0.0/0").expect("a list")[0].contains(ip("203.0.113.9")));
        for bad in ["10.0.0.0/33", "::/129", "localhost", "10.0.0.0/x", "1.2.3"] {
            assert!(parse_list(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_list("").expect("none"), Vec::new());
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_address_behind_trusted_peers_only() {
        let trusted = parse_list("127.0.0.1, 10.0.0.0/8").expect("a list");
        let hops = |list: &[&str]| -> Vec<Option<IpAddr>> { list.iter().map(|t| hop(t)).collect() };
        let spoofed = hops(&["198.51.100.2", "203.0.113.7"]);
        // From an untrusted peer the header is the client's own say.
        assert_eq!(
            client_ip(ip("192.0.2.9"), &spoofed, &trusted),
            ip("192.0.2.9")
        );
        // From the balancer: the entry it appended, not what the client wrote.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &spoofed, &trusted),
            ip("203.0.113.7")
        );
        // Through two proxies of ours.
        let chained = hops(&["198.51.100.2", "203.0.113.7", "10.1.2.3"]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &chained, &trusted),
            ip("203.0.113.7")
        );
        // Only our own proxies: the left-most of them.
        let inside = hops(&["10.9.9.9", "10.1.2.3"]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &inside, &trusted),
            ip("10.9.9.9")
        );
        // No header: the proxy itself.
        assert_eq!(client_ip(ip("127.0.0.1"), &[], &trusted), ip("127.0.0.1"));
        // Garbage stops the walk at the proxy that passed it on.
        let garbage = hops(&["203.0.113.7", "unknown", "10.1.2.3"]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &garbage, &trusted),
            ip("10.1.2.3")
        );
        // Ports and brackets are tolerated.
        assert_eq!(hop(" [2001:db8::1]:443"), Some(ip("2001:db8::1")));
        assert_eq!(hop("192.0.2.1:8080"), Some(ip("192.0.2.1")));
    }

    #[test]
    fn every_header_line_counts_in_order() {
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("198.51.100.2, 10.0.0.1"),
        );
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.7"));
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff").expect("a header value"),
        );
        assert_eq!(
            forwarded(&headers),
            vec![
                Some(ip("198.51.100.2")),
                Some(ip("10.0.0.1")),
                Some(ip("203.0.113.7")),
                None
            ]
        );
    }
}
