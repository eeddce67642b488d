//! The client's address behind reverse proxies (`--trusted-proxy`).
//!
//! `X-Forwarded-For` is written by whoever sends the request, so it is read
//! only when the connecting peer is a proxy the operator trusts, and then
//! from the right: each trusted proxy appends the address it saw, so the
//! first address from the right that is not a trusted proxy is the client.
//! Anything to the left of it was written by the client and proves nothing.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`), or one
/// address (`192.0.2.7`, taken as `/32` or `/128`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether an address is inside the network. An IPv4 address written as
    /// IPv6 (`::ffff:10.0.0.1`, as dual-stack sockets report them) counts as
    /// the IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        match (self.network, address) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (address, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("`{s}` is not an address or network such as 10.0.0.0/8"))?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy;
/// then the right-most address of `X-Forwarded-For` that is not a trusted
/// proxy (or the left-most, when every hop is trusted). A header that cannot
/// be read leaves the peer's address.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |a: IpAddr| trusted.iter().any(|c| c.contains(a));
    if !is_trusted(peer) {
        return peer;
    }
    // Several headers are one list, in order.
    let mut hops: Vec<IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for part in text.split(',') {
            match parse_hop(part) {
                Some(a) => hops.push(a),
                None => return peer,
            }
        }
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(hop) {
            break;
        }
    }
    client
}

/// One entry of `X-Forwarded-For`: an address, perhaps with a port
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`).
fn parse_hop(part: &str) -> Option<IpAddr> {
    let part = part.trim();
    if let Ok(a) = part.parse::<IpAddr>() {
        return Some(a.to_canonical());
    }
    if let Ok(s) = part.parse::<std::net::SocketAddr>() {
        return Some(s.ip().to_canonical());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn networks_parse_and_contain() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped");
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert_eq!(one.to_string(), "192.0.2.7/32");
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.1")) && !all.contains(ip("2001:db8::1")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0/8",
            "fe80::/129",
            "proxy",
            "10.0.0.0/-1",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_header_counts_only_through_trusted_proxies() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let headers = forwarded(&["198.51.100.9, 203.0.113.5"]);
        // From an untrusted peer the header is the client's own word: ignored.
        assert_eq!(
            client_address(ip("192.0.2.1"), &headers, &trusted),
            ip("192.0.2.1")
        );
        // Through a trusted proxy: the right-most untrusted hop.
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("203.0.113.5")
        );
        // Trusted hops on the right are skipped; a forged left part is not reached.
        let chain = forwarded(&["1.2.3.4, 203.0.113.5", "10.0.0.7"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &chain, &trusted),
            ip("203.0.113.5")
        );
        // Every hop trusted: the left-most.
        let inside = forwarded(&["10.9.9.9, 10.0.0.7"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &inside, &trusted),
            ip("10.9.9.9")
        );
        // No header: the proxy itself. A garbled one: the proxy, not a guess.
        assert_eq!(
            client_address(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        let garbled = forwarded(&["203.0.113.5, unknown"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &garbled, &trusted),
            ip("10.0.0.2")
        );
        // Ports and brackets as some proxies write them.
        let ported = forwarded(&["[2001:db8::1]:4711, 203.0.113.5:80"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &ported, &trusted),
            ip("203.0.113.5")
        );
        // No trusted proxies at all: never read.
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &[]),
            ip("10.0.0.2")
        );
    }
}
