//! What every request of `salesim serve` must show before the router looks at it, so that no web
//! page on another site can use the server (axum middleware around every route):
//!
//! - its **`Host`** is an address of this server: `localhost`, `127.0.0.1` or `[::1]`, the
//!   address given to `--host`, or the address the connection arrived at, each with the port
//!   listened on. A DNS-rebinding page's requests name its own host and get 421, no page and no
//!   API.
//! - a request that changes something (any method but GET and HEAD) comes **from the page**
//!   itself: its `Origin` is this server (`http://` and the `Host` it asked), or, without an
//!   `Origin`, its `Sec-Fetch-Site` is `same-origin` or `none`; anything else gets 403. Its
//!   `Content-Type` is `application/json` (415 otherwise), which a form or a `no-cors` fetch of
//!   another site cannot send.
//!
//! And every error the server answers is JSON, `{"error": "..."}`, whoever made it (the router's
//! own 404 and 405 included).

use super::net::Arrival;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::net::IpAddr;
use std::sync::Arc;

/// The server's own names: the port listened on and the `--host` given.
#[derive(Debug, Clone)]
pub struct Names {
    /// The port listened on.
    pub port: u16,
    /// The address given to `--host`.
    pub host: IpAddr,
}

/// A JSON error response.
pub fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

/// An IP address as a URL writes it (`[::1]`).
fn in_url(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => format!("[{v6}]"),
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

impl Names {
    /// The hosts (without port) this server answers for, for a connection arriving at `local`.
    fn hosts(&self, local: Option<IpAddr>) -> Vec<String> {
        let mut hosts = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "[::1]".to_string(),
        ];
        for ip in [Some(self.host), local].into_iter().flatten() {
            if !ip.is_unspecified() {
                let name = in_url(ip);
                if !hosts.contains(&name) {
                    hosts.push(name);
                }
            }
        }
        hosts
    }

    /// Checks a `Host` header value; the message names the hosts allowed.
    pub fn check_host(&self, host: Option<&str>, local: Option<IpAddr>) -> Result<(), String> {
        let hosts = self.hosts(local);
        let allowed = || {
            hosts
                .iter()
                .map(|h| format!("{h}:{}", self.port))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(host) = host else {
            return Err(format!(
                "the request has no Host header. Allowed: {}",
                allowed()
            ));
        };
        let lower = host.trim().to_ascii_lowercase();
        let (name, port) = split_host(&lower);
        let port_ok = match port {
            Some(p) => p.parse::<u16>().ok() == Some(self.port),
            None => self.port == 80,
        };
        if port_ok && hosts.iter().any(|h| *h == name) {
            return Ok(());
        }
        Err(format!(
            "this server does not answer for the host {:?} (a page of another site reaching \
             this computer through its own name is refused). Allowed: {}",
            host.escape_debug().to_string(),
            allowed()
        ))
    }
}

/// `host[:port]` → (host, port): `[::1]:8080` → (`[::1]`, `8080`).
fn split_host(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => {
                let rest = &host[end + 1..];
                (&host[..=end], rest.strip_prefix(':'))
            }
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    }
}

/// Checks that a request that changes something comes from the server's own page: (status,
/// message) when not.
pub fn check_same_origin(
    method: &Method,
    headers: &HeaderMap,
    host: &str,
) -> Result<(), (StatusCode, String)> {
    if method == Method::GET || method == Method::HEAD {
        return Ok(());
    }
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
    };
    let own = format!("http://{}", host.trim());
    let forbidden = |why: String| {
        Err((
            StatusCode::FORBIDDEN,
            format!(
                "{why}: only this server's own page may start or cancel jobs. Allowed: an \
                 Origin header of {own} (a script sends `Origin: {own}`), or Sec-Fetch-Site \
                 same-origin"
            ),
        ))
    };
    match text(header::ORIGIN) {
        Some(origin) if origin.eq_ignore_ascii_case(&own) => {}
        Some(origin) => {
            return forbidden(format!(
                "the request comes from {:?}, another site",
                origin.escape_debug().to_string()
            ))
        }
        None => match text(header::HeaderName::from_static("sec-fetch-site")) {
            Some(site) if site == "same-origin" || site == "none" => {}
            Some(site) => {
                return forbidden(format!(
                    "the request comes from another site (Sec-Fetch-Site {site:?})"
                ))
            }
            None => return forbidden("the request says not where it comes from".to_string()),
        },
    }
    let json = text(header::CONTENT_TYPE).is_some_and(|t| {
        t.split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    });
    if !json {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "the request's Content-Type is {}. Allowed: application/json",
                text(header::CONTENT_TYPE).map_or("missing".to_string(), |t| format!("{t:?}"))
            ),
        ));
    }
    Ok(())
}

/// The middleware: the Host and same-origin checks, then the route; any error that is not
/// JSON yet is made JSON.
pub async fn guard(State(names): State<Arc<Names>>, request: Request, next: Next) -> Response {
    let local = request.extensions().get::<Arrival>().map(|a| a.local.ip());
    let host = request
        .headers()
        .get(header::HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).to_string());
    if let Err(message) = names.check_host(host.as_deref(), local) {
        return refuse(StatusCode::MISDIRECTED_REQUEST, message);
    }
    let host = host.unwrap_or_default();
    if let Err((status, message)) = check_same_origin(request.method(), request.headers(), &host) {
        return refuse(status, message);
    }
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    as_json(response, &method, &path).await
}

/// An error response whose body is not JSON, made JSON (its text kept as the message).
async fn as_json(response: Response, method: &Method, path: &str) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match status {
        StatusCode::NOT_FOUND => format!(
            "nothing at {path:?}. Allowed: GET /, GET /api/knobs, GET /api/status, POST \
             /api/jobs, GET /api/jobs/ID/events, DELETE /api/jobs/ID"
        ),
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{method} is not a method of {path:?}{}",
            parts
                .headers
                .get(header::ALLOW)
                .and_then(|a| a.to_str().ok())
                .map(|a| format!(". Allowed: {a}"))
                .unwrap_or_default()
        ),
        _ if !text.is_empty() => text,
        _ => status
            .canonical_reason()
            .unwrap_or("the request failed")
            .to_string(),
    };
    let mut fixed = refuse(status, message);
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        fixed.headers_mut().insert(header::ALLOW, allow.clone());
    }
    fixed
}

/// A plain-text response, for tests of [`as_json`].
#[cfg(test)]
fn plain(status: StatusCode, text: &'static str) -> Response {
    use axum::http::HeaderValue;
    let mut r = Response::new(axum::body::Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn names() -> Names {
        Names {
            port: 8080,
            host: "127.0.0.1".parse().unwrap(),
        }
    }

    #[test]
    fn only_this_servers_own_names_with_its_port_are_answered() {
        let n = names();
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert_eq!(n.check_host(Some(ok), None), Ok(()), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1",
            "127.0.0.1:80",
            "localhost:8080.evil",
            "localhost.:8080",
            "127.0.0.1.nip.io:8080",
            "[::1]",
            "",
            "192.168.1.5:8080",
        ] {
            let e = n.check_host(Some(bad), None).unwrap_err();
            assert!(e.contains("Allowed: localhost:8080, 127.0.0.1:8080"), "{e}");
        }
        assert!(n.check_host(None, None).unwrap_err().contains("no Host"));
        // Shared on every network: the address the connection arrived at is this server's.
        let shared = Names {
            port: 9000,
            host: "0.0.0.0".parse().unwrap(),
        };
        let lan: IpAddr = "192.168.1.5".parse().unwrap();
        assert_eq!(
            shared.check_host(Some("192.168.1.5:9000"), Some(lan)),
            Ok(())
        );
        assert!(shared
            .check_host(Some("192.168.1.6:9000"), Some(lan))
            .is_err());
        assert!(shared.check_host(Some("0.0.0.0:9000"), Some(lan)).is_err());
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn changes_come_only_from_the_page_itself_as_json() {
        let host = "127.0.0.1:8080";
        let json = ("content-type", "application/json");
        let ok = |pairs: &[(&'static str, &'static str)]| {
            check_same_origin(&Method::POST, &headers(pairs), host)
        };
        assert_eq!(ok(&[("origin", "http://127.0.0.1:8080"), json]), Ok(()));
        assert_eq!(
            ok(&[
                ("sec-fetch-site", "same-origin"),
                ("content-type", "application/json; charset=utf-8")
            ]),
            Ok(())
        );
        for (pairs, status) in [
            (vec![("origin", "http://evil.example"), json], 403),
            (vec![("origin", "null"), json], 403),
            (vec![("origin", "http://127.0.0.1:8081"), json], 403),
            (vec![("origin", "https://127.0.0.1:8080"), json], 403),
            (vec![("sec-fetch-site", "cross-site"), json], 403),
            (vec![("sec-fetch-site", "same-site"), json], 403),
            (vec![json], 403),
            (
                vec![
                    ("origin", "http://127.0.0.1:8080"),
                    ("content-type", "text/plain"),
                ],
                415,
            ),
            (vec![("origin", "http://127.0.0.1:8080")], 415),
            (
                vec![
                    ("origin", "http://127.0.0.1:8080"),
                    ("content-type", "application/jsonp"),
                ],
                415,
            ),
        ] {
            let (got, message) = ok(&pairs).unwrap_err();
            assert_eq!(got.as_u16(), status, "{pairs:?}: {message}");
            assert!(message.contains("Allowed"), "{message}");
        }
        // Reading needs neither.
        assert_eq!(
            check_same_origin(&Method::GET, &HeaderMap::new(), host),
            Ok(())
        );
        assert!(check_same_origin(&Method::DELETE, &HeaderMap::new(), host).is_err());
    }

    #[tokio::test]
    async fn a_plain_text_error_becomes_json() {
        let fixed = as_json(
            plain(StatusCode::BAD_REQUEST, "Invalid URL"),
            &Method::GET,
            "/x",
        )
        .await;
        assert_eq!(fixed.status(), 400);
        let body = axum::body::to_bytes(fixed.into_body(), 1024).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"], "Invalid URL");
        let fixed = as_json(plain(StatusCode::NOT_FOUND, ""), &Method::GET, "/x").await;
        let body = axum::body::to_bytes(fixed.into_body(), 1024).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(v["error"].as_str().unwrap().contains("Allowed: GET /"));
    }
}
