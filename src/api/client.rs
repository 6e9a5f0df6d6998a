//! The API client: what `raftctl status|put|get|del|member|leader` and `top` use. Every error
//! names the node and what failed.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use thiserror::Error;

use crate::node::{Change, Membership, NodeError, NodeStatus, Transferred};
use crate::transport::Faults;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("{url} did not answer: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url}: {error}")]
    Node { url: String, error: NodeError },
    #[error("{url}: HTTP {status}: {body}")]
    Http {
        url: String,
        status: u16,
        body: String,
    },
}

impl ClientError {}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// A client of the node whose API is at `endpoint` (`host:port` or `http://host:port`).
    pub fn new(endpoint: &str, timeout: Duration) -> Client {
        let base = if endpoint.starts_with("http://") {
            endpoint.trim_end_matches('/').to_string()
        } else {
            format!("http://{endpoint}")
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .no_proxy()
            .build()
            .unwrap_or_default();
        Client { http, base }
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let resp = req.send().await.map_err(|e| ClientError::Unreachable {
            url: url.to_string(),
            reason: reason(&e),
        })?;
        if resp.status().is_success() || resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(resp);
        }
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        match serde_json::from_str::<NodeError>(&body) {
            Ok(error) => Err(ClientError::Node {
                url: url.to_string(),
                error,
            }),
            Err(_) => Err(ClientError::Http {
                url: url.to_string(),
                status,
                body,
            }),
        }
    }

    async fn json<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<T, ClientError> {
        let resp = self.send(req, url).await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| ClientError::Unreachable {
            url: url.to_string(),
            reason: reason(&e),
        })?;
        serde_json::from_slice(&bytes).map_err(|_| ClientError::Http {
            url: url.to_string(),
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    pub async fn status(&self) -> Result<NodeStatus, ClientError> {
        let url = self.url("/status");
        self.json(self.http.get(&url), &url).await
    }

    /// Writes `key`; returns the index it committed at.
    pub async fn put(
        &self,
        key: &str,
        value: Vec<u8>,
        request_id: u64,
    ) -> Result<u64, ClientError> {
        let url = self.url(&format!("/kv/{}", encode_key(key)));
        let v: Value = self
            .json(
                self.http
                    .put(&url)
                    .header("x-request-id", request_id.to_string())
                    .body(value),
                &url,
            )
            .await?;
        Ok(v["index"].as_u64().unwrap_or(0))
    }

    /// Reads `key`: `None` when it does not exist.
    pub async fn get(&self, key: &str, serializable: bool) -> Result<Option<Vec<u8>>, ClientError> {
        let mut url = self.url(&format!("/kv/{}", encode_key(key)));
        if serializable {
            url.push_str("?serializable=true");
        }
        let resp = self.send(self.http.get(&url), &url).await?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let b = resp.bytes().await.map_err(|e| ClientError::Unreachable {
            url: url.clone(),
            reason: reason(&e),
        })?;
        Ok(Some(b.to_vec()))
    }

    pub async fn delete(&self, key: &str, request_id: u64) -> Result<bool, ClientError> {
        let url = self.url(&format!("/kv/{}", encode_key(key)));
        let v: Value = self
            .json(
                self.http
                    .delete(&url)
                    .header("x-request-id", request_id.to_string()),
                &url,
            )
            .await?;
        Ok(v["deleted"].as_bool().unwrap_or(false))
    }

    pub async fn change(&self, changes: &[Change]) -> Result<Membership, ClientError> {
        let url = self.url("/members");
        self.json(
            self.http.post(&url).json(&json!({ "changes": changes })),
            &url,
        )
        .await
    }

    pub async fn transfer(&self, to: Option<u64>) -> Result<Transferred, ClientError> {
        let url = self.url("/leader/transfer");
        self.json(self.http.post(&url).json(&json!({ "to": to })), &url)
            .await
    }

    pub async fn faults(&self, set: Option<&Faults>) -> Result<Faults, ClientError> {
        let url = self.url("/faults");
        match set {
            Some(f) => self.json(self.http.put(&url).json(f), &url).await,
            None => self.json(self.http.get(&url), &url).await,
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

/// Percent-encodes a key for the URL path (slashes kept: keys are paths).
fn encode_key(key: &str) -> String {
    let mut s = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection refused".into()
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(x) = src {
            s = format!("{s}: {x}");
            src = x.source();
        }
        s
    }
}
