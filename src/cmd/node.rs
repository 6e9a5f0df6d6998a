//! `raftctl node`: one member in the foreground until SIGTERM or SIGINT.

use std::time::Duration;

use anyhow::{Context, bail};

use super::{Outcome, UsageError};
use crate::cli::NodeArgs;
use crate::node::{Node, NodeConfig};

pub fn run(a: NodeArgs) -> anyhow::Result<Outcome> {
    let filter = tracing_subscriber::EnvFilter::try_new(&a.log_level)
        .map_err(|e| UsageError(format!("--log-level '{}': {e}", a.log_level)))?;
    // Colour only for a person at a terminal: member logs go to files, and their lines are
    // quoted in other commands' errors.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let mut members = Vec::new();
    for m in &a.initial_cluster {
        let (id, addr) = m.split_once('=').ok_or_else(|| {
            UsageError(format!("--initial-cluster entry '{m}' is not ID=HOST:PORT"))
        })?;
        let id: u64 = id
            .parse()
            .map_err(|_| UsageError(format!("--initial-cluster: '{id}' is not a member id")))?;
        if id == 0 {
            return Err(UsageError("--initial-cluster: member id 0 is not allowed".into()).into());
        }
        if addr.trim().is_empty() || !addr.contains(':') {
            bail!(UsageError(format!(
                "--initial-cluster entry '{m}': the address is not HOST:PORT"
            )));
        }
        if let Some((other, _)) = members.iter().find(|(i, a)| *i == id || a == addr) {
            bail!(UsageError(if *other == id {
                format!("--initial-cluster names member {id} twice")
            } else {
                format!("--initial-cluster gives members {other} and {id} the same address {addr}")
            }));
        }
        members.push((id, addr.to_string()));
    }
    if a.id == 0 {
        return Err(UsageError("--id 0 is not allowed: ids start at 1".into()).into());
    }
    if !a.join && !members.iter().any(|(id, _)| *id == a.id) {
        return Err(UsageError(format!(
            "--initial-cluster does not list this member ({})",
            a.id
        ))
        .into());
    }
    let cluster_id = match &a.cluster_id {
        Some(h) => Some(
            u64::from_str_radix(h.trim_start_matches("0x"), 16)
                .map_err(|_| UsageError(format!("--cluster-id '{h}' is not hex")))?,
        ),
        None => None,
    };
    let cfg = NodeConfig {
        id: a.id,
        data_dir: a.data_dir.clone(),
        listen_peer: a.listen_peer.clone(),
        listen_api: a.listen_api.clone(),
        initial_cluster: members,
        join: a.join,
        cluster_id,
        snapshot_count: a.snapshot_count.max(1),
        tick: Duration::from_millis(a.tick_ms.max(1)),
        election_tick: a.election_tick,
        heartbeat_tick: a.heartbeat_tick,
        allow_faults: a.allow_faults,
        segment_size: a.segment_size,
        catch_up_entries: a.catch_up_entries,
        max_request_bytes: a.max_request_bytes,
        peer_tls: a
            .tls
            .peer()
            .map(|f| crate::tls::PeerTls::load(&f))
            .transpose()
            .with_context(|| format!("member {}: peer TLS", a.id))?,
        determinism: Default::default(),
    };
    let api_tls = a
        .tls
        .api()
        .map(|f| crate::tls::server_config(&f, "API"))
        .transpose()
        .with_context(|| format!("member {}: API TLS", a.id))?;
    if cfg.max_request_bytes > crate::node::MAX_REQUEST_BYTES_CEILING {
        bail!(UsageError(format!(
            "--max-request-bytes {} is over the ceiling of {} (a write travels to peers in one \
             frame of at most {} bytes)",
            cfg.max_request_bytes,
            crate::node::MAX_REQUEST_BYTES_CEILING,
            crate::transport::frame::MAX_FRAME
        )));
    }
    if cfg.election_tick <= cfg.heartbeat_tick {
        bail!(UsageError(
            "--election-tick must be larger than --heartbeat-tick".into()
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let api = ApiTls {
        config: api_tls,
        clients_checked: a.tls.api_ca.is_some(),
    };
    rt.block_on(serve(cfg, api))
}

/// The API port's TLS: none, or a server config that may also check client certificates.
struct ApiTls {
    config: Option<std::sync::Arc<rustls::ServerConfig>>,
    clients_checked: bool,
}

async fn serve(cfg: NodeConfig, api_tls: ApiTls) -> anyhow::Result<Outcome> {
    let id = cfg.id;
    let dir = cfg.data_dir.display().to_string();
    // A member already running here holds these ports too: say what matters, before the
    // ports' "address in use" does. (Starting takes the WAL's lock for good.)
    let wal = cfg.data_dir.join("member").join("wal");
    if crate::wal::lock::dir_in_use(&wal) {
        let e = crate::wal::error::WalError::Locked { path: wal };
        bail!("member {id} ({dir}): {e}");
    }
    let peer = tokio::net::TcpListener::bind(&cfg.listen_peer)
        .await
        .with_context(|| {
            format!(
                "member {}: cannot listen for peers on {}",
                cfg.id, cfg.listen_peer
            )
        })?;
    let api = tokio::net::TcpListener::bind(&cfg.listen_api)
        .await
        .with_context(|| {
            format!(
                "member {}: cannot serve the API on {}",
                cfg.id, cfg.listen_api
            )
        })?;
    warn_if_open(&peer, &api, &cfg, &api_tls);
    let (node, raft) = Node::start(cfg.clone(), tokio::runtime::Handle::current())
        .map_err(|e| anyhow::anyhow!("member {id} ({dir}): {e}"))?;
    let (peer_scheme, api_scheme) = (
        if cfg.peer_tls.is_some() {
            " (mutual TLS)"
        } else {
            ""
        },
        if api_tls.config.is_some() {
            "https://"
        } else {
            ""
        },
    );
    tracing::info!(
        "member {id} ready: peers on {}{peer_scheme}, API on {api_scheme}{}, data in {dir}",
        cfg.listen_peer,
        cfg.listen_api
    );
    let t = node.transport().clone();
    tokio::spawn(async move { t.serve(peer).await });
    let router = crate::api::server::router(node.clone());
    let server = match api_tls.config {
        None => tokio::spawn(async move { axum::serve(api, router).await }),
        Some(config) => {
            let api = crate::tls::accept::TlsListener::new(api, config)
                .with_context(|| format!("member {id}: the API's TLS listener"))?;
            tokio::spawn(async move { axum::serve(api, router).await })
        }
    };
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut raft = tokio::task::spawn_blocking(move || raft.join());
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("member {id}: interrupted, stopping"),
        _ = term.recv() => tracing::info!("member {id}: terminated, stopping"),
        r = server => tracing::error!("member {id}: API server ended: {r:?}"),
        r = &mut raft => {
            // The Raft thread stopped on its own (a WAL write failed, …): a member that no
            // longer takes part must not keep answering as if it did.
            let why = r.ok().and_then(|j| j.ok()).flatten();
            let why = why.unwrap_or_else(|| "the Raft loop stopped (see the log above)".into());
            anyhow::bail!("member {id} ({dir}): {why}");
        }
    }
    node.stop();
    raft.await.ok();
    tracing::info!("member {id}: stopped");
    Ok(Outcome::Ok)
}

/// One warning per port that listens beyond this host without authenticating who connects:
/// what such a port allows is open to whoever reaches it (README, "What an open port allows").
fn warn_if_open(
    peer: &tokio::net::TcpListener,
    api: &tokio::net::TcpListener,
    cfg: &NodeConfig,
    api_tls: &ApiTls,
) {
    let open = |l: &tokio::net::TcpListener| l.local_addr().ok().filter(|a| !a.ip().is_loopback());
    let faults = cfg.allow_faults;
    if let Some(a) = open(peer).filter(|_| cfg.peer_tls.is_none()) {
        tracing::warn!(
            "peer port {a} is open beyond this host, without TLS: whoever reaches it can pose as \
             a member and send Raft messages (a forged one can stop this member)"
        );
    }
    if let Some(a) = open(api).filter(|_| !api_tls.clients_checked) {
        let extra = if faults {
            ", and inject faults (--allow-faults)"
        } else {
            ""
        };
        let how = if api_tls.config.is_some() {
            "with TLS but no client certificates (--api-ca)"
        } else {
            "without TLS"
        };
        tracing::warn!(
            "API port {a} is open beyond this host, {how}: whoever reaches it can read and \
             write every key, change the membership{extra}"
        );
    }
}
