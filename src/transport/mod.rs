//! Raft messages between members over TCP: one outgoing connection per peer, driven by a
//! writer task that batches whatever is queued into one frame, reconnects with backoff and
//! reports failures (so the node can call `report_unreachable` / `report_snapshot`).
//! Inbound connections must say hello with the right cluster id and a known member id.
//! Fault injection (drop, delay, partition) for tests and chaos runs lives here too.

pub mod frame;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use protobuf::Message as _;
use raft::eraftpb::{Message, MessageType};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

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

/// Faults injected on this member's links, switched at run time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
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

type Deliver = Arc<dyn Fn(Inbound) + Send + Sync>;

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
    faults: Mutex<Faults>,
    rt: tokio::runtime::Handle,
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
    ) -> Self {
        Transport(Arc::new(Inner {
            id,
            cluster_id,
            api,
            deliver,
            peers: Mutex::new(HashMap::new()),
            known: Mutex::new(HashSet::new()),
            faults: Mutex::new(Faults::default()),
            rt,
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
        self.0
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_faults(&self, f: Faults) {
        *self.0.faults.lock().unwrap_or_else(|e| e.into_inner()) = f;
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
            let inner = self.0.clone();
            tokio::spawn(async move {
                if let Err(e) = read_loop(inner, stream).await {
                    tracing::debug!("peer connection from {remote}: {e}");
                }
            });
        }
    }
}

async fn read_loop(inner: Arc<Inner>, stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (mut r, _w) = stream.into_split();
    let first = tokio::time::timeout(
        Duration::from_secs(5),
        frame::read_frame_max(&mut r, frame::MAX_HELLO),
    )
    .await;
    let hello = match first {
        Ok(Ok(Some(Envelope {
            body: Some(Body::Hello(h)),
        }))) => h,
        _ => {
            tracing::warn!("peer connection closed: no hello");
            return Ok(());
        }
    };
    if hello.cluster_id != inner.cluster_id || hello.to != inner.id {
        tracing::warn!(
            "refused a peer of cluster {:x} addressing member {} (this is member {} of cluster {:x})",
            hello.cluster_id,
            hello.to,
            inner.id,
            inner.cluster_id
        );
        return Ok(());
    }
    let from = hello.from;
    if !inner
        .known
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&from)
    {
        tracing::warn!(
            "refused member {from}: not a member of this cluster as far as member {} knows",
            inner.id
        );
        return Ok(());
    }
    if !hello.api.is_empty() {
        (inner.deliver)(Inbound::PeerApi {
            id: from,
            api: hello.api,
        });
    }
    let mut reassembly = frame::Reassembly::default();
    while let Some(env) = frame::read_frame(&mut r).await? {
        let msgs = match env.body {
            Some(Body::Batch(b)) => b.msgs,
            Some(Body::Chunk(c)) => match reassembly.push(c)? {
                Some(whole) => vec![whole],
                None => continue,
            },
            _ => continue,
        };
        if inner
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .partition
            .contains(&from)
        {
            continue;
        }
        for bytes in msgs {
            match Message::parse_from_bytes(&bytes) {
                Ok(m) if m.from == from => (inner.deliver)(Inbound::Raft(Box::new(m))),
                Ok(m) => tracing::warn!(
                    "member {from} sent a message claiming to be from {}",
                    m.from
                ),
                Err(e) => {
                    tracing::warn!("member {from} sent a message that does not decode: {e}");
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}

async fn connect(inner: &Inner, id: u64, addr: &str) -> std::io::Result<TcpStream> {
    let mut s = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    s.set_nodelay(true)?;
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
    Ok(s)
}

/// Queued batches are merged into one frame up to about this many bytes.
const MERGE_BYTES: usize = 16 << 20;
/// A peer that takes longer than this to accept a frame counts as unreachable.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

async fn peer_loop(inner: Arc<Inner>, id: u64, addr: String, mut rx: mpsc::Receiver<Vec<Message>>) {
    let mut conn: Option<TcpStream> = None;
    let mut backoff = Duration::from_millis(20);
    while let Some(first) = rx.recv().await {
        let mut msgs = first;
        let mut bytes: usize = msgs.iter().map(|m| m.compute_size() as usize).sum();
        // Merge what else is queued, up to a frame well under the receiver's limit.
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
        let delay = inner
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .delay_ms;
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let mut too_big = Vec::new();
        let mut large = Vec::new();
        let batch = Batch {
            msgs: msgs
                .iter()
                .filter_map(|m| m.write_to_bytes().ok().map(|b| (m.to, b)))
                .filter_map(|(to, b)| {
                    if b.len() > frame::MAX_CHUNKED {
                        // The receiver would refuse it: report the snapshot as failed instead
                        // of as delivered.
                        too_big.push(to);
                        None
                    } else if b.len() > frame::CHUNK {
                        // Streamed in chunks after the batch (a snapshot of a large store).
                        large.push(b);
                        None
                    } else {
                        Some(b)
                    }
                })
                .collect(),
        };
        let snapshots: Vec<u64> = snapshots
            .into_iter()
            .filter(|to| !too_big.contains(to))
            .collect();
        if !too_big.is_empty() {
            tracing::error!(
                "member {id}: a snapshot is larger than the {}-byte frame limit; not sent",
                frame::MAX_FRAME
            );
            for to in too_big {
                (inner.deliver)(Inbound::SnapshotSent { to, ok: false });
            }
        }
        let env = Envelope {
            body: Some(Body::Batch(batch)),
        };
        let Some(stream) = conn.as_mut() else {
            continue;
        };
        let written = async {
            frame::write_frame(stream, &env).await?;
            for msg in &large {
                for piece in frame::chunks(msg) {
                    frame::write_frame(stream, &piece).await?;
                }
            }
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

fn fail(inner: &Inner, id: u64, snapshots: &[u64]) {
    (inner.deliver)(Inbound::Unreachable(id));
    for &to in snapshots {
        (inner.deliver)(Inbound::SnapshotSent { to, ok: false });
    }
}
