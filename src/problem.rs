//! What `wal verify`, `snap verify` (and every reader) can find wrong in a WAL or a `.snap`, as
//! data. Below both `wal` and `snap`, which report in these terms and must not import each other.

use serde::Serialize;

/// How bad a problem is: errors make `verify` fail; warnings are legal but worth knowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// The kinds of problem, named as in etcd-wal-format.md §17.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    BadName,
    SeqGap,
    Leftover,
    UntruncatedSegment,
    NameIndex,
    BadFrame,
    BadPadding,
    TruncatedFrame,
    OversizeRecord,
    GarbageAfterEnd,
    UnknownType,
    CorruptRecord,
    CrcMismatch,
    SegmentCrcMismatch,
    TornTail,
    BadHeader,
    MetadataConflict,
    BadPayload,
    BadConfchange,
    IndexGap,
    OverwriteCommitted,
    TermRegression,
    HardstateRegression,
    DoubleVote,
    EntryTermAhead,
    CommitBeyondLog,
    SnapshotRegression,
    SnapshotTermMismatch,
    SnapshotBeyondCommit,
    SnapshotNoConfState,
    MissingSnap,
    SnapCrc,
    SnapEmpty,
    SnapNameMismatch,
    SnapDecode,
    SnapConfStateMismatch,
    OrphanSnap,
    NotOpenable,
    ConfStateReplay,
    InUse,
    /// A file where a segment should be that never was one: nothing in it reads.
    NotASegment,
}

impl Kind {
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One finding: where it is, what it is, and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    /// Byte offset of the frame (its length word) in `file`; null for whole-file findings.
    pub offset: Option<u64>,
    /// The raft index concerned, when known.
    pub index: Option<u64>,
    pub kind: Kind,
    pub severity: Severity,
    pub message: String,
    /// For a torn tail: how many records after it still decode and chain. etcd cuts them
    /// with it; they may be the rest of the interrupted write, or records behind damage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records_after: Option<u64>,
}

impl Problem {
    pub fn new(kind: Kind, severity: Severity, file: impl AsRef<str>, message: String) -> Self {
        Problem {
            file: file.as_ref().to_string(),
            offset: None,
            index: None,
            kind,
            severity,
            message,
            records_after: None,
        }
    }

    pub fn error(kind: Kind, file: impl AsRef<str>, message: String) -> Self {
        Self::new(kind, Severity::Error, file, message)
    }

    pub fn warning(kind: Kind, file: impl AsRef<str>, message: String) -> Self {
        Self::new(kind, Severity::Warning, file, message)
    }

    pub fn at(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    pub fn index(mut self, index: Option<u64>) -> Self {
        self.index = index;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:offset: message`, the one-line form used in errors and tables.
    pub fn location(&self) -> String {
        match self.offset {
            Some(o) => format!("{} at offset {}", self.file, o),
            None => self.file.clone(),
        }
    }
}

/// A HardState in JSON, with the vote also in hex as etcd prints member ids:
/// `{"term","vote","vote_hex","commit"}` (for `serialize_with`).
pub fn ser_hard_state<S: serde::Serializer>(
    hs: &Option<crate::proto::raftpb::HardState>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match hs {
        None => s.serialize_none(),
        Some(h) => serde_json::json!({
            "term": h.term,
            "vote": h.vote,
            "vote_hex": format!("{:x}", h.vote),
            "commit": h.commit,
        })
        .serialize(s),
    }
}

/// An id in hex, as etcd prints member and cluster ids (for `*_hex` JSON fields).
pub fn hex_id(id: Option<u64>) -> Option<String> {
    id.map(|i| format!("{i:x}"))
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} ({})",
            self.location(),
            self.message,
            self.kind.name()
        )
    }
}
