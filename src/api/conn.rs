//! One keep-alive HTTP/1.1 connection to a member's KV API, owned by one caller: what each of
//! `raftctl bench`'s clients holds, as each of etcd's benchmark clients holds its stream.
//! No pool to lock, no URL to parse, no redirect policy or per-request client state: on this
//! 2-core machine the load generator's CPU is taken from the members it measures, so the
//! general client ([`super::client::Client`], reqwest) costs puts (about 35 µs of CPU per
//! put against 3 members' 95 µs, measured with `raftctl bench --clients 64`).
//!
//! Answers mean what they mean to the general client ([`super::client::refusal`]); a
//! connection that fails is dropped, and the next request dials again.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use super::client::{Client, ClientError, encode_key, refusal};
use crate::node::NodeError;

pub struct KvConn {
    addr: String,
    /// The https:// endpoint's TLS (none: plain text).
    tls: Option<Arc<rustls::ClientConfig>>,
    /// An https:// endpoint without a CA to check it by: refused before dialling.
    no_ca: bool,
    label: String,
    timeout: Duration,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl KvConn {
    /// A connection to `client`'s member, with its TLS and its request timeout; dialled on
    /// first use.
    pub fn to(client: &Client) -> KvConn {
        let (addr, tls, no_ca) = client.dial();
        KvConn {
            addr: addr.to_string(),
            tls: tls.cloned(),
            no_ca,
            label: client.label().to_string(),
            timeout: client.timeout(),
            sender: None,
        }
    }

    /// Writes `key`; returns the index it committed at.
    pub async fn put(
        &mut self,
        key: &str,
        value: Bytes,
        request_id: u64,
    ) -> Result<u64, ClientError> {
        let req = self
            .builder("PUT", key)
            .header("x-request-id", request_id)
            .body(Full::new(value));
        let body = self.send(req).await?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        Ok(v["index"].as_u64().unwrap_or(0))
    }

    /// Writes many keys in one request (`POST /kv/batch`), each as its own entry, proposed
    /// in order: one result per put, the index it committed at or why it failed.
    pub async fn put_batch(
        &mut self,
        puts: Vec<crate::proto::batch::BatchPut>,
    ) -> Result<Vec<Result<u64, ClientError>>, ClientError> {
        use prost::Message as _;
        let n = puts.len();
        let body = crate::proto::batch::PutBatch { puts }.encode_to_vec();
        let req = http::Request::builder()
            .method("POST")
            .uri("/kv/batch")
            .header(http::header::HOST, &self.addr)
            .body(Full::new(Bytes::from(body)));
        let answer = self.send(req).await?;
        let v: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        let results = v["results"].as_array().filter(|r| r.len() == n);
        let Some(results) = results else {
            return Err(refusal(&self.label, 200, &answer));
        };
        Ok(results
            .iter()
            .map(|r| match r["index"].as_u64() {
                Some(index) => Ok(index),
                None => Err(match serde_json::from_value::<NodeError>(r.clone()) {
                    Ok(error) => ClientError::Node {
                        node: self.label.clone(),
                        error,
                    },
                    Err(_) => refusal(&self.label, 200, r.to_string().as_bytes()),
                }),
            })
            .collect())
    }

    /// Reads `key`: `None` when it does not exist.
    pub async fn get(
        &mut self,
        key: &str,
        serializable: bool,
    ) -> Result<Option<Bytes>, ClientError> {
        let mut b = self.builder("GET", key);
        if serializable {
            b = b.uri(format!("/kv?key={}&serializable=true", encode_key(key)));
        }
        match self.send(b.body(Full::new(Bytes::new()))).await {
            Ok(v) => Ok(Some(v)),
            Err(ClientError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn builder(&self, method: &str, key: &str) -> http::request::Builder {
        http::Request::builder()
            .method(method)
            .uri(format!("/kv?key={}", encode_key(key)))
            .header(http::header::HOST, &self.addr)
    }

    fn unreachable(&self, reason: String, sent: bool) -> ClientError {
        ClientError::Unreachable {
            node: self.label.clone(),
            reason,
            sent,
        }
    }

    async fn send(
        &mut self,
        req: Result<http::Request<Full<Bytes>>, http::Error>,
    ) -> Result<Bytes, ClientError> {
        let req = req.map_err(|e| self.unreachable(format!("a request: {e}"), false))?;
        let answer = tokio::time::timeout(self.timeout, self.round_trip(req)).await;
        let answer = answer.unwrap_or_else(|_| Err(self.unreachable("timed out".into(), true)));
        if answer.is_err() {
            // Whatever state the connection is in, it is not to be trusted with the next one.
            self.sender = None;
        }
        let (status, tls_required, body) = answer?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        if status == 400 && tls_required {
            return Err(ClientError::NeedsTls {
                node: self.label.clone(),
            });
        }
        Err(refusal(&self.label, status, &body))
    }

    async fn round_trip(
        &mut self,
        req: http::Request<Full<Bytes>>,
    ) -> Result<(u16, bool, Bytes), ClientError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            self.sender = Some(self.dial().await?);
        }
        let Some(sender) = self.sender.as_mut() else {
            return Err(self.unreachable("not connected".into(), false));
        };
        if sender.ready().await.is_err() {
            // The member closed the idle connection: nothing was sent on it; dial again.
            self.sender = Some(self.dial().await?);
        }
        let Some(sender) = self.sender.as_mut() else {
            return Err(self.unreachable("not connected".into(), false));
        };
        let resp = match sender.send_request(req).await {
            Ok(r) => r,
            Err(e) => return Err(self.unreachable(innermost(&e), true)),
        };
        let status = resp.status().as_u16();
        let tls_required = resp
            .headers()
            .get(crate::tls::accept::TLS_REQUIRED_HEADER)
            .is_some_and(|v| v == crate::tls::accept::TLS_REQUIRED);
        let body = match resp.into_body().collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return Err(self.unreachable(innermost(&e), true)),
        };
        Ok((status, tls_required, body))
    }

    async fn dial(&self) -> Result<SendRequest<Full<Bytes>>, ClientError> {
        if self.no_ca {
            let why = "TLS: no CA to check its certificate with (an https:// endpoint needs \
                       --cacert FILE)";
            return Err(self.unreachable(why.into(), false));
        }
        let refused = |e: std::io::Error| {
            let reason = if e.kind() == std::io::ErrorKind::ConnectionRefused {
                "connection refused".to_string()
            } else {
                e.to_string()
            };
            self.unreachable(reason, false)
        };
        let tcp = tokio::net::TcpStream::connect(&self.addr)
            .await
            .map_err(refused)?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => self.handshake(tcp).await,
            Some(config) => {
                let host = self.addr.rsplit_once(':').map_or(&*self.addr, |(h, _)| h);
                let host = host.trim_start_matches('[').trim_end_matches(']');
                let name = rustls::pki_types::ServerName::try_from(host.to_string())
                    .map_err(|e| self.unreachable(format!("TLS: {host}: {e}"), false))?;
                let tls = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| {
                        let reason = e
                            .get_ref()
                            .and_then(|r| r.downcast_ref::<rustls::Error>())
                            .map_or_else(|| e.to_string(), super::client::tls_words);
                        self.unreachable(reason, false)
                    })?;
                self.handshake(tls).await
            }
        }
    }

    async fn handshake<S>(&self, io: S) -> Result<SendRequest<Full<Bytes>>, ClientError>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        let (sender, conn) = http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| self.unreachable(innermost(&e), false))?;
        // The connection's own task: it ends when the sender is dropped or the socket fails.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }
}

/// The innermost cause says what happened.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        last = x.to_string();
        src = x.source();
    }
    last
}
