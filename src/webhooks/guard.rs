//! The SSRF guard: a webhook may only reach the public internet. A URL whose host is, or
//! resolves to, a loopback, private, shared, link-local (cloud metadata at 169.254.169.254),
//! unique-local, multicast or unspecified address is refused when the webhook is made, and
//! again at every delivery: the resolver the HTTP client connects through refuses such
//! addresses itself, so a DNS answer that changes after the check changes nothing.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a URL may not be called.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{host} is a private address (PARLEY_WEBHOOK_ALLOW_PRIVATE allows it on-premise)")]
    Private { host: String },
    #[error("{host} does not resolve")]
    Unresolved { host: String },
}

/// Whether `ip` is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        // 0.0.0.0/8 ("this network"), 100.64.0.0/10 (carrier-grade NAT), 198.18.0.0/15
        // (benchmarking), 240.0.0.0/4 (reserved).
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // fc00::/7 unique-local, fe80::/10 link-local, 2001:db8::/32 documentation.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Checks a URL's host now: an address literal directly, a name by resolving it. A name that
/// does not resolve yet passes (its DNS may be on its way); the delivery checks it again.
pub async fn check_url(url: &url::Url, allow_private: bool) -> Result<(), Refusal> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map(|found| found.map(|a| a.ip()).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if !allow_private && addresses.iter().any(|ip| !is_public(*ip)) {
        return Err(Refusal::Private { host });
    }
    Ok(())
}

/// The HTTP client's resolver: the system's, minus every non-public address unless allowed.
/// A name with any non-public address is refused whole (it cannot be half trusted).
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if found.is_empty() {
                return Err(Box::new(Refusal::Unresolved { host }) as _);
            }
            if !allow_private && found.iter().any(|a| !is_public(a.ip())) {
                return Err(Box::new(Refusal::Private { host }) as _);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

impl GuardedResolver {
    pub fn shared(allow_private: bool) -> Arc<Self> {
        Arc::new(Self { allow_private })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in ["1.1.1.1", "93.184.216.34", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn literals_and_names_are_checked() {
        let check = |u: &str| url::Url::parse(u).unwrap();
        assert!(matches!(
            check_url(&check("http://127.0.0.1:9/x"), false).await,
            Err(Refusal::Private { .. })
        ));
        assert!(matches!(
            check_url(&check("http://localhost/x"), false).await,
            Err(Refusal::Private { .. })
        ));
        assert!(matches!(
            check_url(&check("http://[::ffff:10.0.0.1]/x"), false).await,
            Err(Refusal::Private { .. })
        ));
        assert_eq!(
            check_url(&check("http://127.0.0.1:9/x"), true).await,
            Ok(())
        );
    }
}
