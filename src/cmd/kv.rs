//! `raftctl status`, `put`, `get`, `del`.

use std::io::{IsTerminal, Read, Write};

use anyhow::{anyhow, bail};

use super::target::{self, Target};
use super::{Outcome, UsageError};
use crate::api::client::{Client, KeyRange, MAX_KEY_BYTES};
use crate::cli::{DelArgs, GetArgs};
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
    let fit = output::Fit {
        width: output::width(),
        base: None,
    };
    output::render_fit(&report, format, out, &fit)?;
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
            Err(error) => {
                let api = crate::api::client::bare(&api).to_string();
                // The row names the address already.
                let error = error
                    .strip_prefix(&format!("{api} "))
                    .map(str::to_string)
                    .unwrap_or(error);
                NodeEntry::Down {
                    id: id_of(&api),
                    api,
                    reachable: false,
                    error,
                }
            }
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
    check_key_length(key)
}

/// Refuses a key (or a range's prefix or first key, which may be empty) over the limit.
fn check_key_length(key: &str) -> anyhow::Result<()> {
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
    a: &GetArgs,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    if a.is_range() {
        return get_range(t, a, format, out);
    }
    let key = a.key.as_str();
    check_key(key)?;
    let serializable = a.serializable;
    let v = target::runtime()?.block_on(via_leader(t, |_, c| async move {
        Ok(c.get(key, serializable).await?)
    }))?;
    match v {
        Some(_) if a.keys_only && format == Format::Table => {
            writeln!(out, "{key}")?;
            Ok(Outcome::Ok)
        }
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

fn key_range(key: &str, prefix: bool) -> KeyRange {
    if prefix {
        KeyRange::Prefix(key.to_string())
    } else {
        KeyRange::From(key.to_string())
    }
}

/// `get --prefix|--from-key`: the pairs in key order, as etcdctl prints them (a key line, then
/// a value line), or `{"kvs":[…],"count":n,"more":bool}`. An empty range is not an error.
fn get_range(
    t: &Target,
    a: &GetArgs,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    check_key_length(&a.key)?;
    let range = key_range(&a.key, a.prefix);
    let (limit, keys_only, serializable) = (a.limit, a.keys_only, a.serializable);
    let answer = target::runtime()?.block_on(via_leader(t, |_, c| async move {
        Ok(c.range(&range, limit, keys_only, serializable).await?)
    }))?;
    let report = output::status::Pairs {
        pairs: answer.pairs,
        more: answer.more,
        keys_only: a.keys_only,
        values_only: a.print_value_only,
    };
    output::render(&report, format, out)?;
    Ok(Outcome::Ok)
}

pub fn del(
    t: &Target,
    a: &DelArgs,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let key = a.key.as_str();
    let id = rand::random::<u64>().max(1);
    if a.prefix || a.from_key {
        check_key_length(key)?;
        let range = key_range(key, a.prefix);
        let deleted = target::runtime()?.block_on(via_leader(t, |_, c| async move {
            Ok(c.delete_range(&range, id).await?)
        }))?;
        output::render(&output::status::DeletedRange { deleted }, format, out)?;
        return Ok(Outcome::Ok);
    }
    check_key(key)?;
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
