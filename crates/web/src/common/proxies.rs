//! Who a request comes from when the portal runs behind proxies (a TLS terminator, a load
//! balancer). Only proxies the operator names are believed: from them, the client is the
//! right-most hop of `Forwarded` (or `X-Forwarded-For`) that is not itself a trusted proxy,
//! and a short request id of a safe alphabet is kept. From anyone else both headers are
//! ignored, and the request gets an id of our own.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request},
    http::{HeaderMap, HeaderName, header::FORWARDED},
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
/// The longest request id kept from a trusted proxy (a UUID is 36 characters).
const REQUEST_ID_MAX: usize = 64;

/// The addresses and networks whose forwarding headers are believed (`PORCHLIGHT_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads a comma-separated list of addresses (`10.0.0.5`, `::1`) and networks
    /// (`10.0.0.0/8`, `fd00::/8`); an empty list trusts nobody. The error names the entry
    /// that is neither.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let network = if entry.contains('/') {
                entry.parse::<IpNet>().map(|n| n.trunc()).ok()
            } else {
                entry.parse::<IpAddr>().ok().map(IpNet::from)
            };
            networks.push(network.ok_or_else(|| {
                format!(
                    "'{entry}' is neither an IP address nor a network such as 10.0.0.0/8 \
                     (expected addresses and networks separated by commas)"
                )
            })?);
        }
        Ok(Self(networks))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client a request from `peer` stands for: `peer` itself unless it is trusted;
    /// otherwise the right-most forwarded hop that is not trusted (hops to its left were
    /// written by whoever sent the request, and prove nothing). A hop that cannot be read
    /// ("unknown", an obfuscated name) ends the walk at the peer.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_hops(headers);
        let mut leftmost = peer;
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(address) if self.trusts(address) => leftmost = address,
                Some(address) => return address.to_canonical(),
                None => return peer,
            }
        }
        leftmost
    }
}

/// The hops a request passed, left (the first) to right (the nearest): the `for=` of each
/// `Forwarded` element, or else the entries of `X-Forwarded-For`.
fn forwarded_hops(headers: &HeaderMap) -> Vec<String> {
    let values = |name: &HeaderName| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let forwarded = values(&FORWARDED);
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .map_or_else(String::new, |(_, value)| value.trim().to_owned())
            })
            .collect();
    }
    values(&X_FORWARDED_FOR)
}

/// One hop's address: `192.0.2.60`, `192.0.2.60:4711`, `2001:db8::17`, `"[2001:db8::17]:4711"`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = hop.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    hop.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(inside, _)| inside.parse().ok())
}

/// Whether a request id from a trusted proxy is kept: short, of letters, digits, `.`, `_`, `-`.
fn acceptable_request_id(id: &str) -> bool {
    (1..=REQUEST_ID_MAX).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Middleware, before the request id is set: makes the request's `ConnectInfo` the client a
/// trusted proxy forwarded (so every handler counts, throttles and audits that client), and
/// drops an `X-Request-Id` that is not a trusted proxy's acceptable one (a new id is made).
pub(crate) async fn identify_client(
    proxies: std::sync::Arc<TrustedProxies>,
    request_id: HeaderName,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let trusted = peer.is_some_and(|peer| proxies.trusts(peer.ip()));
    if let (Some(peer), true) = (peer, trusted) {
        let client = proxies.client(peer.ip(), request.headers());
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(client, 0)));
    }
    let keep_id = trusted
        && request
            .headers()
            .get(&request_id)
            .and_then(|v| v.to_str().ok())
            .is_some_and(acceptable_request_id);
    if !keep_id {
        request.headers_mut().remove(&request_id);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_list_reads_addresses_and_networks_and_names_a_bad_entry() {
        let proxies = TrustedProxies::parse(" 10.0.0.0/8, 192.0.2.1 ,fd00::/8").unwrap();
        assert!(proxies.trusts(ip("10.20.30.40")));
        assert!(proxies.trusts(ip("192.0.2.1")));
        assert!(!proxies.trusts(ip("192.0.2.2")));
        assert!(proxies.trusts(ip("fd12::1")));
        assert!(proxies.trusts(ip("::ffff:10.1.1.1")), "IPv4 seen as IPv6");
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        let error = TrustedProxies::parse("10.0.0.1, proxy.local").unwrap_err();
        assert!(error.contains("'proxy.local'"), "{error}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let peer = ip("10.0.0.5");
        // The client wrote the left-most entry itself: it is not believed.
        let forged = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7")]);
        assert_eq!(proxies.client(peer, &forged), ip("198.51.100.7"));
        // Trusted hops are skipped; two header lines read as one list.
        let chained = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("x-forwarded-for", "10.1.2.3"),
        ]);
        assert_eq!(proxies.client(peer, &chained), ip("198.51.100.7"));
        // `Forwarded` is preferred, with quotes, ports and brackets.
        let standard = headers(&[
            (
                "forwarded",
                "for=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.9.9.9",
            ),
            ("x-forwarded-for", "203.0.113.1"),
        ]);
        assert_eq!(proxies.client(peer, &standard), ip("2001:db8:cafe::17"));
        assert_eq!(
            proxies.client(peer, &headers(&[("forwarded", "for=192.0.2.60:80")])),
            ip("192.0.2.60")
        );
        // Nothing to read, or only proxies: the proxy, or the first of them.
        assert_eq!(proxies.client(peer, &HeaderMap::new()), peer);
        assert_eq!(
            proxies.client(peer, &headers(&[("forwarded", "for=unknown")])),
            peer
        );
        assert_eq!(
            proxies.client(peer, &headers(&[("x-forwarded-for", "10.3.3.3")])),
            ip("10.3.3.3")
        );
        // From an untrusted peer the headers mean nothing.
        assert_eq!(proxies.client(ip("192.0.2.9"), &forged), ip("192.0.2.9"));
    }

    #[test]
    fn only_a_short_id_of_a_safe_alphabet_is_kept() {
        assert!(acceptable_request_id(
            "2f1c9a2e-8d1b-4c47-9d55-0e5f7d3b9a10"
        ));
        assert!(acceptable_request_id("lb.req_42"));
        assert!(!acceptable_request_id(""));
        assert!(!acceptable_request_id(&"a".repeat(65)));
        assert!(!acceptable_request_id("id with spaces"));
        assert!(!acceptable_request_id("<script>"));
    }
}
