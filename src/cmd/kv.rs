//! `raftctl status`, `put`, `get`, `del` against the nodes named by --endpoints.

use std::io::{Read, Write};
use std::time::Duration;

use anyhow::anyhow;

use super::{Outcome, UsageError};
use crate::api::client::{Client, ClientError};
use crate::output::status::{ClusterStatus, NodeEntry};
use crate::output::{self, Format};

const TIMEOUT: Duration = Duration::from_secs(6);

fn clients(endpoints: &[String]) -> anyhow::Result<Vec<Client>> {
    if endpoints.is_empty() {
        return Err(UsageError(
            "no nodes given: pass --endpoints HOST:PORT,… (or set RAFTCTL_ENDPOINTS)".into(),
        )
        .into());
    }
    Ok(endpoints.iter().map(|e| Client::new(e, TIMEOUT)).collect())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Tries each node in turn while they are unreachable; any other answer is final.
async fn first_answer<T, F, Fut>(clients: &[Client], f: F) -> anyhow::Result<T>
where
    F: Fn(Client) -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut errors = Vec::new();
    for c in clients {
        match f(c.clone()).await {
            Ok(v) => return Ok(v),
            Err(e @ ClientError::Unreachable { .. }) => errors.push(e.to_string()),
            Err(e) => return Err(e.into()),
        }
    }
    Err(anyhow!("no node answered: {}", errors.join("; ")))
}

pub fn status(
    endpoints: &[String],
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let cs = clients(endpoints)?;
    let nodes = runtime()?.block_on(async {
        let futs = cs
            .iter()
            .map(|c| async move { (c.endpoint().to_string(), c.status().await) });
        futures_join(futs).await
    });
    let nodes: Vec<NodeEntry> = nodes
        .into_iter()
        .map(|(api, r)| match r {
            Ok(s) => NodeEntry::Up(Box::new(s)),
            Err(e) => NodeEntry::Down {
                id: None,
                api,
                reachable: false,
                error: e.to_string(),
            },
        })
        .collect();
    let report = ClusterStatus { nodes };
    output::render(&report, format, out)?;
    Ok(if report.leader().is_some() {
        Outcome::Ok
    } else {
        Outcome::ProblemFound
    })
}

async fn futures_join<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futs {
        set.push(f);
    }
    let mut out = Vec::with_capacity(set.len());
    for f in set {
        out.push(f.await);
    }
    out
}

pub fn put(
    endpoints: &[String],
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
    let cs = clients(endpoints)?;
    let id = rand::random::<u64>().max(1);
    let index = runtime()?.block_on(first_answer(&cs, |c| {
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
    endpoints: &[String],
    key: &str,
    serializable: bool,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let cs = clients(endpoints)?;
    let v = runtime()?.block_on(first_answer(&cs, |c| async move {
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

pub fn del(
    endpoints: &[String],
    key: &str,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let cs = clients(endpoints)?;
    let id = rand::random::<u64>().max(1);
    let deleted = runtime()?.block_on(first_answer(
        &cs,
        |c| async move { c.delete(key, id).await },
    ))?;
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
