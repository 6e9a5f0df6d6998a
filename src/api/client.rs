//! The API client: what `raftctl status|put|get|del|member|leader` and `top` use. Every error
//! names the node and what failed.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use thiserror::Error;

use crate::node::{Change, Membership, NodeError, NodeStatus, RangeAnswer, Transferred};
use crate::transport::Faults;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("{node} did not answer: {reason}")]
    Unreachable {
        node: String,
        reason: String,
        /// Whether the request may have reached the member (false: no connection was made,
        /// so it cannot have taken effect).
        sent: bool,
    },
    #[error("{node}: {error}")]
    Node { node: String, error: NodeError },
    /// Something answered that is not a raftctl member (another web server on that port).
    #[error("{node} is not a raftctl member (HTTP {status} from it: {snippet})")]
    NotRaftctl {
        node: String,
        status: u16,
        snippet: String,
    },
    /// raftctl's own "no such key" answer.
    #[error("{node}: no such key")]
    NotFound { node: String },
    /// A plain-text request reached a TLS port (the member said so and did nothing).
    #[error(
        "{node} speaks TLS: give it as https://HOST:PORT with --cacert (and --cert/--key if \
         it asks for a client certificate)"
    )]
    NeedsTls { node: String },
}

impl ClientError {
    /// The member could not be reached at all (worth trying another).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ClientError::Unreachable { .. })
    }

    /// The request certainly did not take effect: no connection was made, or the member
    /// refused it before proposing it ([`NodeError::changed_nothing`]).
    pub fn changed_nothing(&self) -> bool {
        match self {
            ClientError::Unreachable { sent, .. } => !sent,
            ClientError::Node { error, .. } => error.changed_nothing(),
            ClientError::NeedsTls { .. } => true,
            ClientError::NotRaftctl { .. } | ClientError::NotFound { .. } => false,
        }
    }
}

/// The longest key the API takes, in bytes (keys travel in the URL).
pub const MAX_KEY_BYTES: usize = 8 << 10;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// How errors name this member: "node 2 (127.0.0.1:7102)", or its address.
    label: String,
    /// An https:// endpoint without a CA to check it by.
    no_ca: bool,
    /// `HOST:PORT`, and the TLS to speak there (none: plain text or no CA), for a
    /// [`super::conn::KvConn`] of this client's member.
    addr: String,
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    timeout: Duration,
}

impl Client {
    /// A client of the node whose API is at `endpoint` (`host:port` or `http://host:port`).
    pub fn new(endpoint: &str, timeout: Duration) -> Client {
        Client::with_dial(endpoint, timeout, timeout.min(Duration::from_secs(2)))
    }

    /// A client with its own connect timeout (`--dial-timeout`) and request timeout, and
    /// this process's TLS ([`set_tls`]).
    pub fn with_dial(endpoint: &str, timeout: Duration, dial: Duration) -> Client {
        Client::with_tls(endpoint, timeout, dial, TLS.get())
    }

    /// A client that speaks TLS with `tls`: `https://` endpoints, and bare `HOST:PORT` ones
    /// when `tls` is given (as etcdctl does with --cacert); `http://` stays plain text.
    pub fn with_tls(
        endpoint: &str,
        timeout: Duration,
        dial: Duration,
        tls: Option<&ClientTls>,
    ) -> Client {
        let endpoint = endpoint.trim_end_matches('/');
        let (secure, rest) = if let Some(rest) = endpoint.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = endpoint.strip_prefix("http://") {
            (false, rest)
        } else {
            (tls.is_some(), endpoint)
        };
        let base = format!("{}://{rest}", if secure { "https" } else { "http" });
        // reqwest is built with rustls and no default crypto: every client gets a config,
        // an unused one for plain text.
        let tls = tls.filter(|_| secure).map(|t| t.config.clone());
        let config = match &tls {
            Some(t) => (**t).clone(),
            None => crate::tls::unused_client_config(),
        };
        let built = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(dial.min(timeout))
            .no_proxy()
            .tls_backend_preconfigured(config)
            .build();
        let http = built.unwrap_or_else(|e| {
            // Not reached with the rustls reqwest is built with; reqwest's own defaults then,
            // which need a process-wide provider.
            tracing::debug!("building an HTTP client for {endpoint}: {e}");
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::default()
        });
        let label = rest.to_string();
        let no_ca = secure && tls.is_none();
        Client {
            http,
            base,
            label,
            no_ca,
            addr: rest.to_string(),
            tls,
            timeout,
        }
    }

    /// Names the member in errors ("node 2 (127.0.0.1:7102)").
    pub fn named(mut self, label: String) -> Client {
        self.label = label;
        self
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// How errors name the member.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `HOST:PORT`, and the TLS config when the endpoint is https:// with a CA.
    pub(crate) fn dial(&self) -> (&str, Option<&std::sync::Arc<rustls::ClientConfig>>, bool) {
        (&self.addr, self.tls.as_ref(), self.no_ca)
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn kv_url(&self, key: &str) -> String {
        self.url(&format!("/kv?key={}", encode_key(key)))
    }

    fn unreachable(&self, e: &reqwest::Error) -> ClientError {
        let reason = if self.no_ca && tls_reason(e).is_some() {
            "TLS: no CA to check its certificate with (an https:// endpoint needs --cacert FILE)"
                .to_string()
        } else {
            reason(e)
        };
        ClientError::Unreachable {
            node: self.label.clone(),
            reason,
            sent: !e.is_connect(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let resp = req.send().await.map_err(|e| self.unreachable(&e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let tls_required = resp
            .headers()
            .get(crate::tls::accept::TLS_REQUIRED_HEADER)
            .is_some_and(|v| v == crate::tls::accept::TLS_REQUIRED);
        if status == 400 && tls_required {
            return Err(ClientError::NeedsTls {
                node: self.label.clone(),
            });
        }
        let body = resp.bytes().await.map_err(|e| self.unreachable(&e))?;
        Err(refusal(&self.label, status, &body))
    }

    async fn json<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let resp = self.send(req).await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(&e))?;
        serde_json::from_slice(&bytes).map_err(|_| ClientError::NotRaftctl {
            node: self.label.clone(),
            status,
            snippet: one_line(&bytes),
        })
    }

    pub async fn status(&self) -> Result<NodeStatus, ClientError> {
        self.json(self.http.get(self.url("/status"))).await
    }

    /// Writes `key`; returns the index it committed at.
    pub async fn put(
        &self,
        key: &str,
        value: Vec<u8>,
        request_id: u64,
    ) -> Result<u64, ClientError> {
        let req = self
            .http
            .put(self.kv_url(key))
            .header("x-request-id", request_id.to_string())
            .body(value);
        let v: Value = self.json(req).await?;
        Ok(v["index"].as_u64().unwrap_or(0))
    }

    /// Reads `key`: `None` when it does not exist.
    pub async fn get(&self, key: &str, serializable: bool) -> Result<Option<Vec<u8>>, ClientError> {
        let mut url = self.kv_url(key);
        if serializable {
            url.push_str("&serializable=true");
        }
        let resp = match self.send(self.http.get(url)).await {
            Ok(r) => r,
            Err(ClientError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let b = resp.bytes().await.map_err(|e| self.unreachable(&e))?;
        Ok(Some(b.to_vec()))
    }

    /// Reads a range of keys (see [`KeyRange`]), in key order.
    pub async fn range(
        &self,
        range: &KeyRange,
        limit: usize,
        keys_only: bool,
        serializable: bool,
    ) -> Result<RangeAnswer, ClientError> {
        let mut url = self.url(&format!("/kv/range?{}&limit={limit}", range.query()));
        if keys_only {
            url.push_str("&keys_only=true");
        }
        if serializable {
            url.push_str("&serializable=true");
        }
        let v: Value = self.json(self.http.get(url)).await?;
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let bytes = |v: &Value| {
            b64.decode(v.as_str().unwrap_or_default())
                .unwrap_or_default()
        };
        let pairs = v["kvs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| (bytes(&p["key"]), bytes(&p["value"])))
                    .collect()
            })
            .unwrap_or_default();
        Ok(RangeAnswer {
            pairs,
            more: v["more"].as_bool().unwrap_or(false),
        })
    }

    /// Deletes a range of keys; returns how many there were.
    pub async fn delete_range(
        &self,
        range: &KeyRange,
        request_id: u64,
    ) -> Result<u64, ClientError> {
        let req = self
            .http
            .delete(self.url(&format!("/kv/range?{}", range.query())))
            .header("x-request-id", request_id.to_string());
        let v: Value = self.json(req).await?;
        Ok(v["deleted"].as_u64().unwrap_or(0))
    }

    pub async fn delete(&self, key: &str, request_id: u64) -> Result<bool, ClientError> {
        let req = self
            .http
            .delete(self.kv_url(key))
            .header("x-request-id", request_id.to_string());
        let v: Value = self.json(req).await?;
        Ok(v["deleted"].as_bool().unwrap_or(false))
    }

    pub async fn change(&self, changes: &[Change]) -> Result<Membership, ClientError> {
        let req = self
            .http
            .post(self.url("/members"))
            .json(&json!({ "changes": changes }));
        self.json(req).await
    }

    pub async fn transfer(&self, to: Option<u64>) -> Result<Transferred, ClientError> {
        let req = self
            .http
            .post(self.url("/leader/transfer"))
            .json(&json!({ "to": to }));
        self.json(req).await
    }

    /// Every failpoint and its action; with `set` (a name and an action), after arming or
    /// disarming that one (`PUT /failpoints`, on a member started with --allow-faults).
    pub async fn failpoints(
        &self,
        set: Option<(&str, &str)>,
    ) -> Result<std::collections::BTreeMap<String, String>, ClientError> {
        let url = self.url("/failpoints");
        match set {
            Some((name, action)) => {
                let body = json!({ "name": name, "action": action });
                self.json(self.http.put(&url).json(&body)).await
            }
            None => self.json(self.http.get(&url)).await,
        }
    }

    pub async fn faults(&self, set: Option<&Faults>) -> Result<Faults, ClientError> {
        let url = self.url("/faults");
        match set {
            Some(f) => self.json(self.http.put(&url).json(f)).await,
            None => self.json(self.http.get(&url)).await,
        }
    }
}

/// Every endpoint's status (or why not), asked concurrently, in the order given.
pub async fn statuses(
    endpoints: &[String],
    timeout: Duration,
) -> Vec<(String, Result<NodeStatus, String>)> {
    let tasks: Vec<_> = endpoints
        .iter()
        .map(|e| {
            let c = Client::new(e, timeout);
            tokio::spawn(async move { c.status().await.map_err(|x| x.to_string()) })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for (t, e) in tasks.into_iter().zip(endpoints) {
        out.push((e.clone(), t.await.unwrap_or_else(|x| Err(x.to_string()))));
    }
    out
}

/// Which keys a range read or delete covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRange {
    /// Every key that starts with this.
    Prefix(String),
    /// Every key from this one on (etcdctl's --from-key).
    From(String),
}

impl KeyRange {
    fn query(&self) -> String {
        match self {
            KeyRange::Prefix(p) => format!("prefix={}", encode_key(p)),
            KeyRange::From(s) => format!("start={}", encode_key(s)),
        }
    }
}

/// Percent-encodes a key for the query string: every byte but the unreserved ones, so that
/// `..`, `/`, `?`, `#` and `%` in a key reach the member as they are.
/// What a member's answer other than 2xx means: its own error, a value too large, its "no
/// such key", or something that is not a raftctl member at all.
pub(crate) fn refusal(label: &str, status: u16, body: &[u8]) -> ClientError {
    if let Ok(error) = serde_json::from_slice::<NodeError>(body) {
        return ClientError::Node {
            node: label.to_string(),
            error,
        };
    }
    if status == 413 {
        // axum cuts off a body far over the member's limit before raftctl's handler sees it.
        return ClientError::Node {
            node: label.to_string(),
            error: NodeError::TooLarge { size: 0, limit: 0 },
        };
    }
    // Only raftctl's own body means "no such key": any other 404 is another server.
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if status == 404 && v["error"] == "not_found" {
        return ClientError::NotFound {
            node: label.to_string(),
        };
    }
    ClientError::NotRaftctl {
        node: label.to_string(),
        status,
        snippet: one_line(body),
    }
}

pub(crate) fn encode_key(key: &str) -> String {
    let mut s = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// A body for a one-line error: markup dropped, whitespace folded, cut at 80 characters.
fn one_line(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    let folded: Vec<&str> = out.split_whitespace().collect();
    let folded = folded.join(" ");
    if folded.is_empty() {
        return "an empty body".into();
    }
    match folded.char_indices().nth(80) {
        Some((i, _)) => format!("\"{}…\"", &folded[..i]),
        None => format!("\"{folded}\""),
    }
}

fn reason(e: &reqwest::Error) -> String {
    if let Some(tls) = tls_reason(e) {
        tls
    } else if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused".into()
    } else {
        // The innermost cause says what happened; reqwest's own text repeats the URL.
        let mut last = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(x) = src {
            last = x.to_string();
            src = x.source();
        }
        last
    }
}

/// A TLS failure in `e`'s causes, in words that say which flag to look at.
fn tls_reason(e: &reqwest::Error) -> Option<String> {
    crate::tls::rustls_error(e).map(tls_words)
}

pub fn tls_words(r: &rustls::Error) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    match r {
        E::InvalidMessage(_) => {
            "it does not speak TLS (a plain-text port? give it as http://HOST:PORT)".into()
        }
        E::InvalidCertificate(C::UnknownIssuer) => {
            "TLS: its certificate is not signed by the CA given with --cacert".into()
        }
        E::InvalidCertificate(C::NotValidForName) => {
            "TLS: its certificate is not valid for the address dialled".into()
        }
        E::InvalidCertificate(C::Expired) => "TLS: its certificate has expired".into(),
        E::AlertReceived(A::CertificateRequired) => {
            "TLS: it requires a client certificate (--cert and --key)".into()
        }
        E::AlertReceived(A::UnknownCA | A::BadCertificate | A::DecryptError) => {
            "TLS: it does not trust our client certificate (--cert)".into()
        }
        other => format!("TLS: {other}"),
    }
}

/// The process's TLS for clients (etcdctl's --cacert, --cert, --key).
#[derive(Clone)]
pub struct ClientTls {
    pub config: std::sync::Arc<rustls::ClientConfig>,
}

impl ClientTls {
    /// From a CA file and, optionally, a client certificate and key.
    pub fn load(
        ca: &std::path::Path,
        identity: Option<(&std::path::PathBuf, &std::path::PathBuf)>,
    ) -> Result<ClientTls, crate::tls::TlsError> {
        Ok(ClientTls {
            config: crate::tls::client_config(ca, identity, "client")?,
        })
    }
}

static TLS: std::sync::OnceLock<ClientTls> = std::sync::OnceLock::new();

/// Sets the TLS every [`Client::new`] and [`Client::with_dial`] of this process uses, as
/// etcdctl's TLS flags are global; first call wins.
pub fn set_tls(tls: ClientTls) {
    let _ = TLS.set(tls);
}

/// Whether this process talks TLS to bare `HOST:PORT` endpoints.
pub fn tls_is_set() -> bool {
    TLS.get().is_some()
}

/// An endpoint without its scheme: `HOST:PORT`.
pub fn bare(endpoint: &str) -> &str {
    let e = endpoint.trim_end_matches('/');
    e.strip_prefix("https://")
        .or_else(|| e.strip_prefix("http://"))
        .unwrap_or(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_whole() {
        assert_eq!(encode_key(".."), "..");
        assert_eq!(encode_key("a/b c%"), "a%2Fb%20c%25");
        assert_eq!(encode_key("k?x#y&z=1"), "k%3Fx%23y%26z%3D1");
    }

    #[test]
    fn error_bodies_fold_to_one_line() {
        let html = b"<html>\n<head><title>404 Not Found</title></head>\n<body>nginx</body></html>";
        assert_eq!(one_line(html), "\"404 Not Found nginx\"");
        let long = vec![b'x'; 500];
        assert_eq!(one_line(&long).chars().count(), 83);
        assert_eq!(one_line(b""), "an empty body");
    }
}
