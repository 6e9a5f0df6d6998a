//! The API server: turns HTTP requests into requests to the raft thread.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::api::client::MAX_KEY_BYTES;
use crate::node::{Change, Node, NodeError, Request};
use crate::transport::Faults;

/// How long a request may wait for its answer, retries included.
const DEADLINE: Duration = Duration::from_secs(5);
/// How long one attempt of a write waits before it is tried again (with the same request id,
/// so it applies once): a proposal can be lost on its way to a leader that just died.
const ATTEMPT: Duration = Duration::from_secs(2);

pub fn router(node: Node) -> Router {
    // A body that says its length is refused from that alone (`refuse_oversized`). One that
    // does not (chunked) is cut off by axum a little over the value limit, so that the handler
    // can still answer an oversized value with raftctl's own error naming the limit.
    let body_limit = usize::try_from(node.max_request_bytes())
        .unwrap_or(usize::MAX)
        .saturating_add(64 << 10);
    let limit = node.max_request_bytes();
    Router::new()
        .route("/status", get(status))
        // The key in the query (`/kv?key=…`): a path would be normalised (`..`, `.`) on the way.
        .route("/kv", get(kv_get_q).put(kv_put_q).delete(kv_delete_q))
        .route("/kv/range", get(kv_range).delete(kv_delete_range))
        .route("/kv/batch", post(kv_batch))
        .route("/kv/{*key}", get(kv_get).put(kv_put).delete(kv_delete))
        .route("/members", post(members))
        .route("/leader/transfer", post(transfer))
        .route("/faults", get(faults_get).put(faults_put))
        .route("/failpoints", get(failpoints_get).put(failpoints_put))
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            limit,
            refuse_oversized,
        ))
        .with_state(node)
}

/// Answers 413 to a request whose Content-Length is over `--max-request-bytes` before
/// reading any of its body (a value, the largest body the API takes, may be that long).
async fn refuse_oversized(
    State(limit): State<u64>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let claimed = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match claimed {
        Some(size) if size > limit => ApiError(NodeError::TooLarge { size, limit }).into_response(),
        _ => next.run(req).await,
    }
}

pub struct ApiError(NodeError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = match &self.0 {
            NodeError::NotLeader { .. } => StatusCode::MISDIRECTED_REQUEST,
            NodeError::NoLeader
            | NodeError::Dropped { .. }
            | NodeError::Timeout { .. }
            | NodeError::Stopped => StatusCode::SERVICE_UNAVAILABLE,
            NodeError::Busy { .. } => StatusCode::CONFLICT,
            NodeError::Invalid { .. } => StatusCode::BAD_REQUEST,
            NodeError::FaultsDisabled => StatusCode::FORBIDDEN,
            NodeError::Storage { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            NodeError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        };
        (code, axum::Json(self.body())).into_response()
    }
}

impl ApiError {
    /// `{"error":kind,…,"message"}`.
    fn body(&self) -> serde_json::Value {
        let mut body = serde_json::to_value(&self.0).unwrap_or_else(|_| json!({}));
        body["message"] = json!(self.0.to_string());
        body
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        ApiError(e)
    }
}

async fn status(State(node): State<Node>) -> impl IntoResponse {
    axum::Json((*node.status()).clone())
}

#[derive(Deserialize)]
struct GetQuery {
    #[serde(default)]
    serializable: bool,
}

#[derive(Deserialize)]
struct KeyQuery {
    key: String,
    #[serde(default)]
    serializable: bool,
}

/// Refuses an empty key and one over [`MAX_KEY_BYTES`].
fn check_key(key: &[u8]) -> Result<(), ApiError> {
    let reason = if key.is_empty() {
        "the key is empty".to_string()
    } else if key.len() > MAX_KEY_BYTES {
        format!(
            "the key is {} bytes, over the limit of {MAX_KEY_BYTES}",
            key.len()
        )
    } else {
        return Ok(());
    };
    Err(ApiError(NodeError::Invalid { reason }))
}

/// A key range: `prefix=P`, or `start=S` with an optional `end=E` (none: to the last key).
#[derive(Deserialize)]
struct RangeParams {
    prefix: Option<String>,
    start: Option<String>,
    end: Option<String>,
    #[serde(default)]
    limit: usize,
    #[serde(default)]
    keys_only: bool,
    #[serde(default)]
    serializable: bool,
}

impl RangeParams {
    fn bounds(&self) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
        match (&self.prefix, &self.start) {
            (Some(p), None) => Ok((
                p.as_bytes().to_vec(),
                crate::proto::command::prefix_end(p.as_bytes()),
            )),
            (None, Some(s)) => Ok((
                s.as_bytes().to_vec(),
                self.end.clone().unwrap_or_default().into_bytes(),
            )),
            _ => Err(ApiError(NodeError::Invalid {
                reason: "a range needs prefix=P, or start=S (with an optional end=E)".into(),
            })),
        }
    }
}

async fn kv_range(
    State(node): State<Node>,
    Query(q): Query<RangeParams>,
) -> Result<Response, ApiError> {
    let (start, end) = q.bounds()?;
    let query = crate::node::RangeQuery {
        start,
        end,
        limit: q.limit,
        keys_only: q.keys_only,
    };
    let answer = with_retries(|left| {
        let (query, node) = (query.clone(), node.clone());
        async move {
            let wait = left.min(Duration::from_millis(1000));
            node.ask(
                |reply| Request::Range {
                    query,
                    serializable: q.serializable,
                    reply,
                },
                wait,
            )
            .await
        }
    })
    .await?;
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let kvs: Vec<serde_json::Value> = answer
        .pairs
        .iter()
        .map(|(k, v)| json!({"key": b64.encode(k), "value": b64.encode(v)}))
        .collect();
    Ok(axum::Json(json!({"kvs": kvs, "more": answer.more})).into_response())
}

async fn kv_delete_range(
    State(node): State<Node>,
    Query(q): Query<RangeParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (start, end) = q.bounds()?;
    let request_id = request_id(&headers)?;
    let deleted = write(&node, move |reply| Request::DeleteRange {
        start: start.clone(),
        end: end.clone(),
        request_id,
        reply,
    })
    .await?;
    Ok(axum::Json(json!({ "deleted": deleted })).into_response())
}

async fn kv_get_q(node: State<Node>, Query(q): Query<KeyQuery>) -> Result<Response, ApiError> {
    let serializable = GetQuery {
        serializable: q.serializable,
    };
    kv_get(node, Path(q.key), Query(serializable)).await
}

async fn kv_put_q(
    node: State<Node>,
    Query(q): Query<KeyQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    kv_put(node, Path(q.key), headers, body).await
}

async fn kv_delete_q(
    node: State<Node>,
    Query(q): Query<KeyQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    kv_delete(node, Path(q.key), headers).await
}

/// A write, asked of the raft thread with the same request id on every attempt (so that it
/// applies once), retried until the deadline. Its error says "nothing changed" only when no
/// attempt may have been proposed ([`Attempts`]).
async fn write<T, F>(node: &Node, make: F) -> Result<T, NodeError>
where
    F: Fn(crate::node::Reply<T>) -> Request + Clone,
{
    write_after(node, make, None).await
}

/// [`write`], when its first attempt was already sent ([`Node::send`], a batch's): that
/// attempt's answer is waited for before any retry.
async fn write_after<T, F>(
    node: &Node,
    make: F,
    first: Option<tokio::sync::oneshot::Receiver<Result<T, NodeError>>>,
) -> Result<T, NodeError>
where
    F: Fn(crate::node::Reply<T>) -> Request + Clone,
{
    let attempts = std::sync::Mutex::new(Attempts::default());
    if let Some(answer) = first {
        match Node::answer(answer, ATTEMPT).await {
            Ok(v) => return Ok(v),
            Err(e) => {
                attempts.lock().unwrap_or_else(|p| p.into_inner()).saw(&e);
                if !e.is_transient() {
                    let attempts = attempts.into_inner().unwrap_or_else(|p| p.into_inner());
                    return attempts.outcome(Err(e));
                }
            }
        }
    }
    let last = with_retries(|left| {
        let (node, make, attempts) = (node.clone(), make.clone(), &attempts);
        async move {
            let r = node.ask(make, left.min(ATTEMPT)).await;
            if let Err(e) = &r {
                attempts.lock().unwrap_or_else(|p| p.into_inner()).saw(e);
            }
            r
        }
    })
    .await;
    attempts
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .outcome(last)
}

/// Many puts in one request (`raftctl bench --pipeline`; the body is a
/// [`crate::proto::batch::PutBatch`]): all go into the raft thread's inbox together, so that
/// they are proposed in order as consecutive entries, most in one Ready. Each is then a write
/// of its own: one that must be retried (a leader change) is retried with its request id and
/// may land after those behind it. The answer has one result per put, in order:
/// `{"results":[{"index":n} | {"error":kind,…,"message"}]}`.
async fn kv_batch(State(node): State<Node>, body: Bytes) -> Result<Response, ApiError> {
    use prost::Message as _;
    let batch = crate::proto::batch::PutBatch::decode(body).map_err(|e| {
        ApiError(NodeError::Invalid {
            reason: format!("the batch does not decode as a PutBatch: {e}"),
        })
    })?;
    if batch.puts.is_empty() {
        return Err(ApiError(NodeError::Invalid {
            reason: "the batch has no puts".into(),
        }));
    }
    let limit = node.max_request_bytes();
    for p in &batch.puts {
        check_key(&p.key)?;
        if p.value.len() as u64 > limit {
            return Err(ApiError(NodeError::TooLarge {
                size: p.value.len() as u64,
                limit,
            }));
        }
    }
    let makes: Vec<_> = batch
        .puts
        .into_iter()
        .map(|p| {
            let request_id = if p.request_id == 0 {
                fresh_request_id()
            } else {
                p.request_id
            };
            move |reply| Request::Put {
                key: p.key.clone(),
                value: p.value.clone(),
                request_id,
                reply,
            }
        })
        .collect();
    // A put the inbox refused (full) is tried again by its write.
    let firsts: Vec<_> = makes.iter().map(|m| node.send(m.clone()).ok()).collect();
    let mut results = Vec::with_capacity(makes.len());
    for (make, first) in makes.into_iter().zip(firsts) {
        results.push(match write_after(&node, make, first).await {
            Ok(index) => json!({ "index": index }),
            Err(e) => ApiError(e).body(),
        });
    }
    Ok(axum::Json(json!({ "results": results })).into_response())
}

/// What the failed attempts of one write add up to. An attempt that was dropped or timed out
/// may have been proposed (a follower forwards it to the leader) and may still apply; a later
/// attempt refused before it was proposed (no leader known any more, say, once that follower
/// lost its leader) must not then tell the client that the write changed nothing: a client
/// that believed it would leave out of its history a write that took effect (a chaos run
/// under kernel-made loss saw exactly that: a read of a value whose put had "failed").
#[derive(Debug, Default)]
struct Attempts {
    maybe_proposed: Option<NodeError>,
}

impl Attempts {
    fn saw(&mut self, e: &NodeError) {
        if !e.changed_nothing() {
            self.maybe_proposed = Some(e.clone());
        }
    }

    fn outcome<T>(self, last: Result<T, NodeError>) -> Result<T, NodeError> {
        match (last, self.maybe_proposed) {
            (Err(e), Some(earlier)) if e.changed_nothing() => Err(earlier),
            (last, _) => last,
        }
    }
}

/// Retries what is worth retrying (no leader yet, a dropped proposal, a leader change) until
/// the deadline.
async fn with_retries<T, F, Fut>(mut f: F) -> Result<T, NodeError>
where
    F: FnMut(Duration) -> Fut,
    Fut: std::future::Future<Output = Result<T, NodeError>>,
{
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        let left = DEADLINE.saturating_sub(start.elapsed());
        match f(left.max(Duration::from_millis(1))).await {
            Err(e) if e.is_transient() && start.elapsed() + pause < DEADLINE => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

async fn kv_get(
    State(node): State<Node>,
    Path(key): Path<String>,
    Query(q): Query<GetQuery>,
) -> Result<Response, ApiError> {
    let key = key.into_bytes();
    check_key(&key)?;
    let v = with_retries(|left| {
        let key = key.clone();
        let node = node.clone();
        async move {
            let wait = left.min(Duration::from_millis(1000));
            node.ask(
                |reply| Request::Get {
                    key,
                    serializable: q.serializable,
                    reply,
                },
                wait,
            )
            .await
        }
    })
    .await?;
    Ok(match v {
        Some(v) => (StatusCode::OK, v).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "not_found", "message": "no such key"})),
        )
            .into_response(),
    })
}

/// The client's request id (`x-request-id`, a decimal u64) that makes its retries apply once.
/// Absent or 0 means none: the server picks one, so that its own retries still apply once.
fn request_id(headers: &HeaderMap) -> Result<u64, ApiError> {
    let Some(v) = headers.get("x-request-id") else {
        return Ok(fresh_request_id());
    };
    match v.to_str().ok().and_then(|s| s.trim().parse::<u64>().ok()) {
        Some(0) => Ok(fresh_request_id()),
        Some(id) => Ok(id),
        None => Err(ApiError(NodeError::Invalid {
            reason: format!(
                "x-request-id {:?} is not a decimal number (0..2^64)",
                String::from_utf8_lossy(v.as_bytes())
            ),
        })),
    }
}

fn fresh_request_id() -> u64 {
    rand::random::<u64>().max(1)
}

async fn kv_put(
    State(node): State<Node>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = key.into_bytes();
    check_key(&key)?;
    let limit = node.max_request_bytes();
    if body.len() as u64 > limit {
        return Err(ApiError(NodeError::TooLarge {
            size: body.len() as u64,
            limit,
        }));
    }
    let value = body.to_vec();
    let request_id = request_id(&headers)?;
    let index = write(&node, move |reply| Request::Put {
        key: key.clone(),
        value: value.clone(),
        request_id,
        reply,
    })
    .await?;
    Ok(axum::Json(json!({ "index": index })).into_response())
}

async fn kv_delete(
    State(node): State<Node>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = key.into_bytes();
    check_key(&key)?;
    let request_id = request_id(&headers)?;
    let deleted = write(&node, move |reply| Request::Delete {
        key: key.clone(),
        request_id,
        reply,
    })
    .await?;
    Ok(axum::Json(json!({ "deleted": deleted })).into_response())
}

#[derive(Deserialize)]
struct MembersBody {
    changes: Vec<Change>,
}

async fn members(
    State(node): State<Node>,
    axum::Json(b): axum::Json<MembersBody>,
) -> Result<Response, ApiError> {
    let m = node
        .ask(
            |reply| Request::ConfChange {
                changes: b.changes,
                reply,
            },
            DEADLINE,
        )
        .await?;
    Ok(axum::Json(m).into_response())
}

#[derive(Deserialize)]
struct TransferBody {
    #[serde(default)]
    to: Option<u64>,
}

async fn transfer(
    State(node): State<Node>,
    axum::Json(b): axum::Json<TransferBody>,
) -> Result<Response, ApiError> {
    let t = node
        .ask(|reply| Request::Transfer { to: b.to, reply }, DEADLINE)
        .await?;
    Ok(axum::Json(t).into_response())
}

async fn faults_get(State(node): State<Node>) -> Result<Response, ApiError> {
    let f = node
        .ask(|reply| Request::Faults { set: None, reply }, DEADLINE)
        .await?;
    Ok(axum::Json(f).into_response())
}

/// Sets the faults in force, once they are within bounds ([`Faults::check`]): a value out of
/// bounds, an unknown field or a body that is not JSON is a 400 naming what is wrong.
async fn faults_put(State(node): State<Node>, body: Bytes) -> Result<Response, ApiError> {
    if !node.allow_faults() {
        return Err(ApiError(NodeError::FaultsDisabled));
    }
    let invalid = |reason: String| ApiError(NodeError::Invalid { reason });
    let f = Faults::from_json(&body).map_err(|e| invalid(format!("faults: {e}")))?;
    let st = node.status();
    let mut members: Vec<u64> = st.members.iter().map(|m| m.id).collect();
    members.extend(st.voters.iter().chain(&st.learners));
    members.extend(st.voters_outgoing.iter().chain(&st.learners_next));
    members.sort_unstable();
    members.dedup();
    f.check(st.id, &members)
        .map_err(|e| invalid(format!("faults: {e}")))?;
    let f = node
        .ask(
            |reply| Request::Faults {
                set: Some(f),
                reply,
            },
            DEADLINE,
        )
        .await?;
    Ok(axum::Json(f).into_response())
}

/// Every failpoint and its action (`off` unless armed).
async fn failpoints_get() -> Response {
    axum::Json(crate::failpoint::list()).into_response()
}

/// Arms or disarms one failpoint (`{"name": N, "action": "exit"|"panic"|"off"}`), on a member
/// started with `--allow-faults` only (403 otherwise); a bad name, action or body is a 400
/// naming it. The answer is every failpoint and its action.
async fn failpoints_put(State(node): State<Node>, body: Bytes) -> Result<Response, ApiError> {
    if !node.allow_faults() {
        return Err(ApiError(NodeError::FaultsDisabled));
    }
    let (point, action) = crate::failpoint::parse(&body).map_err(|e| {
        ApiError(NodeError::Invalid {
            reason: format!("failpoints: {e}"),
        })
    })?;
    tracing::warn!("failpoint {} now {}", point.name(), action.name());
    crate::failpoint::set(point, action);
    Ok(axum::Json(crate::failpoint::list()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dropped() -> NodeError {
        NodeError::Dropped {
            reason: "the leader changed".into(),
        }
    }

    #[test]
    fn a_write_that_may_have_been_proposed_never_ends_as_changed_nothing() {
        // Dropped (it may apply), then no leader (refused before proposing): the write may
        // still apply, so the answer is the earlier, indeterminate one.
        let mut a = Attempts::default();
        a.saw(&dropped());
        a.saw(&NodeError::NoLeader);
        let out = a.outcome::<u64>(Err(NodeError::NoLeader));
        assert_eq!(out, Err(dropped()));
        assert!(!out.unwrap_err().changed_nothing());
        // Only refusals: nothing was proposed, and the answer says so.
        let mut a = Attempts::default();
        a.saw(&NodeError::NoLeader);
        let out = a.outcome::<u64>(Err(NodeError::NoLeader));
        assert!(out.unwrap_err().changed_nothing());
        // A success, or a last error that itself may have applied, stands as it is.
        let mut a = Attempts::default();
        a.saw(&dropped());
        assert_eq!(a.outcome(Ok(7u64)), Ok(7));
        let timeout = NodeError::Timeout {
            reason: "no answer".into(),
        };
        let mut a = Attempts::default();
        a.saw(&dropped());
        a.saw(&timeout);
        assert_eq!(a.outcome::<u64>(Err(timeout.clone())), Err(timeout));
    }
}
