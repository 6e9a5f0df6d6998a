//! What a member's dir says of each member's name and peer URLs, for the commands doctor
//! prints (`etcdctl member add NAME --peer-urls=URL`): etcd's `membership.Member` JSON in
//! the context of each AddNode conf change, the `PUT /0/members/<id>/attributes` v2 request
//! a member publishes its name with, and the `/0/members/<id>/…` keys of the v2 store in the
//! `.snap` it starts from (etcd-io/etcd etcdserver/api/membership/{member,store}.go, 3.4).

use std::collections::BTreeMap;
use std::path::Path;

use prost::Message;
use serde_json::Value;

use crate::proto::etcd::{InternalRaftRequest, Request};
use crate::proto::raftpb::{ConfChange, EntryType};
use crate::wal::layout::Layout;
use crate::wal::view::{Item, LogView, ViewOptions};

/// A member as the log names it (fields left empty when the log does not say).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub name: String,
    pub peer_urls: Vec<String>,
}

/// Every member the start snapshot and the WAL name, by id; a later record wins.
pub fn read(layout: &Layout, snap_file: Option<&Path>) -> BTreeMap<u64, Known> {
    let mut out = BTreeMap::new();
    if let Some(f) = snap_file
        && let Ok(r) = crate::snap::inspect(f)
        && let Some(data) = &r.data
        && let Some(leaves) = crate::snap::v2store::leaves(data)
    {
        for (path, value, _, _) in leaves {
            store_key(&path, value.as_bytes(), &mut out);
        }
    }
    let mut view = LogView::new(layout.segments.clone(), ViewOptions::default());
    while let Some(item) = view.next() {
        let Ok(Item::Entry { entry, .. }) = item else {
            continue;
        };
        let data = entry.data.as_deref().unwrap_or_default();
        match EntryType::from_i32(entry.entry_type) {
            Some(EntryType::EntryConfChange) => {
                if let Ok(cc) = ConfChange::decode(data) {
                    member_json(
                        cc.node_id,
                        cc.context.as_deref().unwrap_or_default(),
                        &mut out,
                    );
                }
            }
            Some(EntryType::EntryNormal) => {
                if let Some(r) = v2_request(data)
                    && r.method.as_deref() == Some("PUT")
                {
                    let path = r.path.as_deref().unwrap_or_default();
                    store_key(
                        path,
                        r.val.as_deref().unwrap_or_default().as_bytes(),
                        &mut out,
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// etcd 3.4 proposes v2 requests bare (`pb.Request`), or inside an InternalRaftRequest.
fn v2_request(data: &[u8]) -> Option<Request> {
    if let Ok(r) = InternalRaftRequest::decode(data)
        && let Some(v2) = r.v2
    {
        return Some(v2);
    }
    Request::decode(data).ok().filter(|r| r.method.is_some())
}

/// `/0/members/<hex id>/attributes` (`{"name","clientURLs"}`) or `…/raftAttributes`
/// (`{"peerURLs"}`), as etcd's v2 store keeps them.
fn store_key(path: &str, value: &[u8], out: &mut BTreeMap<u64, Known>) {
    let Some(rest) = path.strip_prefix("/0/members/") else {
        return;
    };
    let Some((id, what)) = rest.split_once('/') else {
        return;
    };
    let Ok(id) = u64::from_str_radix(id, 16) else {
        return;
    };
    let Ok(v) = serde_json::from_slice::<Value>(value) else {
        return;
    };
    let k = out.entry(id).or_default();
    match what {
        "attributes" => {
            if let Some(n) = v.get("name").and_then(Value::as_str)
                && !n.is_empty()
            {
                k.name = n.to_string();
            }
        }
        "raftAttributes" => set_peers(k, &v),
        _ => {}
    }
}

/// A conf change's context: etcd's member JSON (`{"id","peerURLs","name",…}`).
fn member_json(id: u64, ctx: &[u8], out: &mut BTreeMap<u64, Known>) {
    let Ok(v) = serde_json::from_slice::<Value>(ctx) else {
        return;
    };
    if v.get("peerURLs").is_none() {
        return;
    }
    let k = out.entry(id).or_default();
    if let Some(n) = v.get("name").and_then(Value::as_str)
        && !n.is_empty()
    {
        k.name = n.to_string();
    }
    set_peers(k, &v);
}

fn set_peers(k: &mut Known, v: &Value) {
    if let Some(urls) = v.get("peerURLs").and_then(Value::as_array) {
        let urls: Vec<String> = urls
            .iter()
            .filter_map(|u| u.as_str().map(str::to_owned))
            .collect();
        if !urls.is_empty() {
            k.peer_urls = urls;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls_come_from_contexts_and_attributes() {
        let mut out = BTreeMap::new();
        member_json(
            0xe7bf,
            br#"{"id":59327,"peerURLs":["http://127.0.0.1:47314"],"name":"m2"}"#,
            &mut out,
        );
        // `member add` carries no name; the member publishes it once it runs.
        member_json(5, br#"{"id":5,"peerURLs":["http://a:1"]}"#, &mut out);
        store_key(
            "/0/members/5/attributes",
            br#"{"name":"m5","clientURLs":["http://a:2"]}"#,
            &mut out,
        );
        store_key(
            "/0/members/7/raftAttributes",
            br#"{"peerURLs":["http://b:1"]}"#,
            &mut out,
        );
        store_key("/0/version", b"\"3.4.0\"", &mut out);
        // raftctl's own context names no peerURLs: nothing to learn.
        member_json(
            9,
            br#"{"peer":"127.0.0.1:1","api":"127.0.0.1:2"}"#,
            &mut out,
        );
        let k = |name: &str, url: &str| Known {
            name: name.into(),
            peer_urls: vec![url.into()],
        };
        assert_eq!(out[&0xe7bf], k("m2", "http://127.0.0.1:47314"));
        assert_eq!(out[&5], k("m5", "http://a:1"));
        assert_eq!(out[&7], k("", "http://b:1"));
        assert_eq!(out.len(), 3);
    }
}
