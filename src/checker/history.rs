//! The client history the checker reads: one `Op` per request a client made, with the times
//! it was sent and answered and what the answer said. Plain data; no search here.

use std::fmt;

use crate::proto::describe::text;

use super::error::HistoryError;

/// One request of a client to the key-value store, as the client saw it.
///
/// Leave out requests that certainly did not take effect (refused before they were
/// proposed, for example): the checker counts every op it is given as one that ran, or, with
/// no return time, as one that may have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Who sent it; only for reports (ops of one client may even overlap).
    pub client: u64,
    pub key: Vec<u8>,
    pub kind: OpKind,
    /// When the request was sent, in any monotonic unit (simulated ticks, nanoseconds).
    pub call: u64,
    /// When its answer came back, in the unit of `call`; `None` when it timed out or the
    /// connection dropped: it may take effect at any time after `call`, or never.
    pub ret: Option<u64>,
}

/// What a request asked for, and what its answer said (`None` where the answer is unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpKind {
    /// Set the key to `value`; its answer says nothing but "done".
    Put { value: Vec<u8> },
    /// Read the key: `Some(None)` when the answer was "absent", `None` when unknown.
    Get { result: Option<Option<Vec<u8>>> },
    /// Delete the key: whether it existed just before, `None` when unknown.
    Delete { existed: Option<bool> },
}

impl Op {
    /// A put answered at `ret`.
    pub fn put(client: u64, key: &[u8], value: &[u8], call: u64, ret: u64) -> Op {
        let kind = OpKind::Put {
            value: value.to_vec(),
        };
        Op::answered(client, key, kind, call, ret)
    }

    /// A get answered at `ret` with `result` (`None`: the key was absent).
    pub fn get(client: u64, key: &[u8], result: Option<&[u8]>, call: u64, ret: u64) -> Op {
        let kind = OpKind::Get {
            result: Some(result.map(<[u8]>::to_vec)),
        };
        Op::answered(client, key, kind, call, ret)
    }

    /// A delete answered at `ret`, saying whether the key existed.
    pub fn delete(client: u64, key: &[u8], existed: bool, call: u64, ret: u64) -> Op {
        let kind = OpKind::Delete {
            existed: Some(existed),
        };
        Op::answered(client, key, kind, call, ret)
    }

    /// A put sent at `call` that was never answered.
    pub fn timed_out_put(client: u64, key: &[u8], value: &[u8], call: u64) -> Op {
        let kind = OpKind::Put {
            value: value.to_vec(),
        };
        Op::unanswered(client, key, kind, call)
    }

    /// A get sent at `call` that was never answered (it cannot matter: a read changes nothing).
    pub fn timed_out_get(client: u64, key: &[u8], call: u64) -> Op {
        Op::unanswered(client, key, OpKind::Get { result: None }, call)
    }

    /// A delete sent at `call` that was never answered.
    pub fn timed_out_delete(client: u64, key: &[u8], call: u64) -> Op {
        Op::unanswered(client, key, OpKind::Delete { existed: None }, call)
    }

    fn answered(client: u64, key: &[u8], kind: OpKind, call: u64, ret: u64) -> Op {
        Op {
            client,
            key: key.to_vec(),
            kind,
            call,
            ret: Some(ret),
        }
    }

    fn unanswered(client: u64, key: &[u8], kind: OpKind, call: u64) -> Op {
        Op {
            client,
            key: key.to_vec(),
            kind,
            call,
            ret: None,
        }
    }

    /// Whether the op carries an answer (a value read, whether a key existed).
    fn has_answer(&self) -> bool {
        match &self.kind {
            OpKind::Put { .. } => false,
            OpKind::Get { result } => result.is_some(),
            OpKind::Delete { existed } => existed.is_some(),
        }
    }
}

/// Refuses a history the checker cannot read: it is the caller's mistake, not an anomaly.
pub(crate) fn validate(history: &[Op]) -> Result<(), HistoryError> {
    for (index, op) in history.iter().enumerate() {
        match op.ret {
            Some(ret) if ret < op.call => {
                return Err(HistoryError::ReturnBeforeCall {
                    index,
                    call: op.call,
                    ret,
                });
            }
            None if op.has_answer() => return Err(HistoryError::AnswerWithoutReturn { index }),
            _ => {}
        }
    }
    Ok(())
}

/// A value (or key) for a sentence: in quotes, control characters escaped, cut at 40
/// characters.
pub(crate) fn quoted(b: &[u8]) -> String {
    format!("\"{}\"", text(b))
}

/// `client 3 get "k" -> "v" [120, 135]`; an unanswered op ends `[120, no answer]`.
impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {} ", self.client)?;
        let key = quoted(&self.key);
        match &self.kind {
            OpKind::Put { value } => write!(f, "put {key} = {}", quoted(value))?,
            OpKind::Get { result } => {
                write!(f, "get {key}")?;
                match result {
                    Some(Some(v)) => write!(f, " -> {}", quoted(v))?,
                    Some(None) => write!(f, " -> absent")?,
                    None => {}
                }
            }
            OpKind::Delete { existed } => {
                write!(f, "delete {key}")?;
                match existed {
                    Some(true) => write!(f, " -> existed")?,
                    Some(false) => write!(f, " -> did not exist")?,
                    None => {}
                }
            }
        }
        match self.ret {
            Some(ret) => write!(f, " [{}, {ret}]", self.call),
            None => write!(f, " [{}, no answer]", self.call),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(
            Op::get(3, b"k", Some(b"v"), 120, 135).to_string(),
            "client 3 get \"k\" -> \"v\" [120, 135]"
        );
        assert_eq!(
            Op::get(3, b"k", None, 1, 2).to_string(),
            "client 3 get \"k\" -> absent [1, 2]"
        );
        assert_eq!(
            Op::put(1, b"k", b"a\nb", 1, 2).to_string(),
            "client 1 put \"k\" = \"a\\nb\" [1, 2]"
        );
        assert_eq!(
            Op::delete(2, b"k", false, 5, 5).to_string(),
            "client 2 delete \"k\" -> did not exist [5, 5]"
        );
        assert_eq!(
            Op::timed_out_delete(2, b"k", 7).to_string(),
            "client 2 delete \"k\" [7, no answer]"
        );
    }

    #[test]
    fn refuses_a_return_before_its_call() {
        let h = [Op::put(1, b"k", b"v", 1, 2), Op::put(1, b"k", b"v", 9, 8)];
        let e = validate(&h).unwrap_err();
        assert_eq!(e.to_string(), "op 1: returns at 8, before its call at 9");
    }

    #[test]
    fn refuses_an_answer_without_a_return() {
        let mut op = Op::timed_out_get(1, b"k", 4);
        op.kind = OpKind::Get {
            result: Some(Some(b"v".to_vec())),
        };
        let e = validate(&[op]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "op 0: has an answer but no return time (an unanswered op's answer is unknown)"
        );
        assert!(validate(&[Op::timed_out_put(1, b"k", b"v", 4)]).is_ok());
    }
}
