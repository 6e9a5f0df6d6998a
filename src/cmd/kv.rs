//! `raftctl status`, `put`, `get`, `del`.

use std::io::{Read, Write};
use std::time::Duration;

use anyhow::anyhow;

use super::Outcome;
use super::target::{self, Target};
use crate::api::client::{Client, ClientError};
use crate::output::status::{ClusterStatus, NodeEntry};
use crate::output::{self, Format};

const TIMEOUT: Duration = Duration::from_secs(6);

/// Tries each node in turn while they are unreachable; any other answer is final.
async fn first_answer<T, F, Fut>(t: &Target, f: F) -> anyhow::Result<T>
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut errors = Vec::new();
    for e in &t.endpoints {
        match f(Client::new(e, TIMEOUT)).await {
            Ok(v) => return Ok(v),
            Err(ClientError::Unreachable { reason, .. }) => {
                errors.push(format!("{} did not answer: {reason}", t.describe(e)))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(anyhow!("no node answered: {}", errors.join("; ")))
}

pub fn status(t: &Target, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let all = target::runtime()?.block_on(target::statuses(&t.endpoints, Duration::from_secs(2)));
    let id_of = |e: &str| {
        t.manifest
            .as_ref()
            .and_then(|m| m.members.iter().find(|x| e.ends_with(&x.api)).map(|x| x.id))
    };
    let nodes: Vec<NodeEntry> = all
        .into_iter()
        .map(|(api, r)| match r {
            Ok(s) => NodeEntry::Up(Box::new(s)),
            Err(error) => NodeEntry::Down {
                id: id_of(&api),
                api,
                reachable: false,
                error,
            },
        })
        .collect();
    let report = ClusterStatus { nodes };
    output::render(&report, format, out)?;
    if report.leader().is_none() {
        output::diagnostic("no leader is reachable");
        return Ok(Outcome::ProblemFound);
    }
    Ok(Outcome::Ok)
}

pub fn put(
    t: &Target,
    key: &str,
    value: Option<String>,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let value = match value.as_deref() {
        None | Some("-") => {
            let mut v = Vec::new();
            std::io::stdin().read_to_end(&mut v)?;
            v
        }
        Some(v) => v.as_bytes().to_vec(),
    };
    let id = rand::random::<u64>().max(1);
    let index = target::runtime()?.block_on(first_answer(t, |c| {
        let v = value.clone();
        async move { c.put(key, v, id).await }
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
    let v = target::runtime()?.block_on(first_answer(t, |c| async move {
        c.get(key, serializable).await
    }))?;
    match v {
        Some(v) => {
            output::value(key, &v, format, out)?;
            Ok(Outcome::Ok)
        }
        None => Err(anyhow!("key '{key}' does not exist")),
    }
}

pub fn del(t: &Target, key: &str, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let id = rand::random::<u64>().max(1);
    let deleted =
        target::runtime()?.block_on(first_answer(t, |c| async move { c.delete(key, id).await }))?;
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
