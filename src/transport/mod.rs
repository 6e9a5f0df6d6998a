//! Raft messages between members over TCP, or mutual TLS with a peer certificate
//! (`crate::tls`): one outgoing connection per peer, driven by a writer task that batches
//! whatever is queued into one frame, reconnects with backoff and reports failures (so the
//! node can call `report_unreachable` / `report_snapshot`).
//! Inbound connections must say hello with the right cluster id and a known member id; a
//! member keeps one connection per peer (a newer hello from the same peer replaces the
//! older connection), reads one frame of at most [`frame::MAX_FRAME`] at a time, and
//! spools a snapshot that arrives in chunks to disk ([`Spool`]), so what one connection can
//! make it hold is one frame.
//! Fault injection (drop, delay, partition) for tests and chaos runs lives here too.

pub mod frame;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use protobuf::Message as _;
use raft::eraftpb::{Message, MessageType};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};

use crate::tls::PeerTls;
use crate::tls::accept;
use frame::{Batch, Body, Envelope, Hello};

/// What the transport tells the node.
#[derive(Debug)]
pub enum Inbound {
    Raft(Box<Message>),
    /// Sending to this peer failed.
    Unreachable(u64),
    /// A snapshot message to this peer was written (true) or could not be (false).
    SnapshotSent {
        to: u64,
        ok: bool,
    },
    /// A peer said where its API listens.
    PeerApi {
        id: u64,
        api: String,
    },
}

/// Faults injected on this member's links, switched at run time. A new value takes effect at
/// once, a delay being waited out included; [`Faults::check`] bounds what the API accepts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Peers cut off in both directions.
    #[serde(default)]
    pub partition: Vec<u64>,
    /// Share of outgoing messages dropped at random, 0.0–1.0.
    #[serde(default)]
    pub drop_rate: f64,
    /// Extra latency added to every outgoing batch, in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
}

/// The longest delay the fault API takes, in milliseconds: far past any election timeout,
/// so that it can cut a member off, and short enough that a forgotten one ends.
pub const MAX_DELAY_MS: u64 = 60_000;

impl Faults {
    /// Reads faults from a JSON object; `Err` is one line naming the field that is wrong.
    /// Fields left out keep their defaults (none), so `{}` heals.
    pub fn from_json(body: &[u8]) -> Result<Faults, String> {
        let v: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
        let obj = v
            .as_object()
            .ok_or_else(|| format!("not a JSON object: {v}"))?;
        let mut f = Faults::default();
        for (k, v) in obj {
            let v = v.clone();
            match k.as_str() {
                "partition" => {
                    f.partition = serde_json::from_value(v)
                        .map_err(|e| format!("partition: {e} (a list of member ids)"))?;
                }
                "drop_rate" => {
                    f.drop_rate = serde_json::from_value(v)
                        .map_err(|e| format!("drop_rate: {e} (a share from 0 to 1)"))?;
                }
                "delay_ms" => {
                    f.delay_ms = serde_json::from_value(v).map_err(|e| {
                        format!("delay_ms: {e} (milliseconds, 0 to {MAX_DELAY_MS})")
                    })?;
                }
                other => {
                    return Err(format!(
                        "unknown field {other:?} (the fields are partition, drop_rate, delay_ms)"
                    ));
                }
            }
        }
        Ok(f)
    }

    /// Whether these faults are within bounds for member `this` of a cluster of `members`:
    /// `Err` is one line naming the field and its bound.
    pub fn check(&self, this: u64, members: &[u64]) -> Result<(), String> {
        if self.delay_ms > MAX_DELAY_MS {
            return Err(format!(
                "delay_ms {} is over the limit of {MAX_DELAY_MS}",
                self.delay_ms
            ));
        }
        if !(0.0..=1.0).contains(&self.drop_rate) {
            return Err(format!(
                "drop_rate {} is not between 0 and 1",
                self.drop_rate
            ));
        }
        for &id in &self.partition {
            if id == this {
                return Err(format!(
                    "partition: {id} is this member (list the peers to cut it off from)"
                ));
            }
            if !members.contains(&id) {
                let list: Vec<String> = members.iter().map(u64::to_string).collect();
                return Err(format!(
                    "partition: {id} is not a member (members: {})",
                    list.join(", ")
                ));
            }
        }
        Ok(())
    }
}

type Deliver = Arc<dyn Fn(Inbound) + Send + Sync>;

/// Where a snapshot that arrives in chunks is spooled, and how much room it must leave.
#[derive(Debug, Clone)]
pub struct SpoolConfig {
    /// A directory on the data dir's filesystem (the member's snap dir).
    pub dir: PathBuf,
    /// Free bytes a spooled snapshot must leave on that filesystem (the WAL needs them).
    pub reserve: u64,
}

/// Distinct refusals logged at warn before further ones go to debug only (a hostile client
/// must not grow the set without bound).
const WARNED_MAX: usize = 1024;

struct Peer {
    addr: String,
    tx: mpsc::Sender<Vec<Message>>,
    task: tokio::task::JoinHandle<()>,
}

struct Inner {
    id: u64,
    cluster_id: u64,
    api: String,
    deliver: Deliver,
    peers: Mutex<HashMap<u64, Peer>>,
    known: Mutex<HashSet<u64>>,
    faults: watch::Sender<Faults>,
    rt: tokio::runtime::Handle,
    spool: SpoolConfig,
    /// The accepted connection of each peer: its number, and what ends it when a newer one
    /// from the same peer is accepted.
    inbound: Mutex<HashMap<u64, (u64, oneshot::Sender<()>)>>,
    next_conn: AtomicU64,
    /// Refusals already logged at warn (by kind and the peer's claims).
    warned: Mutex<HashSet<String>>,
    /// Mutual TLS with the peers, when the member has a peer certificate.
    tls: Option<PeerTls>,
}

impl Inner {
    /// Logs a refusal at warn the first time its `key` is seen, at debug after that: a
    /// misconfigured peer reconnects every heartbeat, and one line says it all.
    fn refuse(&self, key: String, why: &str) {
        let mut w = self.warned.lock().unwrap_or_else(|e| e.into_inner());
        if w.len() < WARNED_MAX && w.insert(key) {
            tracing::warn!("{why} (logged once)");
        } else {
            tracing::debug!("{why}");
        }
    }

    /// Why this hello is refused, if it is: a key for [`Inner::refuse`] and one line.
    fn refusal(&self, h: &Hello) -> Option<(String, String)> {
        if h.cluster_id != self.cluster_id {
            return Some((
                format!("cluster {:x}", h.cluster_id),
                format!(
                    "refused a peer of cluster {:x} (member {} to member {}): this is member {} of cluster {:x}",
                    h.cluster_id, h.from, h.to, self.id, self.cluster_id
                ),
            ));
        }
        if h.to != self.id {
            return Some((
                format!("to {}", h.to),
                format!(
                    "refused member {}: it addressed member {}, this is member {}",
                    h.from, h.to, self.id
                ),
            ));
        }
        let known = self
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&h.from);
        if !known {
            return Some((
                format!("from {}", h.from),
                format!(
                    "refused a peer claiming to be member {}: not a member of this cluster as far as member {} knows",
                    h.from, self.id
                ),
            ));
        }
        None
    }

    /// Makes this the connection of peer `from`, ending the one it had; the receiver fires
    /// when a newer one replaces this one.
    fn register(&self, from: u64) -> (u64, oneshot::Receiver<()>) {
        let n = self.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.inbound
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(from, (n, tx));
        (n, rx)
    }

    fn unregister(&self, from: u64, n: u64) {
        let mut inbound = self.inbound.lock().unwrap_or_else(|e| e.into_inner());
        if inbound.get(&from).is_some_and(|(m, _)| *m == n) {
            inbound.remove(&from);
        }
    }
}

/// How a member's core reaches its peers: TCP in a real member ([`Transport`]), an in-memory
/// network in the simulation (`crate::sim`). Sending never blocks; what cannot be delivered
/// is reported back through the member's inbox as [`Inbound::Unreachable`] (and a snapshot's
/// fate as [`Inbound::SnapshotSent`]).
pub trait Network: Send {
    fn send(&self, msgs: Vec<Message>);
    /// Adds or moves a peer.
    fn set_peer(&self, id: u64, addr: &str);
    fn remove_peer(&self, id: u64);
    fn faults(&self) -> Faults;
    fn set_faults(&self, f: Faults);
}

impl Network for Transport {
    fn send(&self, msgs: Vec<Message>) {
        Transport::send(self, msgs)
    }
    fn set_peer(&self, id: u64, addr: &str) {
        Transport::set_peer(self, id, addr)
    }
    fn remove_peer(&self, id: u64) {
        Transport::remove_peer(self, id)
    }
    fn faults(&self) -> Faults {
        Transport::faults(self)
    }
    fn set_faults(&self, f: Faults) {
        Transport::set_faults(self, f)
    }
}

#[derive(Clone)]
pub struct Transport(Arc<Inner>);

/// Queued batches per peer before new ones are dropped (raft resends what matters).
const QUEUE: usize = 4096;

impl Transport {
    pub fn new(
        id: u64,
        cluster_id: u64,
        api: String,
        rt: tokio::runtime::Handle,
        deliver: Deliver,
        spool: SpoolConfig,
        tls: Option<PeerTls>,
    ) -> Self {
        Transport(Arc::new(Inner {
            id,
            cluster_id,
            api,
            deliver,
            peers: Mutex::new(HashMap::new()),
            known: Mutex::new(HashSet::new()),
            faults: watch::Sender::new(Faults::default()),
            rt,
            spool,
            inbound: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(0),
            warned: Mutex::new(HashSet::new()),
            tls,
        }))
    }

    /// Adds or moves a peer.
    pub fn set_peer(&self, id: u64, addr: &str) {
        if id == self.0.id {
            return;
        }
        self.0
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        let mut peers = self.0.peers.lock().unwrap_or_else(|e| e.into_inner());
        if peers.get(&id).is_some_and(|p| p.addr == addr) {
            return;
        }
        if let Some(old) = peers.remove(&id) {
            old.task.abort();
        }
        let (tx, rx) = mpsc::channel(QUEUE);
        let inner = self.0.clone();
        let a = addr.to_string();
        let task = self
            .0
            .rt
            .spawn(async move { peer_loop(inner, id, a, rx).await });
        peers.insert(
            id,
            Peer {
                addr: addr.to_string(),
                tx,
                task,
            },
        );
    }

    pub fn remove_peer(&self, id: u64) {
        self.0
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some(p) = self
            .0
            .peers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)
        {
            p.task.abort();
        }
    }

    pub fn peer_addr(&self, id: u64) -> Option<String> {
        self.0
            .peers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .map(|p| p.addr.clone())
    }

    pub fn faults(&self) -> Faults {
        self.0.faults.borrow().clone()
    }

    /// Takes effect at once: a peer's writer waiting out a delay wakes to the new value.
    pub fn set_faults(&self, f: Faults) {
        self.0.faults.send_replace(f);
    }

    /// Queues messages for their peers; never blocks. A full queue or an unknown peer
    /// counts as unreachable.
    pub fn send(&self, msgs: Vec<Message>) {
        let faults = self.faults();
        let mut by_peer: HashMap<u64, Vec<Message>> = HashMap::new();
        for m in msgs {
            let dropped = faults.partition.contains(&m.to)
                || (faults.drop_rate > 0.0 && rand::random::<f64>() < faults.drop_rate);
            if dropped {
                // raft-rs keeps a peer paused until its snapshot is reported (pitfall 9).
                if m.get_msg_type() == MessageType::MsgSnapshot {
                    (self.0.deliver)(Inbound::SnapshotSent {
                        to: m.to,
                        ok: false,
                    });
                }
                continue;
            }
            by_peer.entry(m.to).or_default().push(m);
        }
        let peers = self.0.peers.lock().unwrap_or_else(|e| e.into_inner());
        for (to, batch) in by_peer {
            let snapshot = batch
                .iter()
                .any(|m| m.get_msg_type() == MessageType::MsgSnapshot);
            let ok = peers.get(&to).is_some_and(|p| p.tx.try_send(batch).is_ok());
            if !ok {
                (self.0.deliver)(Inbound::Unreachable(to));
                if snapshot {
                    (self.0.deliver)(Inbound::SnapshotSent { to, ok: false });
                }
            }
        }
    }

    /// Accepts peers' connections until the listener fails.
    pub async fn serve(&self, listener: TcpListener) {
        loop {
            let (stream, remote) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!("peer listener: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let inner = self.0.clone();
            tokio::spawn(async move {
                match inner.tls.clone() {
                    None => read_loop(inner, stream, remote).await,
                    // The handshake comes first: a peer without a certificate signed by the
                    // peer CA is refused before any frame of it is read.
                    Some(tls) => match accept::handshake(&tls.acceptor, stream, None).await {
                        Ok(s) => read_loop(inner, s, remote).await,
                        Err(why) => inner.refuse(
                            format!("tls {} {}", remote.ip(), why),
                            &format!("refused a peer connection from {remote}: {why}"),
                        ),
                    },
                }
            });
        }
    }
}

/// A refusal after the hello: the connection is closed, the reason logged once per kind.
struct Refused {
    key: String,
    why: String,
}

impl Refused {
    fn new(key: impl Into<String>, why: impl Into<String>) -> Self {
        Refused {
            key: key.into(),
            why: why.into(),
        }
    }
}

async fn read_loop<S>(inner: Arc<Inner>, stream: S, remote: SocketAddr)
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    // Nothing is written back; the write half stays open while the peer sends.
    let (mut r, _w) = tokio::io::split(stream);
    let first = tokio::time::timeout(
        Duration::from_secs(5),
        frame::read_frame_max(&mut r, frame::MAX_HELLO),
    )
    .await;
    let hello = match first {
        Ok(Ok(Some(Envelope {
            body: Some(Body::Hello(h)),
        }))) => h,
        Ok(Err(e)) => {
            let why = format!("peer connection from {remote} closed before a hello: {e}");
            inner.refuse(format!("no hello {}", remote.ip()), &why);
            return;
        }
        _ => {
            let why = format!("peer connection from {remote} closed: it sent no hello");
            inner.refuse(format!("no hello {}", remote.ip()), &why);
            return;
        }
    };
    if let Some((key, why)) = inner.refusal(&hello) {
        inner.refuse(key, &format!("{why}; connection from {remote} closed"));
        return;
    }
    let from = hello.from;
    let (n, mut replaced) = inner.register(from);
    if !hello.api.is_empty() {
        (inner.deliver)(Inbound::PeerApi {
            id: from,
            api: hello.api,
        });
    }
    let mut spool: Option<Spool> = None;
    loop {
        let next = tokio::select! {
            f = frame::read_frame(&mut r) => f,
            // A newer connection from the same member took over.
            _ = &mut replaced => break,
        };
        let env = match next {
            Ok(Some(env)) => env,
            Ok(None) => break,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                let why = format!("member {from} ({remote}) sent {e}; connection closed");
                inner.refuse(format!("bad frame {from}"), &why);
                break;
            }
            Err(e) => {
                tracing::debug!("peer connection from member {from} ({remote}): {e}");
                break;
            }
        };
        if let Err(r) = receive(&inner, from, env, &mut spool).await {
            inner.refuse(r.key, &format!("{} ({remote}); connection closed", r.why));
            break;
        }
    }
    inner.unregister(from, n);
}

/// Delivers what one frame from member `from` carries.
async fn receive(
    inner: &Inner,
    from: u64,
    env: Envelope,
    spool: &mut Option<Spool>,
) -> Result<(), Refused> {
    let (msgs, chunked) = match env.body {
        Some(Body::Batch(b)) => (b.msgs, false),
        Some(Body::Chunk(c)) => {
            if spool.is_none() {
                let snapshot = MessageType::MsgSnapshot as u64;
                if frame::leading_msg_type(&c.bytes) != Some(snapshot) {
                    return Err(Refused::new(
                        format!("chunks {from}"),
                        format!("member {from} sent chunks that do not start a snapshot"),
                    ));
                }
                *spool = Some(Spool::create(&inner.spool).await.map_err(|e| {
                    Refused::new(
                        "spool",
                        format!(
                            "member {}: cannot spool a snapshot from member {from} in {}: {e}",
                            inner.id,
                            inner.spool.dir.display()
                        ),
                    )
                })?);
            }
            let Some(s) = spool.as_mut() else {
                return Ok(());
            };
            s.write(&c.bytes, &inner.spool)
                .await
                .map_err(|e| Refused::new(format!("spool {from}"), e))?;
            if !c.last {
                return Ok(());
            }
            let whole = match spool.take() {
                Some(s) => s.finish().await,
                None => return Ok(()),
            }
            .map_err(|e| Refused::new("spool", format!("reading back a spooled snapshot: {e}")))?;
            (vec![whole], true)
        }
        _ => return Ok(()),
    };
    if inner.faults.borrow().partition.contains(&from) {
        return Ok(());
    }
    for bytes in msgs {
        let m = Message::parse_from_bytes(&bytes).map_err(|e| {
            Refused::new(
                format!("undecodable {from}"),
                format!("member {from} sent a message that does not decode: {e}"),
            )
        })?;
        if m.from != from || m.to != inner.id {
            let why = format!(
                "member {from} sent a message from {} to {}; dropped",
                m.from, m.to
            );
            inner.refuse(format!("misaddressed {from}"), &why);
            continue;
        }
        if chunked && m.get_msg_type() != MessageType::MsgSnapshot {
            return Err(Refused::new(
                format!("chunks {from}"),
                format!("member {from} sent chunks that are not a snapshot"),
            ));
        }
        (inner.deliver)(Inbound::Raft(Box::new(m)));
    }
    Ok(())
}

/// A snapshot arriving in chunks, written as it comes to an unnamed file on the data dir's
/// filesystem (etcd's receiver likewise streams a snapshot's db into member/snap,
/// server/etcdserver/api/rafthttp/http.go `snapshotHandler`). Memory holds one frame; the
/// file grows only while the filesystem keeps [`SpoolConfig::reserve`] free, and vanishes
/// with the connection (or the process). Once complete it is read back whole, as raft-rs
/// takes a snapshot in its message.
struct Spool {
    file: tokio::fs::File,
    len: u64,
}

impl Spool {
    async fn create(cfg: &SpoolConfig) -> std::io::Result<Spool> {
        let dir = cfg.dir.clone();
        let f = tokio::task::spawn_blocking(move || tempfile::tempfile_in(dir))
            .await
            .map_err(std::io::Error::other)??;
        Ok(Spool {
            file: tokio::fs::File::from_std(f),
            len: 0,
        })
    }

    async fn write(&mut self, bytes: &[u8], cfg: &SpoolConfig) -> Result<(), String> {
        let free = free_bytes(&cfg.dir).map_err(|e| format!("{}: {e}", cfg.dir.display()))?;
        if free < cfg.reserve.saturating_add(bytes.len() as u64) {
            return Err(format!(
                "a snapshot being received ({} bytes so far) would leave less than {} bytes free in {}",
                self.len,
                cfg.reserve,
                cfg.dir.display()
            ));
        }
        self.file
            .write_all(bytes)
            .await
            .map_err(|e| format!("spooling a snapshot in {}: {e}", cfg.dir.display()))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    async fn finish(mut self) -> std::io::Result<Vec<u8>> {
        self.file.flush().await?;
        self.file.seek(std::io::SeekFrom::Start(0)).await?;
        let mut buf = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        self.file.read_to_end(&mut buf).await?;
        Ok(buf)
    }
}

/// Bytes an unprivileged process may still write on the filesystem holding `dir`.
fn free_bytes(dir: &std::path::Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())?;
    // SAFETY: statvfs is a plain C struct; all-zero is a valid value to be filled in.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` a valid out-pointer, both live here.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // Both are 64-bit on the Linux targets raftctl builds for (it uses OFD locks already).
    let (avail, frsize): (u64, u64) = (st.f_bavail, st.f_frsize);
    Ok(avail.saturating_mul(frsize))
}

/// A connection to a peer: only written to.
trait PeerIo: AsyncWrite + Unpin + Send {}
impl<T: AsyncWrite + Unpin + Send> PeerIo for T {}

/// How long dialling a peer may take, the TLS handshake included.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

async fn connect(inner: &Inner, id: u64, addr: &str) -> std::io::Result<Box<dyn PeerIo>> {
    let timed_out = || std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out");
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| timed_out())??;
    tcp.set_nodelay(true)?;
    let mut s: Box<dyn PeerIo> = match &inner.tls {
        None => Box::new(tcp),
        Some(tls) => {
            let name = crate::tls::server_name(addr).map_err(std::io::Error::other)?;
            let handshake = tls.connector.connect(name, tcp);
            match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
                Ok(Ok(s)) => Box::new(s),
                Ok(Err(e)) => {
                    let why = accept::handshake_words(&e);
                    inner.refuse(
                        format!("tls to {id} {why}"),
                        &format!("member {id} at {addr}: TLS handshake failed: {why}"),
                    );
                    return Err(e);
                }
                Err(_) => return Err(timed_out()),
            }
        }
    };
    let hello = Hello {
        cluster_id: inner.cluster_id,
        from: inner.id,
        to: id,
        api: inner.api.clone(),
    };
    frame::write_frame(
        &mut s,
        &Envelope {
            body: Some(Body::Hello(hello)),
        },
    )
    .await?;
    s.flush().await?;
    Ok(s)
}

/// Queued batches are merged into one frame up to about this many bytes.
const MERGE_BYTES: usize = 16 << 20;
/// A peer that takes longer than this to accept a frame counts as unreachable.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

async fn peer_loop(inner: Arc<Inner>, id: u64, addr: String, mut rx: mpsc::Receiver<Vec<Message>>) {
    let mut conn: Option<Box<dyn PeerIo>> = None;
    let mut backoff = Duration::from_millis(20);
    let mut faults = inner.faults.subscribe();
    while let Some(first) = rx.recv().await {
        let taken = Instant::now();
        let mut msgs = first;
        let mut bytes: usize = msgs.iter().map(|m| m.compute_size() as usize).sum();
        // Merge what else is queued (sent as frames of up to BATCH_BYTES).
        while bytes < MERGE_BYTES {
            match rx.try_recv() {
                Ok(more) => {
                    bytes += more
                        .iter()
                        .map(|m| m.compute_size() as usize)
                        .sum::<usize>();
                    msgs.extend(more);
                }
                Err(_) => break,
            }
        }
        let snapshots: Vec<u64> = msgs
            .iter()
            .filter(|m| m.get_msg_type() == MessageType::MsgSnapshot)
            .map(|m| m.to)
            .collect();
        if conn.is_none() {
            match connect(&inner, id, &addr).await {
                Ok(s) => {
                    conn = Some(s);
                    backoff = Duration::from_millis(20);
                }
                Err(e) => {
                    tracing::debug!("member {id} at {addr}: {e}");
                    fail(&inner, id, &snapshots);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    // What queued up meanwhile is stale; raft sends again (snapshots once reported).
                    while let Ok(stale) = rx.try_recv() {
                        for m in stale
                            .iter()
                            .filter(|m| m.get_msg_type() == MessageType::MsgSnapshot)
                        {
                            (inner.deliver)(Inbound::SnapshotSent {
                                to: m.to,
                                ok: false,
                            });
                        }
                    }
                    continue;
                }
            }
        }
        wait_out_delay(&mut faults, taken).await;
        let (frames, large) = frames_of(id, &msgs);
        let Some(stream) = conn.as_mut() else {
            continue;
        };
        let written = async {
            for env in &frames {
                frame::write_frame(stream, env).await?;
            }
            for msg in &large {
                for piece in frame::chunks(msg) {
                    frame::write_frame(stream, &piece).await?;
                }
            }
            // TLS holds the last record until flushed (a no-op on plain TCP).
            stream.flush().await?;
            Ok::<(), std::io::Error>(())
        };
        // The bound grows with what is sent: a chunked snapshot may take a while.
        let bytes: usize = large.iter().map(Vec::len).sum();
        let limit = WRITE_TIMEOUT + Duration::from_millis((bytes >> 20) as u64 * 100);
        let written = tokio::time::timeout(limit, written)
            .await
            .unwrap_or_else(|_| {
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "write timed out",
                ))
            });
        match written {
            Ok(()) => {
                for to in snapshots {
                    (inner.deliver)(Inbound::SnapshotSent { to, ok: true });
                }
            }
            Err(e) => {
                tracing::debug!("member {id} at {addr}: {e}");
                conn = None;
                fail(&inner, id, &snapshots);
            }
        }
    }
}

/// Waits until `since` plus the injected delay, the delay as it is now: a new value (a heal)
/// shortens or ends the wait at once.
async fn wait_out_delay(faults: &mut watch::Receiver<Faults>, since: Instant) {
    loop {
        let until = since + Duration::from_millis(faults.borrow_and_update().delay_ms);
        if Instant::now() >= until {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => return,
            changed = faults.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// Encodes messages for peer `id`: batch frames of up to [`frame::BATCH_BYTES`] (a single
/// larger message in a frame of its own), and the snapshots too large for a batch, to be sent
/// in chunks after them.
fn frames_of(id: u64, msgs: &[Message]) -> (Vec<Envelope>, Vec<Vec<u8>>) {
    let mut frames = Vec::new();
    let mut large = Vec::new();
    let mut batch: Vec<Vec<u8>> = Vec::new();
    let mut bytes = 0;
    let flush = |batch: &mut Vec<Vec<u8>>, frames: &mut Vec<Envelope>| {
        if !batch.is_empty() {
            frames.push(Envelope {
                body: Some(Body::Batch(Batch {
                    msgs: std::mem::take(batch),
                })),
            });
        }
    };
    for m in msgs {
        let Ok(b) = m.write_to_bytes() else {
            continue;
        };
        if m.get_msg_type() == MessageType::MsgSnapshot && b.len() > frame::CHUNK {
            large.push(b);
            continue;
        }
        // Room for the frame's own encoding around the message.
        if b.len() + 64 > frame::MAX_FRAME as usize {
            // `raftctl node` bounds --max-request-bytes so that no entry gets here.
            tracing::error!(
                "member {id}: a {:?} of {} bytes is over the {}-byte frame limit; not sent",
                m.get_msg_type(),
                b.len(),
                frame::MAX_FRAME
            );
            continue;
        }
        if bytes + b.len() > frame::BATCH_BYTES {
            flush(&mut batch, &mut frames);
            bytes = 0;
        }
        bytes += b.len() + 8;
        batch.push(b);
    }
    flush(&mut batch, &mut frames);
    (frames, large)
}

fn fail(inner: &Inner, id: u64, snapshots: &[u64]) {
    (inner.deliver)(Inbound::Unreachable(id));
    for &to in snapshots {
        (inner.deliver)(Inbound::SnapshotSent { to, ok: false });
    }
}
