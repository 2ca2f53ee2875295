//! Configuration from the environment, with the same variables, defaults and checks as the
//! reference testee (`../node-socketio-4/server.mjs`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub host: IpAddr,
    pub ping_interval: u64,
    pub ping_timeout: u64,
    pub max_http_buffer_size: u64,
    pub connect_timeout: u64,
    pub allow_eio3: bool,
    pub path: String,
    pub cors: bool,
    pub debug: bool,
}

/// JavaScript's `Number.MAX_SAFE_INTEGER`, the reference's upper bound.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn env(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => None,
    }
}

/// An integer in `[min, max]`; like JavaScript's `Number()`, `1e6` and `1000.0` are accepted.
fn env_number(name: &str, fallback: u64, min: u64, max: u64) -> Result<u64, String> {
    let Some(raw) = env(name) else {
        return Ok(fallback);
    };
    let bad = || format!("{name}={raw:?} is not a valid number in [{min}, {max}]");
    let value: f64 = raw.trim().parse().map_err(|_| bad())?;
    if !value.is_finite() || value.fract() != 0.0 || value < min as f64 || value > max as f64 {
        return Err(bad());
    }
    Ok(value as u64)
}

fn env_bool(name: &str, fallback: bool) -> Result<bool, String> {
    let Some(raw) = env(name) else {
        return Ok(fallback);
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(format!("{name}={raw:?} is not a boolean (use 1 or 0)")),
    }
}

fn loopback_host(raw: Option<String>) -> Result<IpAddr, String> {
    let Some(raw) = raw else {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    };
    let mut host = raw.trim();
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        host = inner;
    }
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) if v4.octets()[0] == 127 => Ok(IpAddr::V4(v4)),
        Ok(IpAddr::V6(v6)) if v6 == Ipv6Addr::LOCALHOST => Ok(IpAddr::V6(v6)),
        _ => Err(format!(
            "HOST={raw:?} is not a loopback address (use 127.0.0.1 or ::1)"
        )),
    }
}

fn normalise_path(raw: Option<String>) -> String {
    let mut path = raw.map(|p| p.trim().to_owned()).unwrap_or_default();
    if path.is_empty() {
        path = "/socket.io/".to_owned();
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    path
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        Ok(Config {
            port: env_number("PORT", 0, 0, 65535)? as u16,
            host: loopback_host(env("HOST"))?,
            ping_interval: env_number("PING_INTERVAL", 300, 1, MAX_SAFE_INTEGER)?,
            ping_timeout: env_number("PING_TIMEOUT", 200, 1, MAX_SAFE_INTEGER)?,
            max_http_buffer_size: env_number("MAX_HTTP_BUFFER_SIZE", 1_000_000, 1, MAX_SAFE_INTEGER)?,
            connect_timeout: env_number("CONNECT_TIMEOUT", 1000, 1, MAX_SAFE_INTEGER)?,
            allow_eio3: env_bool("ALLOW_EIO3", false)?,
            path: normalise_path(env("SIO_PATH")),
            cors: env_bool("CORS", true)?,
            debug: std::env::var("DEBUG_TESTEE").is_ok_and(|v| v == "1"),
        })
    }
}
