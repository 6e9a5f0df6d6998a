//! Errors of the checker: a history it cannot read. A history that is not linearizable is
//! not an error; it is the checker's answer (`Verdict`).

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HistoryError {
    /// An op answered before it was sent: the caller's clock or bookkeeping is wrong.
    #[error("op {index}: returns at {ret}, before its call at {call}")]
    ReturnBeforeCall { index: usize, call: u64, ret: u64 },
    /// An op without a return time that claims an answer.
    #[error("op {index}: has an answer but no return time (an unanswered op's answer is unknown)")]
    AnswerWithoutReturn { index: usize },
}

pub type Result<T> = std::result::Result<T, HistoryError>;
