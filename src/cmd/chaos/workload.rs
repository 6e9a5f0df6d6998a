//! The workload: concurrent clients doing puts of unique values, linearizable gets and
//! deletes on a few keys, each request recorded with the times it was sent and answered
//! (microseconds on one monotonic clock) and what became of it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::api::client::{Client, ClientError};
use crate::checker::Op;

/// What a request asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReqKind {
    Put,
    Get,
    Delete,
}

impl ReqKind {
    pub fn name(self) -> &'static str {
        match self {
            ReqKind::Put => "put",
            ReqKind::Get => "get",
            ReqKind::Delete => "delete",
        }
    }
}

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// Answered: in the history with its answer.
    Ok,
    /// Certainly without effect (refused before it was proposed, or never sent): left out
    /// of the history. A read that failed is one too (a read changes nothing).
    Failed,
    /// Timed out or dropped after it was sent: in the history without an answer (it may
    /// take effect later, or never).
    Indeterminate,
}

/// One request as the client saw it.
#[derive(Debug, Clone, Serialize)]
pub struct Rec {
    pub client: u64,
    /// The endpoint asked.
    pub endpoint: String,
    pub kind: ReqKind,
    pub key: String,
    /// The value a put wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A get's answer (`null`: absent) or, for a delete, `"existed"` / `"absent"`; only
    /// when answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Option<String>>,
    pub call_us: u64,
    /// `null` unless answered.
    pub ret_us: Option<u64>,
    pub fate: Fate,
    /// Why it failed or is indeterminate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// This op's place in the history the checker read (`null`: left out).
    pub history_index: Option<usize>,
}

impl Rec {
    /// The op the checker reads, or `None` when the request is left out.
    pub fn op(&self) -> Option<Op> {
        let key = self.key.as_bytes();
        let c = self.client;
        match (self.fate, self.kind) {
            (Fate::Failed, _) | (Fate::Indeterminate, ReqKind::Get) => None,
            (Fate::Ok, ReqKind::Put) => Some(Op::put(
                c,
                key,
                self.value.as_deref().unwrap_or_default().as_bytes(),
                self.call_us,
                self.ret_us.unwrap_or(self.call_us),
            )),
            (Fate::Ok, ReqKind::Get) => {
                let r = self.result.clone().flatten();
                Some(Op::get(
                    c,
                    key,
                    r.as_deref().map(str::as_bytes),
                    self.call_us,
                    self.ret_us.unwrap_or(self.call_us),
                ))
            }
            (Fate::Ok, ReqKind::Delete) => Some(Op::delete(
                c,
                key,
                self.result.clone().flatten().is_some(),
                self.call_us,
                self.ret_us.unwrap_or(self.call_us),
            )),
            (Fate::Indeterminate, ReqKind::Put) => Some(Op::timed_out_put(
                c,
                key,
                self.value.as_deref().unwrap_or_default().as_bytes(),
                self.call_us,
            )),
            (Fate::Indeterminate, ReqKind::Delete) => {
                Some(Op::timed_out_delete(c, key, self.call_us))
            }
        }
    }
}

/// The monotonic clock of a run: microseconds since its start.
#[derive(Debug, Clone, Copy)]
pub struct Clock(pub Instant);

impl Clock {
    pub fn us(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }

    pub fn ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
}

/// Sends one request and records it; true too when the member did not answer or is stopping
/// (worth asking another). `value` is a put's; `request_id` makes the member's retries apply
/// once.
pub async fn request(
    c: &Client,
    client: u64,
    kind: ReqKind,
    key: &str,
    value: Option<String>,
    request_id: u64,
    clock: Clock,
) -> (Rec, bool) {
    let call_us = clock.us();
    let (result, error): (Option<Option<String>>, Option<ClientError>) = match kind {
        ReqKind::Put => {
            let v = value.clone().unwrap_or_default().into_bytes();
            match c.put(key, v, request_id).await {
                Ok(_) => (Some(None), None),
                Err(e) => (None, Some(e)),
            }
        }
        ReqKind::Get => match c.get(key, false).await {
            Ok(v) => (
                Some(v.map(|b| String::from_utf8_lossy(&b).into_owned())),
                None,
            ),
            Err(e) => (None, Some(e)),
        },
        ReqKind::Delete => match c.delete(key, request_id).await {
            Ok(existed) => (Some(existed.then(|| "existed".to_string())), None),
            Err(e) => (None, Some(e)),
        },
    };
    let ret_us = clock.us();
    let (fate, result) = match &error {
        None => (Fate::Ok, if kind == ReqKind::Put { None } else { result }),
        Some(e) if e.changed_nothing() || kind == ReqKind::Get => (Fate::Failed, None),
        Some(_) => (Fate::Indeterminate, None),
    };
    let elsewhere = error.as_ref().is_some_and(|e| {
        e.is_unreachable()
            || matches!(
                e,
                ClientError::Node {
                    error: crate::node::NodeError::Stopped,
                    ..
                }
            )
    });
    let rec = Rec {
        client,
        endpoint: crate::api::client::bare(c.endpoint()).to_string(),
        kind,
        key: key.to_string(),
        value: if kind == ReqKind::Put { value } else { None },
        result,
        call_us,
        ret_us: (fate == Fate::Ok).then_some(ret_us),
        fate,
        error: error.map(|e| e.to_string()),
        history_index: None,
    };
    (rec, elsewhere)
}

/// What the clients share with the rest of the run.
pub struct Shared {
    /// The members' API endpoints now (membership changes change them).
    pub endpoints: RwLock<Vec<String>>,
    pub records: Mutex<Vec<Rec>>,
    pub stop: AtomicBool,
    pub ok: AtomicU64,
    pub clock: Clock,
    pub timeout: Duration,
    pub dial: Duration,
    /// This run's keys start with it (`chaos/<random>/`), so that a cluster given by
    /// --endpoints starts the run with none of them.
    pub prefix: String,
}

impl Shared {
    /// The `i`th key of the workload.
    pub fn key(&self, i: u64) -> String {
        format!("{}k{i:03}", self.prefix)
    }

    pub fn endpoints(&self) -> Vec<String> {
        self.endpoints.read().map(|e| e.clone()).unwrap_or_default()
    }

    pub fn record(&self, r: Rec) {
        if r.fate == Fate::Ok {
            self.ok.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut recs) = self.records.lock() {
            recs.push(r);
        }
    }
}

/// One client until `shared.stop`: a random key, a put (half the time), a get or a delete,
/// to its member; after a member does not answer, the next one.
pub async fn client(shared: Arc<Shared>, id: u64, keys: u64, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut clients: HashMap<String, Client> = HashMap::new();
    let mut home = id as usize;
    let mut seq = 0u64;
    while !shared.stop.load(Ordering::Relaxed) {
        let eps = shared.endpoints();
        if eps.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let ep = eps[home % eps.len()].clone();
        let c = clients
            .entry(ep.clone())
            .or_insert_with(|| Client::with_dial(&ep, shared.timeout, shared.dial))
            .clone();
        let k = shared.key(rng.random_range(0..keys));
        let roll = rng.random_range(0..100);
        let kind = match roll {
            0..50 => ReqKind::Put,
            50..88 => ReqKind::Get,
            _ => ReqKind::Delete,
        };
        seq += 1;
        let value = (kind == ReqKind::Put).then(|| format!("c{id}-{seq}"));
        let rid = rng.random::<u64>().max(1);
        let (r, moved) = request(&c, id, kind, &k, value, rid, shared.clock).await;
        shared.record(r);
        if moved {
            home += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::OpKind;

    fn rec(kind: ReqKind, fate: Fate) -> Rec {
        Rec {
            client: 1,
            endpoint: "e".into(),
            kind,
            key: "k".into(),
            value: (kind == ReqKind::Put).then(|| "v".into()),
            result: (fate == Fate::Ok && kind != ReqKind::Put).then_some(None),
            call_us: 5,
            ret_us: (fate == Fate::Ok).then_some(9),
            fate,
            error: None,
            history_index: None,
        }
    }

    #[test]
    fn fates_become_ops_or_are_left_out() {
        assert!(rec(ReqKind::Put, Fate::Failed).op().is_none());
        assert!(rec(ReqKind::Get, Fate::Indeterminate).op().is_none());
        let p = rec(ReqKind::Put, Fate::Indeterminate).op().unwrap();
        assert_eq!((p.call, p.ret), (5, None));
        let g = rec(ReqKind::Get, Fate::Ok).op().unwrap();
        assert_eq!(g.kind, OpKind::Get { result: Some(None) });
        assert_eq!(g.ret, Some(9));
        let mut d = rec(ReqKind::Delete, Fate::Ok);
        d.result = Some(Some("existed".into()));
        assert_eq!(
            d.op().unwrap().kind,
            OpKind::Delete {
                existed: Some(true)
            }
        );
        assert_eq!(
            rec(ReqKind::Delete, Fate::Indeterminate).op().unwrap().kind,
            OpKind::Delete { existed: None }
        );
    }
}
