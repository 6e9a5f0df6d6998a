//! A client of a live etcd (3.4+) cluster's gRPC API, for `--etcd`: Maintenance.Status and
//! MoveLeader, Cluster.MemberList/Add/Remove/Promote.
//!
//! The approach: tonic's generic unary client (`tonic::client::Grpc` with
//! `tonic_prost::ProstCodec`) calling the methods by path ("/etcdserverpb.Maintenance/Status"),
//! over the hand-written prost messages in [`crate::proto::etcdrpc`]. No generated code, so
//! no protoc and no build script: `cargo build` works on a machine with nothing but Rust, and
//! the handful of messages are few enough to keep by hand (their field numbers are checked
//! against etcd 3.4's rpc.proto in that module's tests). The alternative, a crate that
//! bundles a protobuf compiler (protox) with tonic-build, would add a build-time parser and
//! codegen for five RPCs.
//!
//! TLS (etcdctl's `--cacert`, `--cert`, `--key`; `https://` endpoints) goes through a connector
//! of our own over tokio-rustls with the process's rustls configuration, offering ALPN `h2`
//! as etcd's TLS listener (Go's net/http with grpc-go) expects; tonic's own TLS features
//! would bring a second copy of the same configuration code.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::{Context, bail};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tonic::transport::{Channel, Endpoint};

use crate::output::etcd::{EtcdNode, EtcdStatus};
use crate::proto::etcdrpc as pb;

/// How to reach a live etcd cluster: the endpoints given, the time-outs, and TLS when the
/// client was given a CA.
#[derive(Clone)]
pub struct Target {
    pub endpoints: Vec<String>,
    /// To connect.
    pub connect: Duration,
    /// For each call.
    pub timeout: Duration,
    /// With ALPN `h2` set (see [`Target::with_tls`]).
    tls: Option<Arc<ClientConfig>>,
}

impl Target {
    pub fn new(endpoints: Vec<String>, connect: Duration, timeout: Duration) -> Target {
        Target {
            endpoints,
            connect,
            timeout,
            tls: None,
        }
    }

    /// Talks TLS with `config` (it trusts the CA of --cacert and may hold a client
    /// certificate) to `https://` endpoints and to bare `HOST:PORT`s, as etcdctl does.
    pub fn with_tls(mut self, config: &ClientConfig) -> Target {
        let mut c = config.clone();
        c.alpn_protocols = vec![b"h2".to_vec()];
        self.tls = Some(Arc::new(c));
        self
    }

    /// The same cluster with other time-outs.
    pub fn with_timeouts(&self, connect: Duration, timeout: Duration) -> Target {
        Target {
            connect,
            timeout,
            ..self.clone()
        }
    }

    pub fn tls(&self) -> bool {
        self.tls.is_some()
    }
}

/// Where an endpoint is, and whether it speaks TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addr {
    /// `HOST:PORT`.
    pub hostport: String,
    pub tls: bool,
}

/// An endpoint as etcdctl takes it: `http://HOST:PORT` is plain text, `https://HOST:PORT`
/// TLS, and a bare `HOST:PORT` TLS when `tls` (a CA was given), else plain.
pub fn addr(endpoint: &str, tls: bool) -> anyhow::Result<Addr> {
    let e = endpoint.trim().trim_end_matches('/');
    let (hostport, tls) = if let Some(h) = e.strip_prefix("https://") {
        (h, true)
    } else if let Some(h) = e.strip_prefix("http://") {
        (h, false)
    } else {
        (e, tls)
    };
    if hostport.is_empty()
        || hostport.contains('/')
        || hostport.contains("://")
        || !hostport.contains(':')
    {
        bail!(
            "--etcd {endpoint:?}: not an etcd endpoint (HOST:PORT, http://HOST:PORT or \
             https://HOST:PORT)"
        );
    }
    Ok(Addr {
        hostport: hostport.to_string(),
        tls,
    })
}

/// One member's gRPC connection, named by its endpoint in errors.
#[derive(Clone)]
pub struct Client {
    endpoint: String,
    channel: Channel,
    timeout: Duration,
    /// What the member asked of the client certificate, over TLS (see [`NoteAsked`]).
    asked: CertAsked,
}

impl Client {
    /// Connects to `endpoint` within the target's connect time-out; each call then has its
    /// call time-out.
    pub async fn connect(endpoint: &str, target: &Target) -> anyhow::Result<Client> {
        let a = addr(endpoint, target.tls())?;
        let asked = CertAsked::default();
        // tonic dials http:// (it has no TLS of its own here); the connector below wraps
        // the socket in TLS when the endpoint wants it.
        let e = Endpoint::from_shared(format!("http://{}", a.hostport))
            .with_context(|| format!("{endpoint}: not a URL"))?
            .connect_timeout(target.connect)
            .timeout(target.timeout);
        let channel = if a.tls {
            let Some(config) = target.tls.clone() else {
                bail!(
                    "{endpoint}: an https:// endpoint needs the CA that signed its certificate \
                     (--cacert FILE)"
                );
            };
            let name = crate::tls::server_name(&a.hostport)?;
            let mut c = (*config).clone();
            c.client_auth_cert_resolver = Arc::new(NoteAsked {
                inner: config.client_auth_cert_resolver.clone(),
                asked: asked.clone(),
            });
            let config = Arc::new(c);
            e.connect_with_connector(TlsConnector { config, name })
                .await
        } else {
            e.connect().await
        };
        let channel =
            channel.map_err(|e| anyhow::anyhow!("{endpoint}: cannot connect: {}", why(&e)))?;
        Ok(Client {
            endpoint: endpoint.to_string(),
            channel,
            timeout: target.timeout,
            asked,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn unary<Req, Resp>(&self, path: &'static str, req: Req) -> anyhow::Result<Resp>
    where
        Req: prost::Message + Send + Sync + 'static,
        Resp: prost::Message + Default + Send + Sync + 'static,
    {
        let method = path.rsplit('/').next().unwrap_or(path);
        let call = async {
            let mut grpc = tonic::client::Grpc::new(self.channel.clone());
            grpc.ready()
                .await
                .map_err(|e| anyhow::anyhow!("cannot connect: {}", why(&e)))?;
            let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
            let r = grpc
                .unary(
                    tonic::Request::new(req),
                    http::uri::PathAndQuery::from_static(path),
                    codec,
                )
                .await
                .map_err(|s| anyhow::anyhow!("{}", self.status_why(&s)))?;
            anyhow::Ok(r.into_inner())
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(r) => r.with_context(|| format!("{}: {method}", self.endpoint)),
            Err(_) => bail!(
                "{}: {method}: no answer within {:?}",
                self.endpoint,
                self.timeout
            ),
        }
    }

    /// A failed call in one line: a TLS failure beneath it in words that name the flag, a
    /// connection closed after the member asked for a client certificate as such, else the
    /// status itself.
    fn status_why(&self, s: &tonic::Status) -> String {
        if let Some(r) = crate::tls::rustls_error(s) {
            return crate::api::client::tls_words(r);
        }
        let closed = matches!(
            s.code(),
            tonic::Code::Unknown | tonic::Code::Unavailable | tonic::Code::Cancelled
        );
        match self.asked.lock().map(|a| *a) {
            Ok(Some(false)) if closed => {
                "TLS: it requires a client certificate (--cert and --key)".into()
            }
            Ok(Some(true)) if closed => {
                "TLS: it closed the connection after we presented our client certificate: \
                 it does not trust it (--cert)"
                    .into()
            }
            _ => status_text(s),
        }
    }

    pub async fn status(&self) -> anyhow::Result<pb::StatusResponse> {
        self.unary("/etcdserverpb.Maintenance/Status", pb::StatusRequest {})
            .await
    }

    pub async fn member_list(&self) -> anyhow::Result<pb::MemberListResponse> {
        self.unary("/etcdserverpb.Cluster/MemberList", pb::MemberListRequest {})
            .await
    }

    pub async fn member_add(
        &self,
        peer_urls: Vec<String>,
        learner: bool,
    ) -> anyhow::Result<pb::MemberAddResponse> {
        let req = pb::MemberAddRequest {
            peer_urls,
            is_learner: learner,
        };
        self.unary("/etcdserverpb.Cluster/MemberAdd", req).await
    }

    pub async fn member_remove(&self, id: u64) -> anyhow::Result<pb::MemberRemoveResponse> {
        let req = pb::MemberRemoveRequest { id };
        self.unary("/etcdserverpb.Cluster/MemberRemove", req).await
    }

    pub async fn member_promote(&self, id: u64) -> anyhow::Result<pb::MemberPromoteResponse> {
        let req = pb::MemberPromoteRequest { id };
        self.unary("/etcdserverpb.Cluster/MemberPromote", req).await
    }

    /// Must be sent to the leader (etcd answers others "etcdserver: not leader").
    pub async fn move_leader(&self, target: u64) -> anyhow::Result<pb::MoveLeaderResponse> {
        let req = pb::MoveLeaderRequest { target_id: target };
        self.unary("/etcdserverpb.Maintenance/MoveLeader", req)
            .await
    }
}

/// A gRPC status as one line: etcd's own message ("etcdserver: not leader") when it sent one.
fn status_text(s: &tonic::Status) -> String {
    if s.message().is_empty() {
        format!("{:?}", s.code())
    } else {
        s.message().to_string()
    }
}

/// Why a connection failed, in one line: a TLS failure in the words that name the flag to
/// look at, else the error and its causes.
fn why(e: &(dyn std::error::Error + 'static)) -> String {
    match crate::tls::rustls_error(e) {
        Some(r) => crate::api::client::tls_words(r),
        None => source_chain(e),
    }
}

/// An error and its causes as one line (tonic's transport errors say little at the top).
fn source_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = c.source();
    }
    parts.join(": ")
}

/// Dials TCP, then TLS, for tonic: what `Endpoint::connect_with_connector` calls for each
/// connection it makes.
#[derive(Clone)]
struct TlsConnector {
    config: Arc<ClientConfig>,
    /// The name the member's certificate must carry.
    name: ServerName<'static>,
}

type TlsIo = hyper_util::rt::TokioIo<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

/// Whether the member asked for a client certificate (`Some`), and whether one was given.
type CertAsked = Arc<std::sync::Mutex<Option<bool>>>;

/// The client certificate resolver, noting when a member asks for a certificate. With TLS
/// 1.3 a member that wants one refuses it (or its absence) only after the client's side of
/// the handshake is done: it sends an alert and closes, the first call fails with a broken
/// pipe or a cancelled stream, and the alert that names the cause is never read. What was
/// asked and given says it instead.
#[derive(Debug)]
struct NoteAsked {
    inner: Arc<dyn rustls::client::ResolvesClientCert>,
    asked: CertAsked,
}

impl rustls::client::ResolvesClientCert for NoteAsked {
    fn resolve(
        &self,
        hints: &[&[u8]],
        schemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let key = self.inner.resolve(hints, schemes);
        if let Ok(mut a) = self.asked.lock() {
            *a = Some(key.is_some());
        }
        key
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

impl tower_service::Service<http::Uri> for TlsConnector {
    type Response = TlsIo;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<TlsIo>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let (config, name) = (self.config.clone(), self.name.clone());
        Box::pin(async move {
            let at = uri
                .authority()
                .map(|a| a.as_str().to_string())
                .ok_or_else(|| std::io::Error::other(format!("{uri}: no host:port")))?;
            let tcp = tokio::net::TcpStream::connect(at).await?;
            tcp.set_nodelay(true)?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await?;
            Ok(hyper_util::rt::TokioIo::new(tls))
        })
    }
}

/// etcd's way of printing a member id: lower-case hex without a prefix.
pub fn hex(id: u64) -> String {
    format!("{id:x}")
}

/// A member id as etcdctl takes it: hex, with or without `0x`.
pub fn parse_hex_id(s: &str) -> anyhow::Result<u64> {
    let t = s.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    u64::from_str_radix(t, 16)
        .ok()
        .filter(|v| *v != 0)
        .with_context(|| {
            format!("member id {s:?}: not an etcd member id (hex, as etcdctl prints it)")
        })
}

/// What one endpoint answered to Status, or why it did not.
pub struct Asked {
    pub endpoint: String,
    pub answer: Result<pb::StatusResponse, String>,
}

/// Asks each of `endpoints` of the cluster for its Status, all at once.
pub async fn ask_all(endpoints: &[String], target: &Target) -> Vec<Asked> {
    let asks = endpoints.iter().cloned().map(|e| {
        let target = target.clone();
        async move {
            let answer = async {
                let c = Client::connect(&e, &target).await?;
                c.status().await
            }
            .await
            .map_err(|err| format!("{err:#}"));
            Asked {
                endpoint: e,
                answer,
            }
        }
    });
    join_all(asks).await
}

/// Runs the futures concurrently and collects their outputs in order.
async fn join_all<F>(fs: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        match h.await {
            Ok(v) => out.push(v),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    out
}

/// `status --etcd`: every endpoint's Status, and one MemberList (from the leader when it
/// answered, else from any member that did); a listed member none of the endpoints is is
/// asked at its first client URL, so the report has every member. An endpoint that did not
/// answer is matched to a member by its client URLs, and shown with its error.
pub async fn cluster_status(target: &Target) -> EtcdStatus {
    let mut asked = ask_all(&target.endpoints, target).await;
    let by_leader = |a: &Asked| match &a.answer {
        Ok(s) => Some((
            s.header.as_ref().map(|h| h.member_id) == Some(s.leader),
            a.endpoint.clone(),
        )),
        Err(_) => None,
    };
    let mut candidates: Vec<(bool, String)> = asked.iter().filter_map(by_leader).collect();
    candidates.sort_by_key(|(leads, _)| !*leads);
    let mut members = None;
    let mut list_errors = Vec::new();
    for (_, ep) in &candidates {
        let r = async {
            let c = Client::connect(ep, target).await?;
            c.member_list().await
        }
        .await;
        match r {
            Ok(l) => {
                members = Some(l.members);
                break;
            }
            Err(e) => list_errors.push(format!("{e:#}")),
        }
    }
    if let Some(ms) = &members {
        let known = |m: &pb::Member, asked: &[Asked]| {
            asked.iter().any(|a| match &a.answer {
                Ok(s) => s.header.as_ref().map(|h| h.member_id) == Some(m.id),
                Err(_) => m.client_urls.iter().any(|u| same_endpoint(u, &a.endpoint)),
            })
        };
        let extra: Vec<String> = ms
            .iter()
            .filter(|m| !known(m, &asked))
            .filter_map(|m| m.client_urls.first().cloned())
            .collect();
        asked.extend(ask_all(&extra, target).await);
    }
    merge(asked, members.as_deref())
}

/// Whether two spellings name one endpoint (`http://h:p`, `https://h:p` and `h:p`).
pub fn same_endpoint(a: &str, b: &str) -> bool {
    use crate::api::client::bare;
    bare(a.trim()) == bare(b.trim())
}

/// The member id an endpoint answered as.
fn answered_as(a: &Asked) -> Option<u64> {
    a.answer
        .as_ref()
        .ok()
        .and_then(|s| s.header.as_ref())
        .map(|h| h.member_id)
}

/// The report from the answers and the member list (pure: tested on its own).
pub fn merge(asked: Vec<Asked>, members: Option<&[pb::Member]>) -> EtcdStatus {
    let mut nodes = Vec::new();
    let mut used = vec![false; asked.len()];
    let mut cluster_id = None;
    let node_of = |a: &Asked, m: Option<&pb::Member>| -> EtcdNode {
        let mut n = EtcdNode {
            id: m.map(|m| m.id),
            name: m.map(|m| m.name.clone()).unwrap_or_default(),
            endpoint: a.endpoint.clone(),
            learner: m.is_some_and(|m| m.is_learner),
            ..EtcdNode::default()
        };
        match &a.answer {
            Ok(s) => {
                let me = s.header.as_ref().map(|h| h.member_id).unwrap_or(0);
                n.id = Some(me);
                n.reachable = true;
                n.role = Some(if s.leader == 0 {
                    "no_leader"
                } else if s.leader == me {
                    "leader"
                } else {
                    "follower"
                });
                n.term = Some(s.raft_term);
                n.leader = Some(s.leader);
                n.raft_index = Some(s.raft_index);
                n.applied = Some(s.raft_applied_index);
                n.db_size = Some(s.db_size);
                n.db_size_in_use = Some(s.db_size_in_use);
                n.learner = s.is_learner;
                n.version = Some(s.version.clone());
                n.errors = s.errors.clone();
            }
            Err(e) => n.errors = vec![e.clone()],
        }
        n
    };
    for a in &asked {
        if let Ok(s) = &a.answer
            && cluster_id.is_none()
        {
            cluster_id = s.header.as_ref().map(|h| h.cluster_id);
        }
    }
    for m in members.unwrap_or_default() {
        // The endpoint that answered as this member, else one of its client URLs that did not.
        let free = || asked.iter().enumerate().filter(|(i, _)| !used[*i]);
        let hit = free()
            .find(|(_, a)| answered_as(a) == Some(m.id))
            .or_else(|| {
                free().find(|(_, a)| {
                    a.answer.is_err() && m.client_urls.iter().any(|u| same_endpoint(u, &a.endpoint))
                })
            })
            .map(|(i, _)| i);
        match hit {
            Some(i) => {
                used[i] = true;
                nodes.push(node_of(&asked[i], Some(m)));
            }
            None => nodes.push(EtcdNode {
                id: Some(m.id),
                name: m.name.clone(),
                endpoint: m.client_urls.first().cloned().unwrap_or_default(),
                learner: m.is_learner,
                errors: vec![if m.client_urls.is_empty() {
                    "not started: no client URL published yet".to_string()
                } else {
                    "not asked".to_string()
                }],
                ..EtcdNode::default()
            }),
        }
    }
    for (i, a) in asked.iter().enumerate() {
        if !used[i] {
            nodes.push(node_of(a, None));
        }
    }
    EtcdStatus { cluster_id, nodes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_ids_in_etcdctl_spelling() {
        let a = |h: &str, tls| Addr {
            hostport: h.into(),
            tls,
        };
        assert_eq!(
            addr("127.0.0.1:2379", false).unwrap(),
            a("127.0.0.1:2379", false)
        );
        assert_eq!(
            addr("127.0.0.1:2379", true).unwrap(),
            a("127.0.0.1:2379", true)
        );
        assert_eq!(addr("http://h:1/", true).unwrap(), a("h:1", false));
        assert_eq!(addr("https://h:1", false).unwrap(), a("h:1", true));
        assert!(addr("1234", false).is_err());
        assert!(addr("", false).is_err());
        assert!(addr("https://h:1/x", false).is_err());
        assert_eq!(
            parse_hex_id("8e9e05c52164694d").unwrap(),
            0x8e9e_05c5_2164_694d
        );
        assert_eq!(parse_hex_id("0x10").unwrap(), 16);
        assert!(parse_hex_id("zz").is_err());
        assert!(parse_hex_id("0").is_err());
        assert_eq!(hex(0x8e9e_05c5_2164_694d), "8e9e05c52164694d");
    }

    fn member(id: u64, url: &str) -> pb::Member {
        pb::Member {
            id,
            name: format!("m{id}"),
            peer_urls: vec![],
            client_urls: vec![url.to_string()],
            is_learner: false,
        }
    }

    fn answer(id: u64, leader: u64) -> pb::StatusResponse {
        pb::StatusResponse {
            header: Some(pb::ResponseHeader {
                cluster_id: 9,
                member_id: id,
                revision: 1,
                raft_term: 2,
            }),
            leader,
            raft_term: 2,
            raft_index: 10,
            raft_applied_index: 10,
            version: "3.4.23".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_dead_member_is_matched_by_its_client_url_and_keeps_its_error() {
        let asked = vec![
            Asked {
                endpoint: "127.0.0.1:1".into(),
                answer: Ok(answer(u64::MAX, u64::MAX)),
            },
            Asked {
                endpoint: "127.0.0.1:2".into(),
                answer: Err("connection refused".into()),
            },
            Asked {
                endpoint: "127.0.0.1:3".into(),
                answer: Err("refused too".into()),
            },
        ];
        let ms = [
            member(u64::MAX, "http://127.0.0.1:1"),
            member(5, "http://127.0.0.1:2"),
        ];
        let r = merge(asked, Some(&ms));
        assert_eq!(r.cluster_id, Some(9));
        assert_eq!(r.nodes.len(), 3);
        assert_eq!(r.nodes[0].id, Some(u64::MAX));
        assert_eq!(r.nodes[0].role, Some("leader"));
        assert_eq!(r.nodes[1].id, Some(5));
        assert_eq!(r.nodes[1].name, "m5");
        assert!(!r.nodes[1].reachable);
        assert_eq!(r.nodes[1].errors, vec!["connection refused".to_string()]);
        // Not a member anyone lists: shown by its endpoint, with no id.
        assert_eq!(r.nodes[2].id, None);
        assert_eq!(r.nodes[2].endpoint, "127.0.0.1:3");
        assert_eq!(r.leader().and_then(|l| l.id), Some(u64::MAX));
    }
}
