//! The client's IP address: the peer, or what `X-Forwarded-For` says when the peer is a
//! trusted proxy (`PARLEY_TRUSTED_PROXIES`). Anyone else's header is ignored.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;

pub fn client_ip(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    // Rightmost address that is not one of our proxies: the first hop we did not add ourselves.
    req.headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|item| item.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .find(|ip| !trusted_proxies.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    fn from(peer: &str, forwarded: &[&str], trusted: &[&str]) -> IpAddr {
        let mut request =
            TestRequest::default().peer_addr(std::net::SocketAddr::new(ip(peer), 4000));
        for value in forwarded {
            request = request.append_header(("X-Forwarded-For", *value));
        }
        let trusted: Vec<IpAddr> = trusted.iter().map(|t| ip(t)).collect();
        client_ip(&request.to_http_request(), &trusted)
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        assert_eq!(
            from("198.51.100.9", &["203.0.113.7"], &[]),
            ip("198.51.100.9")
        );
        assert_eq!(
            from("198.51.100.9", &["203.0.113.7"], &["127.0.0.1"]),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn a_trusted_proxy_is_believed_for_the_hop_it_added() {
        assert_eq!(
            from("127.0.0.1", &["203.0.113.7"], &["127.0.0.1"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn what_the_client_wrote_before_the_proxys_hop_is_ignored() {
        // The client sent "1.1.1.1"; the proxy appended the address it saw.
        assert_eq!(
            from("127.0.0.1", &["1.1.1.1, 203.0.113.7"], &["127.0.0.1"]),
            ip("203.0.113.7")
        );
        assert_eq!(
            from("127.0.0.1", &["1.1.1.1", "203.0.113.7"], &["127.0.0.1"]),
            ip("203.0.113.7"),
            "several header lines read as one list"
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_skipped() {
        assert_eq!(
            from(
                "127.0.0.1",
                &["203.0.113.7, 10.0.0.2"],
                &["127.0.0.1", "10.0.0.2"]
            ),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn no_usable_address_falls_back_to_the_peer() {
        assert_eq!(from("127.0.0.1", &[], &["127.0.0.1"]), ip("127.0.0.1"));
        assert_eq!(
            from("127.0.0.1", &["not-an-ip, also bad"], &["127.0.0.1"]),
            ip("127.0.0.1")
        );
        assert_eq!(from("::1", &["2001:db8::5"], &["::1"]), ip("2001:db8::5"));
    }
}
