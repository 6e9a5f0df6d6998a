//! `raftctl snap dump|verify`.

use std::io::Write;

use serde_json::{Value, json};

use super::Outcome;
use crate::cli::SnapCommand;
use crate::kv::Kv;
use crate::output::tables::SnapList;
use crate::output::{self, Format};
use crate::proto::describe::bytes_json;
use crate::snap;

pub fn run(c: SnapCommand, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let (path, show_data) = match &c {
        SnapCommand::Dump { path } => (path, true),
        SnapCommand::Verify { path } => (path, false),
    };
    let (dir, paths) = snap::locate(path)?;
    let mut files = Vec::new();
    for f in paths {
        let mut r = snap::inspect(&f)?;
        match (r.data_format, r.data.as_deref()) {
            (Some("etcd-v2-store"), Some(d)) if show_data => {
                r.v2_store = serde_json::from_slice(d).ok();
            }
            (Some("raftctl-kv"), Some(d)) => r.kv = Some(kv_summary(d, show_data)),
            _ => {}
        }
        files.push(r);
    }
    let ok = files.iter().all(|r| r.ok());
    // etcd's Snapshotter.Load tries the names newest first and takes the first it can read.
    let etcd_loads = files
        .iter()
        .rev()
        .find(|r| r.etcd_reads)
        .map(|r| r.file.clone());
    let list = SnapList {
        ok,
        dir: dir.map(|d| d.display().to_string()),
        etcd_loads,
        files,
        show_data,
    };
    output::render_fit(&list, format, out, &output::Fit::detect(path))?;
    Ok(if ok {
        Outcome::Ok
    } else {
        Outcome::ProblemFound
    })
}

/// Only the pairs of raftctl's KV snapshot message (`kv::KvSnapshot`, field 1), to list the
/// keys: `Kv` answers lookups but does not hand out its keys.
#[derive(Clone, PartialEq, prost::Message)]
struct KvPairs {
    #[prost(message, repeated, tag = "1")]
    pairs: Vec<KvPair>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct KvPair {
    #[prost(bytes = "vec", tag = "1")]
    key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// raftctl's KV snapshot decoded by the KV itself: key count, bytes of keys and values, the
/// members it knows; with `keys`, every key with its value's size.
fn kv_summary(data: &[u8], keys: bool) -> Value {
    let kv = match Kv::from_snapshot_data(data) {
        Ok(kv) => kv,
        Err(e) => return json!({ "error": e.to_string() }),
    };
    let mut j = json!({"keys": kv.len(), "bytes": kv.size(), "members": kv.members().count()});
    if keys {
        let body = data
            .strip_prefix(crate::proto::command::SNAPSHOT_MAGIC)
            .unwrap_or_default();
        let list: Vec<Value> = <KvPairs as prost::Message>::decode(body)
            .map(|p| p.pairs)
            .unwrap_or_default()
            .iter()
            .map(|p| json!({"key": bytes_json(&p.key), "value": bytes_json(&p.value), "value_size": p.value.len()}))
            .collect();
        j["key_list"] = Value::Array(list);
    }
    j
}
