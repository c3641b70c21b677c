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
