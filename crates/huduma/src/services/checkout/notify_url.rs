//! Where payment notifications may go. `notificationURL` is not covered by the Pesaflow
//! signature, so it is untrusted input: left alone it makes the portal post to any address
//! it can reach, including its own loopback ports, the cloud metadata service and the
//! private network behind it.
//!
//! The rule: http(s) only, https outside sandbox mode, and only to public addresses unless
//! the host is listed in `HUDUMA_NOTIFY_ALLOWED_HOSTS` (an agency's test receiver on the
//! same machine). A bill's URL is checked when the bill is created (its form, literal
//! addresses and local names); each delivery resolves the name, refuses it if any
//! address is not public, and connects to exactly the addresses it checked (see
//! [`super::ipn::deliver`]), so a DNS answer that changes in between cannot redirect it.

use super::bills::Problem;
use crate::config::Config;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// How long a delivery waits for the name of a notificationURL to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(10);

/// A host (and optionally one port) allowed whatever it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    host: String,
    port: Option<u16>,
}

/// The rule notification URLs follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    allowed: Vec<AllowedHost>,
    https_only: bool,
}

impl Policy {
    /// The rule for this configuration.
    pub fn of(config: &Config) -> Self {
        Self::new(&config.notify_allowed_hosts, config.sandbox)
    }

    /// The rule for `allowed` entries (`host` or `host:port`, IPv6 in brackets) and
    /// whether plain http is accepted (sandbox mode only).
    pub fn new(allowed: &[String], sandbox: bool) -> Self {
        let allowed = allowed
            .iter()
            .filter_map(|entry| {
                // `host:port` parses as a URL authority; a bare host gets no port.
                let url = url::Url::parse(&format!("http://{}", entry.trim())).ok()?;
                let host = url.host_str()?.trim_matches(['[', ']']).to_ascii_lowercase();
                Some(AllowedHost { host, port: url.port() })
            })
            .collect();
        Self { allowed, https_only: !sandbox }
    }

    fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        self.allowed.iter().any(|a| a.host == host && a.port.is_none_or(|p| p == port))
    }
}

/// A notification URL that passed [`check_syntax`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The host as written (a name, or an address).
    pub host: String,
    /// The port, explicit or the scheme's.
    pub port: u16,
    /// The address, when the host is one.
    pub literal: Option<IpAddr>,
    /// Listed in `HUDUMA_NOTIFY_ALLOWED_HOSTS`: any address will do.
    pub allowed: bool,
}

/// What can be told without asking DNS: the scheme, and that a literal address or an
/// obviously local name is not internal. Used when a bill is created and again before
/// each delivery.
pub fn check_syntax(policy: &Policy, url: &str) -> Result<Target, Problem> {
    let parsed = url::Url::parse(url).map_err(|_| Problem::new("checkout.notification_url"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if !policy.https_only => {}
        "http" => return Err(Problem::new("checkout.notification_https")),
        _ => return Err(Problem::new("checkout.notification_url")),
    }
    let port = parsed.port_or_known_default().ok_or_else(|| Problem::new("checkout.notification_url"))?;
    let (host, literal) = match parsed.host() {
        Some(url::Host::Domain(name)) => (name.to_ascii_lowercase(), None),
        Some(url::Host::Ipv4(ip)) => (ip.to_string(), Some(IpAddr::V4(ip))),
        Some(url::Host::Ipv6(ip)) => (ip.to_string(), Some(IpAddr::V6(ip))),
        None => return Err(Problem::new("checkout.notification_url")),
    };
    let allowed = policy.allows(&host, port);
    let internal = match literal {
        Some(ip) => !is_public(ip),
        None => is_local_name(&host),
    };
    if internal && !allowed {
        return Err(Problem::with("checkout.notification_private", "host", host));
    }
    Ok(Target { host, port, literal, allowed })
}

/// Why a delivery did not get an address to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The URL is not allowed (an internal address, plain http outside sandbox mode…):
    /// trying again will not help.
    Refused(String),
    /// The name did not resolve (now): worth trying again later.
    Unresolved(String),
}

/// Resolves a notification URL's host and checks every address it gives; the addresses to
/// connect to, and nothing else.
pub async fn resolve(policy: &Policy, url: &str) -> Result<(Target, Vec<SocketAddr>), Refusal> {
    let target = check_syntax(policy, url).map_err(|p| Refusal::Refused(format!("notificationURL refused ({})", p.code)))?;
    if let Some(ip) = target.literal {
        return Ok((target.clone(), vec![SocketAddr::new(ip, target.port)]));
    }
    let looked_up = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((target.host.as_str(), target.port)))
        .await
        .map_err(|_| Refusal::Unresolved(format!("{} did not resolve in time", target.host)))?
        .map_err(|e| Refusal::Unresolved(format!("{} did not resolve: {e}", target.host)))?;
    let addrs = checked(&target, looked_up.collect())?;
    Ok((target, addrs))
}

/// The resolved addresses of a target, if every one may be connected to.
fn checked(target: &Target, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, Refusal> {
    if addrs.is_empty() {
        return Err(Refusal::Unresolved(format!("{} has no address", target.host)));
    }
    // One internal address is enough to refuse: which one a client picks is not ours to choose.
    if !target.allowed
        && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
    {
        return Err(Refusal::Refused(format!("notificationURL refused: {} resolves to {}, not a public address", target.host, bad.ip())));
    }
    Ok(addrs)
}

/// Names that only ever mean this machine or a private network.
fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host == "localhost"
        || [".localhost", ".local", ".internal", ".home.arpa", ".lan"].iter().any(|suffix| host.ends_with(suffix))
        || !host.contains('.')
}

/// Whether an address is on the public internet: not loopback, private, link-local,
/// shared (CGNAT), unspecified, multicast, broadcast, documentation, benchmarking or
/// reserved; IPv6 forms that embed an IPv4 address are judged by that address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let internal = a == 0                                   // "this network", 0.0.0.0/8
        || a == 10                                          // private
        || a == 127                                         // loopback
        || (a == 100 && (64..128).contains(&b))             // shared address space (CGNAT), 100.64/10
        || (a == 169 && b == 254)                           // link-local (cloud metadata at 169.254.169.254)
        || (a == 172 && (16..32).contains(&b))              // private
        || (a == 192 && b == 0 && c == 0)                   // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                   // documentation (TEST-NET-1)
        || (a == 192 && b == 88 && c == 99)                 // 6to4 relay anycast
        || (a == 192 && b == 168)                           // private
        || (a == 198 && (18..20).contains(&b))              // benchmarking
        || (a == 198 && b == 51 && c == 100)                // documentation (TEST-NET-2)
        || (a == 203 && b == 0 && c == 113)                 // documentation (TEST-NET-3)
        || a >= 224; // multicast, reserved and broadcast
    !internal
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| {
        let ([a, b], [c, d]) = (high.to_be_bytes(), low.to_be_bytes());
        Ipv4Addr::new(a, b, c, d)
    };
    // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms.
    if let Some(v4) = ip.to_ipv4() {
        return !ip.is_unspecified() && !ip.is_loopback() && is_public_v4(v4);
    }
    match segments[0] {
        // NAT64 (64:ff9b::/96): the IPv4 address it reaches decides.
        0x0064 if segments[1] == 0xff9b && segments[2..6] == [0, 0, 0, 0] => is_public_v4(embedded(segments[6], segments[7])),
        // 6to4 (2002::/16) embeds the IPv4 address in the next 32 bits.
        0x2002 => is_public_v4(embedded(segments[1], segments[2])),
        // Teredo, ORCHID and other 2001::/23 special-purpose blocks; documentation 2001:db8::/32.
        0x2001 if segments[1] < 0x0200 || segments[1] == 0x0db8 => false,
        // Only global unicast (2000::/3) is public; this excludes ::/8, 100::/64 (discard),
        // fc00::/7 (unique local), fe80::/10 (link-local), fec0::/10 (site-local) and ff00::/8 (multicast).
        first => (0x2000..0x4000).contains(&first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "100::1",
        ] {
            assert!(!is_public(ip(internal)), "{internal} must be refused");
        }
        for public in [
            "41.90.64.10",
            "196.201.214.200",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "::ffff:41.90.64.10",
            "2a00:1450:4001::1",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(public)), "{public} is public");
        }
    }

    #[test]
    fn literal_internal_addresses_and_local_names_are_refused_before_any_lookup() {
        let policy = Policy::new(&[], true);
        for url in [
            "http://10.0.0.1/ipn",
            "http://192.168.1.1/ipn",
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:8080/ipn",
            "http://[::1]/ipn",
            "http://[::ffff:127.0.0.1]/ipn",
            "http://0x7f000001/ipn",
            "http://2130706433/ipn",
            "http://localhost:9000/ipn",
            "http://api.localhost/ipn",
            "http://intranet/ipn",
            "http://metadata.google.internal/",
        ] {
            assert_eq!(check_syntax(&policy, url).map_err(|p| p.code), Err("checkout.notification_private"), "{url}");
        }
        assert!(check_syntax(&policy, "https://tims.ntsa.go.ke/ipn").is_ok());
        assert_eq!(check_syntax(&policy, "ftp://tims.ntsa.go.ke/ipn").map_err(|p| p.code), Err("checkout.notification_url"));
    }

    #[test]
    fn https_only_outside_sandbox_mode_and_listed_hosts_pass() {
        let production = Policy::new(&["127.0.0.1:9000".into()], false);
        assert_eq!(check_syntax(&production, "http://tims.ntsa.go.ke/ipn").map_err(|p| p.code), Err("checkout.notification_https"));
        assert!(check_syntax(&production, "https://127.0.0.1:9000/ipn").is_ok(), "listed host and port");
        assert_eq!(
            check_syntax(&production, "https://127.0.0.1:9001/ipn").map_err(|p| p.code),
            Err("checkout.notification_private"),
            "another port of a listed host is not listed"
        );
        let sandbox = Policy::new(&["localhost".into(), "[::1]:7000".into()], true);
        assert!(check_syntax(&sandbox, "http://LOCALHOST:1234/ipn").is_ok(), "a host without a port allows every port");
        assert!(check_syntax(&sandbox, "http://[::1]:7000/ipn").is_ok());
    }

    #[test]
    fn a_name_is_refused_when_any_of_its_addresses_is_internal() {
        let target = |allowed| Target { host: "tims.ntsa.go.ke".into(), port: 443, literal: None, allowed };
        let public = SocketAddr::new(ip("41.90.64.10"), 443);
        let rebound = SocketAddr::new(ip("127.0.0.1"), 443);
        assert_eq!(checked(&target(false), vec![public]), Ok(vec![public]));
        assert!(matches!(checked(&target(false), vec![public, rebound]), Err(Refusal::Refused(_))), "one internal address is enough");
        assert!(matches!(checked(&target(false), vec![SocketAddr::new(ip("::ffff:10.0.0.1"), 443)]), Err(Refusal::Refused(_))));
        assert_eq!(checked(&target(true), vec![rebound]), Ok(vec![rebound]), "a listed host may be internal");
        assert!(matches!(checked(&target(false), Vec::new()), Err(Refusal::Unresolved(_))));
    }

    #[tokio::test]
    async fn a_listed_name_resolves_to_the_addresses_then_connected_to() {
        let policy = Policy::new(&[], true);
        let refused = resolve(&policy, "http://localhost.:9/ipn").await;
        assert!(matches!(refused, Err(Refusal::Refused(_))), "{refused:?}");
        let listed = Policy::new(&["localhost:9".into()], true);
        let (_, addrs) = resolve(&listed, "http://localhost:9/ipn").await.unwrap_or_else(|e| panic!("{e:?}"));
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 9));
    }
}
