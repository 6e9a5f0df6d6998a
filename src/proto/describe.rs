//! Turns an entry's payload into something a person (a one-line summary) and a script (JSON)
//! can read: conf changes, raftctl's commands, etcd's v3 and v2 requests, or hex.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use prost::Message;
use serde_json::{Map, Value, json};

use super::command::{Command, Op};
use super::etcd::{self, InternalRaftRequest, RequestOpKind};
use super::raftpb::{ConfChange, ConfChangeTransition, ConfChangeType, ConfChangeV2, EntryType};

/// Which decoder to apply to normal entries' data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Decoder {
    /// raftctl's commands when marked as such, else etcd's requests, else nothing.
    #[default]
    Auto,
    Raftctl,
    Etcd,
    Hex,
    None,
}

/// A decoded payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub summary: String,
    pub json: Value,
}

impl Described {
    fn new(summary: String, json: Value) -> Self {
        Described { summary, json }
    }
}

/// Describes an entry's payload; `None` when there is nothing to say (decoder `none`, or data
/// no decoder recognises).
pub fn describe(
    kind: Option<EntryType>,
    data: Option<&[u8]>,
    decoder: Decoder,
) -> Option<Described> {
    if decoder == Decoder::None {
        return None;
    }
    let bytes = data.unwrap_or(&[]);
    if decoder == Decoder::Hex {
        return Some(Described::new(
            hex(bytes, 64),
            json!({ "hex": hex(bytes, usize::MAX) }),
        ));
    }
    match kind? {
        EntryType::EntryConfChange => Some(conf_change(bytes)),
        EntryType::EntryConfChangeV2 => Some(conf_change_v2(bytes)),
        EntryType::EntryNormal if data.is_none() || bytes.is_empty() => Some(Described::new(
            "(empty: a new leader's first entry)".into(),
            json!({ "empty": true }),
        )),
        EntryType::EntryNormal => normal(bytes, decoder),
    }
}

fn normal(data: &[u8], decoder: Decoder) -> Option<Described> {
    let ours = Command::from_entry_data(data);
    if matches!(decoder, Decoder::Auto | Decoder::Raftctl) {
        match ours {
            Some(Ok(c)) => return Some(raftctl(c)),
            Some(Err(e)) => {
                let msg = format!("raftctl command that does not decode: {e}");
                return Some(Described::new(msg.clone(), json!({ "error": msg })));
            }
            None if decoder == Decoder::Raftctl => {
                let what = match etcd_request(data) {
                    Some((v, _)) => format!("an etcd {v} request; try --decode etcd"),
                    None => "nor an etcd request".into(),
                };
                return Some(not_decoded(format!("not a raftctl command ({what})")));
            }
            None => {}
        }
    }
    if decoder == Decoder::Etcd && ours.is_some() {
        return Some(not_decoded(
            "not an etcd request (a raftctl command; try --decode raftctl)".into(),
        ));
    }
    etcd_request(data).map(|(_, d)| d)
}

/// etcd's v3 (InternalRaftRequest) or v2 (Request) reading of entry data, and which it was.
fn etcd_request(data: &[u8]) -> Option<(&'static str, Described)> {
    if let Ok(r) = InternalRaftRequest::decode(data) {
        if let Some(v2) = &r.v2 {
            return Some(("v2", v2_request(v2)));
        }
        if let Some(d) = v3_request(r) {
            return Some(("v3", d));
        }
    }
    if let Ok(r) = etcd::Request::decode(data)
        && r.method.is_some()
    {
        return Some(("v2", v2_request(&r)));
    }
    None
}

/// Data the chosen decoder does not read, said as such (instead of an empty cell).
fn not_decoded(why: String) -> Described {
    Described::new(why.clone(), json!({ "not_decoded": why }))
}

fn raftctl(c: Command) -> Described {
    match c.op {
        Some(Op::Put(p)) => {
            let summary = format!("put {} = {}", text(&p.key), value_preview(&p.value));
            let size = p.value.len();
            Described::new(
                summary,
                object([(
                    "raftctl",
                    object([
                        ("op", json!("put")),
                        ("request_id", json!(c.request_id)),
                        ("key", bytes_json_owned(p.key)),
                        ("value", bytes_json_owned(p.value)),
                        ("value_size", json!(size)),
                    ]),
                )]),
            )
        }
        Some(Op::Delete(d)) => Described::new(
            format!("del {}", text(&d.key)),
            json!({"raftctl": {"op": "delete", "request_id": c.request_id, "key": bytes_json(&d.key)}}),
        ),
        Some(Op::DeleteRange(d)) => Described::new(
            format!("del range [{}, {})", text(&d.start), text(&d.end)),
            json!({"raftctl": {"op": "delete_range", "request_id": c.request_id,
                   "start": bytes_json(&d.start), "end": bytes_json(&d.end)}}),
        ),
        Some(Op::Publish(m)) => Described::new(
            format!("publish member {} peer {} api {}", m.id, m.peer, m.api),
            json!({"raftctl": {"op": "publish", "id": m.id, "peer": m.peer, "api": m.api}}),
        ),
        None => Described::new(
            "raftctl command without an operation".into(),
            json!({"raftctl": {"op": null, "request_id": c.request_id}}),
        ),
    }
}

fn conf_change(data: &[u8]) -> Described {
    match ConfChange::decode(data) {
        Ok(cc) => {
            let t = change_type(cc.change_type);
            let ctx = cc.context.as_deref().unwrap_or(&[]);
            let mut summary = format!("{t} {:x}", cc.node_id);
            let member = member_context(ctx);
            match &member {
                Some((s, _)) => summary.push_str(&format!(" {s}")),
                None if !ctx.is_empty() => summary.push_str(&format!(" {}", text(ctx))),
                None => {}
            }
            let mut j = json!({"id": cc.id, "type": t, "node_id": cc.node_id,
                   "node_id_hex": format!("{:x}", cc.node_id), "context": bytes_json(ctx)});
            if let (Some((_, m)), Value::Object(o)) = (member, &mut j) {
                o.insert("member".into(), m);
            }
            Described::new(summary, json!({ "conf_change": j }))
        }
        Err(e) => bad("ConfChange", e),
    }
}

fn conf_change_v2(data: &[u8]) -> Described {
    match ConfChangeV2::decode(data) {
        Ok(cc) if cc.is_leave_joint() => Described::new(
            "leave joint configuration".into(),
            json!({"conf_change_v2": {"transition": transition(cc.transition), "changes": [],
                   "leave_joint": true}}),
        ),
        Ok(cc) => {
            let parts: Vec<String> = cc
                .changes
                .iter()
                .map(|c| format!("{} {:x}", change_type(c.change_type), c.node_id))
                .collect();
            let changes: Vec<Value> = cc
                .changes
                .iter()
                .map(|c| {
                    json!({"type": change_type(c.change_type), "node_id": c.node_id,
                           "node_id_hex": format!("{:x}", c.node_id)})
                })
                .collect();
            let joint = cc.transition != 0 || cc.changes.len() > 1;
            let how = if joint {
                format!(" (joint, {})", transition(cc.transition))
            } else {
                String::new()
            };
            let ctx = cc.context.as_deref().unwrap_or(&[]);
            Described::new(
                format!("{}{how}", parts.join(", ")),
                json!({"conf_change_v2": {"transition": transition(cc.transition), "changes": changes,
                       "context": bytes_json(ctx), "leave_joint": false}}),
            )
        }
        Err(e) => bad("ConfChangeV2", e),
    }
}

/// The member a conf change's context describes: etcd's member JSON (`membership.Member`, or
/// `ConfigChangeContext`, which adds `isPromote`; etcd-io/etcd
/// etcdserver/api/membership/cluster.go) or raftctl's `{"peer","api"}`. A summary (name, peer
/// URLs, learner and promote flags) and the fields as JSON.
fn member_context(ctx: &[u8]) -> Option<(String, Value)> {
    let v: Value = serde_json::from_slice(ctx).ok()?;
    let o = v.as_object()?;
    let strs = |k: &str| -> Vec<String> {
        o.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|u| u.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let flag = |k: &str| o.get(k).and_then(Value::as_bool).unwrap_or(false);
    if o.contains_key("peerURLs") {
        let name = o.get("name").and_then(Value::as_str).unwrap_or_default();
        let peers = strs("peerURLs");
        let (learner, promote) = (flag("isLearner"), flag("isPromote"));
        let mut parts: Vec<String> = Vec::new();
        if !name.is_empty() {
            parts.push(name.to_string());
        }
        parts.push(peers.join(","));
        if learner {
            parts.push("(learner)".into());
        }
        if promote {
            parts.push("(promote)".into());
        }
        let id = o.get("id").and_then(Value::as_u64);
        let j = json!({"id": id, "id_hex": id.map(|i| format!("{i:x}")), "name": name,
                       "peer_urls": peers, "client_urls": strs("clientURLs"),
                       "is_learner": learner, "is_promote": promote});
        return Some((parts.join(" "), j));
    }
    let peer = o.get("peer").and_then(Value::as_str)?;
    let api = o.get("api").and_then(Value::as_str).unwrap_or_default();
    let mut s = format!("peer {peer}");
    if !api.is_empty() {
        s.push_str(&format!(" api {api}"));
    }
    Some((s, json!({"peer": peer, "api": api})))
}

fn bad(what: &str, e: impl std::fmt::Display) -> Described {
    let msg = format!("{what} that does not decode: {e}");
    Described::new(msg.clone(), json!({ "error": msg }))
}

fn change_type(t: i32) -> String {
    ConfChangeType::from_etcd(t)
        .map(|c| c.name().to_string())
        .unwrap_or_else(|| format!("type {t}"))
}

fn transition(t: i32) -> String {
    ConfChangeTransition::from_i32(t)
        .map(|c| format!("{c:?}"))
        .unwrap_or_else(|| format!("{t}"))
}

fn v2_request(r: &etcd::Request) -> Described {
    let method = r.method.clone().unwrap_or_default();
    let path = r.path.clone().unwrap_or_default();
    let val = r.val.clone().unwrap_or_default();
    let mut summary = format!("v2 {method} {path}");
    if !val.is_empty() {
        summary.push_str(&format!(" = {}", value_preview(val.as_bytes())));
    }
    let id = r.id.unwrap_or(0);
    Described::new(
        summary,
        json!({"v2": {"id": id, "method": method, "path": path, "val": val,
               "dir": r.dir.unwrap_or(false), "expiration": r.expiration.unwrap_or(0)}}),
    )
}

fn v3_request(r: InternalRaftRequest) -> Option<Described> {
    let id = r
        .header
        .as_ref()
        .map(|h| h.id)
        .filter(|&i| i != 0)
        .unwrap_or(r.id);
    let (summary, body): (String, Value) = if let Some(p) = r.put {
        (
            format!("put {}", put_summary(&p)),
            object([("put", put_json(p))]),
        )
    } else if let Some(d) = &r.delete_range {
        (
            format!("delete {}", range_text(&d.key, &d.range_end)),
            json!({"delete_range": range_json(&d.key, &d.range_end)}),
        )
    } else if let Some(t) = r.txn {
        (txn_summary(&t), object([("txn", txn_json(t))]))
    } else if let Some(g) = &r.range {
        (
            format!("range {}", range_text(&g.key, &g.range_end)),
            json!({"range": range_json(&g.key, &g.range_end)}),
        )
    } else if let Some(c) = &r.compaction {
        (
            format!(
                "compact to revision {}{}",
                c.revision,
                if c.physical { " (physical)" } else { "" }
            ),
            json!({"compaction": {"revision": c.revision, "physical": c.physical}}),
        )
    } else if let Some(g) = &r.lease_grant {
        (
            format!("lease grant {:x} ttl {}s", g.id, g.ttl),
            json!({"lease_grant": {"id": g.id, "id_hex": format!("{:x}", g.id), "ttl": g.ttl}}),
        )
    } else if let Some(l) = &r.lease_revoke {
        (
            format!("lease revoke {:x}", l.id),
            json!({"lease_revoke": {"id": l.id, "id_hex": format!("{:x}", l.id)}}),
        )
    } else if let Some(l) = &r.lease_checkpoint {
        let cps: Vec<Value> = l
            .checkpoints
            .iter()
            .map(|c| json!({"id": c.id, "remaining_ttl": c.remaining_ttl}))
            .collect();
        (
            format!("lease checkpoint ({} leases)", cps.len()),
            json!({"lease_checkpoint": {"checkpoints": cps}}),
        )
    } else if let Some(a) = &r.alarm {
        let action = ["get", "activate", "deactivate"]
            .get(a.action as usize)
            .copied()
            .unwrap_or("?");
        let alarm = ["none", "nospace", "corrupt"]
            .get(a.alarm as usize)
            .copied()
            .unwrap_or("?");
        (
            format!("alarm {action} {alarm} on {:x}", a.member_id),
            json!({"alarm": {"action": action, "alarm": alarm, "member_id": a.member_id,
                             "member_id_hex": format!("{:x}", a.member_id)}}),
        )
    } else {
        auth_request(&r)?
    };
    let mut obj = Map::new();
    obj.insert("id".into(), json!(id));
    if let Some(h) = &r.header
        && !h.username.is_empty()
    {
        obj.insert("username".into(), json!(h.username));
    }
    if let Value::Object(b) = body {
        obj.extend(b);
    }
    Some(Described::new(
        summary,
        object([("v3", Value::Object(obj))]),
    ))
}

fn auth_request(r: &InternalRaftRequest) -> Option<(String, Value)> {
    let simple = [
        ("auth_user_add", &r.auth_user_add),
        ("auth_user_delete", &r.auth_user_delete),
        ("auth_user_get", &r.auth_user_get),
        ("auth_user_change_password", &r.auth_user_change_password),
        ("auth_user_grant_role", &r.auth_user_grant_role),
        ("auth_user_revoke_role", &r.auth_user_revoke_role),
        ("auth_role_add", &r.auth_role_add),
        ("auth_role_delete", &r.auth_role_delete),
        ("auth_role_get", &r.auth_role_get),
        ("authenticate", &r.authenticate),
    ];
    for (name, req) in simple {
        if let Some(a) = req {
            // Never show passwords: only the first string (a user or role name) is kept.
            return Some((
                format!("{} {}", name.replace('_', " "), a.name),
                json!({ name: {"name": a.name} }),
            ));
        }
    }
    let empty = [
        ("auth_enable", r.auth_enable.is_some()),
        ("auth_disable", r.auth_disable.is_some()),
        ("auth_user_list", r.auth_user_list.is_some()),
        ("auth_role_list", r.auth_role_list.is_some()),
    ];
    for (name, set) in empty {
        if set {
            return Some((name.replace('_', " "), json!({ name: {} })));
        }
    }
    if let Some(g) = &r.auth_role_grant_permission {
        let (key, end) = g
            .perm
            .as_ref()
            .map(|p| (p.key.as_slice(), p.range_end.as_slice()))
            .unwrap_or_default();
        return Some((
            format!(
                "auth role grant permission {} {}",
                g.name,
                range_text(key, end)
            ),
            json!({"auth_role_grant_permission": {"name": g.name, "range": range_json(key, end)}}),
        ));
    }
    if let Some(g) = &r.auth_role_revoke_permission {
        return Some((
            format!(
                "auth role revoke permission {} {}",
                g.role,
                range_text(&g.key, &g.range_end)
            ),
            json!({"auth_role_revoke_permission": {"role": g.role, "range": range_json(&g.key, &g.range_end)}}),
        ));
    }
    None
}

fn put_summary(p: &etcd::PutRequest) -> String {
    let mut s = format!("{} = {}", text(&p.key), value_preview(&p.value));
    if p.lease != 0 {
        s.push_str(&format!(" lease {:x}", p.lease));
    }
    s
}

fn put_json(p: etcd::PutRequest) -> Value {
    let size = p.value.len();
    object([
        ("key", bytes_json_owned(p.key)),
        ("value", bytes_json_owned(p.value.into())),
        ("value_size", json!(size)),
        ("lease", json!(p.lease)),
        ("prev_kv", json!(p.prev_kv)),
        ("ignore_value", json!(p.ignore_value)),
        ("ignore_lease", json!(p.ignore_lease)),
    ])
}

fn txn_summary(t: &etcd::TxnRequest) -> String {
    let ops = |v: &[etcd::RequestOp]| -> String {
        v.iter()
            .map(|op| match &op.request {
                Some(RequestOpKind::Put(p)) => format!("put {}", put_summary(p)),
                Some(RequestOpKind::DeleteRange(d)) => {
                    format!("delete {}", range_text(&d.key, &d.range_end))
                }
                Some(RequestOpKind::Range(g)) => {
                    format!("range {}", range_text(&g.key, &g.range_end))
                }
                Some(RequestOpKind::Txn(_)) => "txn".into(),
                None => "nothing".into(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!(
        "txn if {} compare(s) then [{}] else [{}]",
        t.compare.len(),
        ops(&t.success),
        ops(&t.failure)
    )
}

fn txn_json(t: etcd::TxnRequest) -> Value {
    let op = |op: etcd::RequestOp| -> Value {
        match op.request {
            Some(RequestOpKind::Put(p)) => object([("put", put_json(p))]),
            Some(RequestOpKind::DeleteRange(d)) => {
                object([("delete_range", range_json(&d.key, &d.range_end))])
            }
            Some(RequestOpKind::Range(g)) => object([("range", range_json(&g.key, &g.range_end))]),
            Some(RequestOpKind::Txn(t)) => object([("txn", txn_json(t))]),
            None => Value::Null,
        }
    };
    let cmp: Vec<Value> = t
        .compare
        .iter()
        .map(|c| {
            let result = ["equal", "greater", "less", "not_equal"].get(c.result as usize).copied().unwrap_or("?");
            let target = ["version", "create", "mod", "value", "lease"].get(c.target as usize).copied().unwrap_or("?");
            let against = match &c.target_union {
                Some(etcd::CompareTarget::Version(v))
                | Some(etcd::CompareTarget::CreateRevision(v))
                | Some(etcd::CompareTarget::ModRevision(v))
                | Some(etcd::CompareTarget::Lease(v)) => json!(v),
                Some(etcd::CompareTarget::Value(v)) => bytes_json(v),
                None => Value::Null,
            };
            json!({"key": bytes_json(&c.key), "target": target, "result": result, "against": against})
        })
        .collect();
    object([
        ("compare", Value::Array(cmp)),
        ("success", t.success.into_iter().map(op).collect()),
        ("failure", t.failure.into_iter().map(op).collect()),
    ])
}

fn range_text(key: &[u8], end: &[u8]) -> String {
    if end.is_empty() {
        text(key)
    } else {
        format!("[{}, {})", text(key), text(end))
    }
}

fn range_json(key: &[u8], end: &[u8]) -> Value {
    json!({"key": bytes_json(key), "range_end": bytes_json(end)})
}

/// A byte string as JSON: the string itself when it is UTF-8, else `{"base64": …}`.
pub fn bytes_json(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => json!(s),
        Err(_) => json!({ "base64": B64.encode(b) }),
    }
}

/// [`bytes_json`] of bytes it may keep: a UTF-8 value becomes the JSON string without a copy
/// (values are the large part of a decoded entry).
fn bytes_json_owned(b: Vec<u8>) -> Value {
    match String::from_utf8(b) {
        Ok(s) => Value::String(s),
        Err(e) => bytes_json(e.as_bytes()),
    }
}

/// A JSON object of these fields, moved in: `json!` copies each value it is given (it
/// serializes the expression into a new `Value`), which for a decoded entry means its whole
/// value again at every level.
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// A byte string for a table cell: control characters escaped, cut at 40 characters.
pub fn text(b: &[u8]) -> String {
    escaped(b, false)
}

/// `text`, with quotes and backslashes escaped too when it goes between quotes.
fn escaped(b: &[u8], in_quotes: bool) -> String {
    const SHOWN: usize = 40;
    // Only the head is read (a value can be megabytes): SHOWN characters take at most 4 bytes
    // each, replacement characters included, so they lie in its first 4 × SHOWN bytes and read
    // the same there, and a longer value has more than SHOWN characters.
    let head = &b[..b.len().min(4 * SHOWN)];
    let s = String::from_utf8_lossy(head);
    let mut out = String::new();
    for c in s.chars().take(SHOWN) {
        if c.is_control() || (in_quotes && (c == '"' || c == '\\')) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if b.len() > head.len() || s.chars().count() > SHOWN {
        out.push('…');
    }
    out
}

/// A value in quotes, with the quotes and backslashes inside it escaped, cut at 40
/// characters.
fn value_preview(v: &[u8]) -> String {
    let t = escaped(v, true);
    if v.len() > 40 {
        format!("\"{t}\" ({} B)", v.len())
    } else {
        format!("\"{t}\"")
    }
}

/// Lower-case hex of at most `max` bytes, with an ellipsis when cut.
pub fn hex(b: &[u8], max: usize) -> String {
    let mut s = String::with_capacity(b.len().min(max) * 2 + 3);
    for x in b.iter().take(max) {
        s.push_str(&format!("{x:02x}"));
    }
    if b.len() > max {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn leave_joint_has_no_data() {
        let d = describe(Some(EntryType::EntryConfChangeV2), None, Decoder::Auto).unwrap();
        assert_eq!(d.summary, "leave joint configuration");
    }

    #[test]
    fn empty_normal_entry() {
        let d = describe(Some(EntryType::EntryNormal), None, Decoder::Auto).unwrap();
        assert_eq!(d.json, json!({"empty": true}));
    }

    #[test]
    fn etcd_member_contexts_are_decoded() {
        let ctx = br#"{"id":2429146036313797203,"peerURLs":["http://127.0.0.1:22380"],"name":"m4","isPromote":true}"#;
        let (s, j) = member_context(ctx).unwrap();
        assert_eq!(s, "m4 http://127.0.0.1:22380 (promote)");
        assert_eq!(j["is_promote"], true);
        assert_eq!(j["id"], 2429146036313797203u64);
        let (s, _) =
            member_context(br#"{"id":5,"peerURLs":["http://a:1","http://b:2"],"isLearner":true}"#)
                .unwrap();
        assert_eq!(s, "http://a:1,http://b:2 (learner)");
        let (s, _) = member_context(br#"{"peer":"127.0.0.1:7101","api":""}"#).unwrap();
        assert_eq!(s, "peer 127.0.0.1:7101");
        assert!(member_context(b"not json").is_none());
    }

    #[test]
    fn values_escape_inner_quotes() {
        assert_eq!(value_preview(br#"{"a":"b\c"}"#), r#""{\"a\":\"b\\c\"}""#);
        assert_eq!(value_preview(b"x\ny"), r#""x\ny""#);
    }

    /// What `escaped` shows, computed from the whole value (it reads only the head).
    fn escaped_whole(b: &[u8], in_quotes: bool) -> String {
        let s = String::from_utf8_lossy(b);
        let mut out: String = s
            .chars()
            .take(40)
            .flat_map(|c| {
                let esc = c.is_control() || (in_quotes && (c == '"' || c == '\\'));
                let e: Vec<char> = if esc {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                e
            })
            .collect();
        if s.chars().count() > 40 {
            out.push('…');
        }
        out
    }

    proptest! {
        #[test]
        fn escaped_reads_only_the_head_and_says_the_same(
            // Short and around the 160-byte head, multi-byte and invalid UTF-8 included.
            parts in proptest::collection::vec(
                prop_oneof![
                    proptest::char::range('\u{10000}', '\u{10ffff}').prop_map(|c| c.to_string().into_bytes()),
                    proptest::char::range('\u{80}', '\u{ffff}').prop_map(|c| c.to_string().into_bytes()),
                    proptest::collection::vec(0x80u8..=0xff, 1..4),
                    proptest::collection::vec(0u8..0x80, 1..3),
                ],
                0..60,
            ),
            quotes in any::<bool>(),
        ) {
            let b: Vec<u8> = parts.concat();
            prop_assert_eq!(escaped(&b, quotes), escaped_whole(&b, quotes));
        }
    }

    #[test]
    fn escaped_at_the_edge_of_the_head() {
        let four = "😀".as_bytes();
        for n in [39, 40, 41] {
            let b = four.repeat(n);
            assert_eq!(
                escaped(&b, false),
                escaped_whole(&b, false),
                "{n} × 4 bytes"
            );
            // A character cut short right after the head, and one cut inside it.
            for cut in [1, 3] {
                let mut c = b.clone();
                c.extend_from_slice(&four[..cut]);
                assert_eq!(
                    escaped(&c, false),
                    escaped_whole(&c, false),
                    "{n} × 4 + {cut}"
                );
            }
        }
        assert_eq!(escaped(&four.repeat(40), false), "😀".repeat(40));
        assert_eq!(
            escaped(&four.repeat(41), false),
            format!("{}…", "😀".repeat(40))
        );
    }

    #[test]
    fn none_decoder_says_nothing() {
        assert!(describe(Some(EntryType::EntryNormal), Some(b"x"), Decoder::None).is_none());
    }
}
