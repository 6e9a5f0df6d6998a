//! `raftctl status`, `put`, `get`, `del`.

use std::io::{IsTerminal, Read, Write};

use anyhow::{anyhow, bail};

use super::target::{self, Target};
use super::{Outcome, UsageError};
use crate::api::client::{Client, MAX_KEY_BYTES};
use crate::node::{DEFAULT_MAX_REQUEST_BYTES, NodeStatus};
use crate::output::status::{ClusterStatus, NodeEntry};
use crate::output::{self, Format};

/// Values at most this large are sent without first asking the leader for its limit.
const SMALL_VALUE: usize = 64 << 10;

/// Runs `f` against the leader (found in parallel across the endpoints).
async fn via_leader<T, F, Fut>(t: &Target, f: F) -> anyhow::Result<T>
where
    F: FnOnce(NodeStatus, Client) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let (s, e) = target::leader(&t.endpoints).await?;
    let c = target::client(&e, target::node_label(s.id, &e));
    f(s, c).await
}

pub fn status(t: &Target, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let report = status_report(t, true)?;
    output::render(&report, format, out)?;
    if report.leader().is_none() {
        output::diagnostic(&report.no_leader_reason());
        return Ok(Outcome::ProblemFound);
    }
    Ok(Outcome::Ok)
}

/// The status of every member the endpoints know, or (`endpoint status` without --cluster)
/// of the endpoints alone.
pub fn status_report(t: &Target, every_member: bool) -> anyhow::Result<ClusterStatus> {
    let dial = target::timeouts().dial;
    let rt = target::runtime()?;
    let mut all = rt.block_on(target::statuses(&t.endpoints, dial));
    // Every member any answering node knows of, as `etcdctl endpoint status --cluster` shows:
    // one endpoint is enough to see the whole cluster.
    let mut known: Vec<(u64, String)> = Vec::new();
    for (_, r) in &all {
        if let Ok(s) = r {
            for m in &s.members {
                if !m.api.is_empty() && !known.iter().any(|(id, _)| *id == m.id) {
                    known.push((m.id, m.api.clone()));
                }
            }
        }
    }
    let answered_ids: Vec<u64> = all
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|s| s.id))
        .collect();
    let more: Vec<String> = known
        .iter()
        .filter(|(id, api)| {
            !answered_ids.contains(id) && !all.iter().any(|(e, _)| target::same_endpoint(e, api))
        })
        .map(|(_, api)| api.clone())
        .collect();
    if every_member && !more.is_empty() {
        all.extend(rt.block_on(target::statuses(&more, dial)));
    }
    let id_of = |e: &str| {
        let local = t.manifest.as_ref().and_then(|m| {
            m.members
                .iter()
                .find(|x| target::same_endpoint(e, &x.api))
                .map(|x| x.id)
        });
        local.or_else(|| {
            known
                .iter()
                .find(|(_, api)| target::same_endpoint(e, api))
                .map(|(id, _)| *id)
        })
    };
    let mut nodes: Vec<NodeEntry> = all
        .into_iter()
        .map(|(api, r)| match r {
            Ok(s) => NodeEntry::Up(Box::new(s)),
            Err(error) => NodeEntry::Down {
                id: id_of(&api),
                api: api.trim_start_matches("http://").to_string(),
                reachable: false,
                error,
            },
        })
        .collect();
    nodes.sort_by_key(|n| match n {
        NodeEntry::Up(s) => (0, s.id),
        NodeEntry::Down { id, .. } => (0, id.unwrap_or(u64::MAX)),
    });
    Ok(ClusterStatus { nodes })
}

/// Refuses what the command line alone shows to be wrong with a key (exit 2).
fn check_key(key: &str) -> anyhow::Result<()> {
    if key.is_empty() {
        bail!(UsageError("the key is empty".into()));
    }
    if key.len() > MAX_KEY_BYTES {
        bail!(UsageError(format!(
            "the key is {} bytes, over the limit of {MAX_KEY_BYTES}",
            key.len()
        )));
    }
    Ok(())
}

pub fn put(
    t: &Target,
    key: &str,
    value: Option<String>,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    check_key(key)?;
    let value = match value.as_deref() {
        None | Some("-") => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                if value.is_none() {
                    bail!(UsageError(
                        "put needs a value: `raftctl put KEY VALUE`, or `raftctl put KEY -` to \
                         read it from stdin"
                            .into()
                    ));
                }
                output::diagnostic("reading the value from stdin (end it with Ctrl-D)");
            }
            let mut v = Vec::new();
            stdin.lock().read_to_end(&mut v)?;
            v
        }
        Some(v) => v.as_bytes().to_vec(),
    };
    let id = rand::random::<u64>().max(1);
    let index = target::runtime()?.block_on(via_leader(t, |leader, c| async move {
        let limit = match leader.max_request_bytes {
            0 => DEFAULT_MAX_REQUEST_BYTES,
            l => l,
        };
        // Checked here, before sending: a member cuts off a body far over its limit, which
        // reads as a broken connection rather than an answer.
        if value.len() > SMALL_VALUE && value.len() as u64 > limit {
            bail!(
                "the value is {} bytes, over the cluster's limit of {limit} bytes (raftctl node \
                 --max-request-bytes)",
                value.len()
            );
        }
        Ok(c.put(key, value, id).await?)
    }))?;
    output::render(
        &output::status::Written {
            key: key.to_string(),
            index,
        },
        format,
        out,
    )?;
    Ok(Outcome::Ok)
}

pub fn get(
    t: &Target,
    key: &str,
    serializable: bool,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    check_key(key)?;
    let v = target::runtime()?.block_on(via_leader(t, |_, c| async move {
        Ok(c.get(key, serializable).await?)
    }))?;
    match v {
        Some(mut v) => {
            // A person at a terminal gets a line; a pipe gets the value's bytes as they are.
            if format == Format::Table && std::io::stdout().is_terminal() && !v.ends_with(b"\n") {
                v.push(b'\n');
            }
            output::value(key, &v, format, out)?;
            Ok(Outcome::Ok)
        }
        None if format == Format::Json => {
            output::missing_value(key, out)?;
            Ok(Outcome::ProblemFound)
        }
        None => Err(anyhow!("key '{key}' does not exist")),
    }
}

pub fn del(t: &Target, key: &str, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    check_key(key)?;
    let id = rand::random::<u64>().max(1);
    let deleted = target::runtime()?.block_on(via_leader(t, |_, c| async move {
        Ok(c.delete(key, id).await?)
    }))?;
    output::render(
        &output::status::Deleted {
            key: key.to_string(),
            deleted,
        },
        format,
        out,
    )?;
    Ok(Outcome::Ok)
}
