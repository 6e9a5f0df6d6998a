//! etcd's `.snap` files: `snappb.snapshot{crc, data}` where data is a `raftpb.Snapshot` and
//! crc its CRC-32C (etcd-wal-format.md §11). Reading, checking and writing.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::disk::Disk;
use crate::names::{self as format, SnapName};
use crate::problem::{Kind, Problem};
use crate::proto::raftpb::{ConfState, Snapshot};
use crate::proto::walpb::SnapFile;

pub mod v2store;

#[derive(Debug, Error)]
pub enum SnapError {
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

pub type Result<T> = std::result::Result<T, SnapError>;

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> SnapError + '_ {
    move |error| SnapError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// What a `.snap` file holds, and whether it checks out.
#[derive(Debug, Clone, Serialize)]
pub struct SnapReport {
    pub file: String,
    pub size: u64,
    /// (term, index) from the file name, when it parses.
    pub name_term: Option<u64>,
    pub name_index: Option<u64>,
    pub crc: Option<u32>,
    pub crc_ok: Option<bool>,
    pub term: Option<u64>,
    pub index: Option<u64>,
    pub conf_state: Option<ConfState>,
    pub data_len: Option<u64>,
    /// `etcd-v2-store` (JSON), `raftctl-kv`, or `binary`.
    pub data_format: Option<&'static str>,
    #[serde(skip)]
    pub data: Option<Vec<u8>>,
    /// The application data parsed, for `snap dump` (etcd's v2 store is JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v2_store: Option<serde_json::Value>,
    /// raftctl's own KV snapshot, decoded (filled in by the command, which knows the KV).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kv: Option<serde_json::Value>,
    /// etcd's `snap.Read` accepts the file (it checks the CRC and the protobuf, not the name
    /// nor the index): one `Snapshotter.Load` may pick.
    pub etcd_reads: bool,
    pub problems: Vec<Problem>,
}

impl SnapReport {
    pub fn ok(&self) -> bool {
        !self.problems.iter().any(Problem::is_error)
    }

    /// The newest-first sort key etcd's Snapshotter uses (names sorted as strings).
    pub fn usable(&self) -> Option<(u64, u64)> {
        if self.ok() {
            Some((self.term?, self.index?))
        } else {
            None
        }
    }
}

/// Reads and checks one `.snap` file, in etcd's order: empty file, protobuf, empty data or a
/// zero crc, crc, payload, then raftctl's own checks (the name against the content).
pub fn inspect(path: &Path) -> Result<SnapReport> {
    let bytes = fs::read(path).map_err(io_at(path))?;
    let file = path.display().to_string();
    let name = format::parse_snap_name(&file_name(path));
    let mut r = SnapReport {
        file: file.clone(),
        size: bytes.len() as u64,
        name_term: name.map(|n| n.term),
        name_index: name.map(|n| n.index),
        crc: None,
        crc_ok: None,
        term: None,
        index: None,
        conf_state: None,
        data_len: None,
        data_format: None,
        data: None,
        v2_store: None,
        kv: None,
        etcd_reads: false,
        problems: Vec::new(),
    };
    let err = |kind: Kind, msg: String| Problem::error(kind, &file, msg);
    match name {
        None => r.problems.push(err(
            Kind::BadName,
            "the name is not <term>-<index>.snap in hex; etcd would still try it".into(),
        )),
        Some(SnapName {
            canonical: false, ..
        }) => r.problems.push(Problem::warning(
            Kind::BadName,
            &file,
            "the name is not in canonical form (16 lower-case hex digits each)".into(),
        )),
        Some(_) => {}
    }
    if bytes.is_empty() {
        r.problems.push(err(
            Kind::SnapEmpty,
            "the file is empty (\"snap: empty snapshot\")".into(),
        ));
        return Ok(r);
    }
    let sf = match SnapFile::decode(&bytes) {
        Ok(sf) => sf,
        Err(e) => {
            r.problems.push(err(
                Kind::SnapDecode,
                format!("not a snappb.snapshot ({e})"),
            ));
            return Ok(r);
        }
    };
    r.crc = Some(sf.crc);
    let data = sf.data.unwrap_or_default();
    r.data_len = Some(data.len() as u64);
    if data.is_empty() || sf.crc == 0 {
        let msg = "no data or a zero crc (\"snap: empty snapshot\")".to_string();
        r.problems.push(err(Kind::SnapEmpty, msg));
        return Ok(r);
    }
    let computed = crc32c::crc32c(&data);
    r.crc_ok = Some(computed == sf.crc);
    if computed != sf.crc {
        let msg = format!(
            "stored crc {:#010x}, computed {computed:#010x} (\"snap: crc mismatch\")",
            sf.crc
        );
        r.problems.push(err(Kind::SnapCrc, msg));
        return Ok(r);
    }
    let snap = match Snapshot::decode(&data) {
        Ok(s) => s,
        Err(e) => {
            let msg = format!("the data is not a raftpb.Snapshot ({e})");
            r.problems.push(err(Kind::SnapDecode, msg));
            return Ok(r);
        }
    };
    r.etcd_reads = true;
    let m = &snap.metadata;
    r.term = Some(m.term);
    r.index = Some(m.index);
    r.conf_state = Some(m.conf_state.clone());
    if m.index == 0 {
        let msg = "the snapshot's index is 0; etcd never writes such a file".to_string();
        r.problems.push(err(Kind::SnapDecode, msg));
    }
    if let Some(n) = name
        && (n.term, n.index) != (m.term, m.index)
    {
        let msg = format!(
            "the name says term {} index {} but the snapshot holds term {} index {}",
            n.term, n.index, m.term, m.index
        );
        r.problems.push(err(Kind::SnapNameMismatch, msg));
    }
    let app = snap.data.unwrap_or_default();
    r.data_format = Some(data_format(&app));
    r.data_len = Some(app.len() as u64);
    r.data = Some(app);
    Ok(r)
}

/// Guesses what the application put in a snapshot.
pub fn data_format(data: &[u8]) -> &'static str {
    if data.starts_with(b"{\"Root\":") {
        "etcd-v2-store"
    } else if data.starts_with(crate::proto::command::SNAPSHOT_MAGIC) {
        "raftctl-kv"
    } else {
        "binary"
    }
}

/// Writes `snap` as `<term>-<index>.snap` in `dir` the way etcd does, but safely: into a
/// temporary file, fsynced, then renamed, and the directory fsynced.
pub fn write(dir: &Path, snap: &Snapshot) -> Result<PathBuf> {
    write_with(&crate::disk::RealDisk, dir, snap)
}

/// [`write`] through `disk` (the simulation's, in `crate::sim`).
pub fn write_with(disk: &dyn Disk, dir: &Path, snap: &Snapshot) -> Result<PathBuf> {
    let state = snap.data.as_ref().map(|d| d as &dyn State);
    write_streamed(disk, dir, &snap.metadata, &snap.extra, state)
}

/// A snapshot's state, produced in pieces as often as asked: [`write_streamed`] asks twice.
pub trait State {
    /// The bytes [`State::emit`] produces.
    fn encoded_len(&self) -> usize;
    fn emit(&self, sink: &mut dyn FnMut(&[u8]));
}

impl State for Vec<u8> {
    fn encoded_len(&self) -> usize {
        self.len()
    }

    fn emit(&self, sink: &mut dyn FnMut(&[u8])) {
        sink(self)
    }
}

/// Bytes gathered before each write of the state.
const WRITE_CHUNK: usize = 1 << 20;

/// Writes the snapshot of `metadata` whose data is `state` (None: no data field) as
/// `<term>-<index>.snap` in `dir` the way etcd does, but safely: into a temporary file,
/// fsynced, then renamed, and the directory fsynced.
///
/// The file is `walpb.Snapshot{crc, data}` whose data is `raftpb.Snapshot{data, metadata}`.
/// The state, which can be most of a member's memory, is never gathered: it is produced
/// once for the CRC (which the file states first) and once more to write it in chunks; the
/// bytes are those of encoding the whole message.
pub fn write_streamed(
    disk: &dyn Disk,
    dir: &Path,
    metadata: &crate::proto::raftpb::SnapshotMetadata,
    extra: &[u8],
    state: Option<&dyn State>,
) -> Result<PathBuf> {
    use crate::proto::wire;
    let name = format::snap_file_name(metadata.term, metadata.index);
    let path = dir.join(&name);
    let tmp = dir.join(format!("{name}.tmp"));
    let state_len = state.map_or(0, State::encoded_len);
    let mut head = Vec::new();
    if state.is_some() {
        wire::put_key(&mut head, 1, wire::LEN);
        wire::put_varint(&mut head, state_len as u64);
    }
    let mut tail = Vec::new();
    wire::put_message(&mut tail, 2, |b| metadata.encode(b));
    tail.extend_from_slice(extra);
    let mut crc = crc32c::crc32c(&head);
    if let Some(st) = state {
        st.emit(&mut |b| crc = crc32c::crc32c_append(crc, b));
    }
    crc = crc32c::crc32c_append(crc, &tail);
    let mut outer = Vec::new();
    wire::put_uint(&mut outer, 1, u64::from(crc));
    wire::put_key(&mut outer, 2, wire::LEN);
    wire::put_varint(&mut outer, (head.len() + state_len + tail.len()) as u64);
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .map_err(io_at(&tmp))?;
    let mut at = 0u64;
    let mut put = |b: &[u8]| -> std::io::Result<()> {
        disk.write_at(&f, &tmp, b, at)?;
        at += b.len() as u64;
        Ok(())
    };
    put(&outer).map_err(io_at(&tmp))?;
    put(&head).map_err(io_at(&tmp))?;
    if let Some(st) = state {
        let mut chunk = Vec::with_capacity(WRITE_CHUNK.min(state_len));
        let mut failed = None;
        st.emit(&mut |b| {
            if failed.is_some() {
                return;
            }
            if chunk.len() + b.len() > WRITE_CHUNK && !chunk.is_empty() {
                failed = put(&chunk).err();
                chunk.clear();
            }
            if b.len() >= WRITE_CHUNK {
                failed = failed.take().or_else(|| put(b).err());
            } else {
                chunk.extend_from_slice(b);
            }
        });
        if let Some(e) = failed {
            return Err(io_at(&tmp)(e));
        }
        put(&chunk).map_err(io_at(&tmp))?;
    }
    put(&tail).map_err(io_at(&tmp))?;
    if at != (outer.len() + head.len() + state_len + tail.len()) as u64 {
        return Err(io_at(&tmp)(std::io::Error::other(
            "the snapshot's state changed while it was written",
        )));
    }
    disk.sync_data(&f, &tmp).map_err(io_at(&tmp))?;
    drop(f);
    fs::rename(&tmp, &path).map_err(io_at(&path))?;
    disk.sync_dir(dir).map_err(io_at(dir))?;
    Ok(path)
}

/// Every `.snap` in a snap dir (or the one file named), sorted by name.
pub fn list(path: &Path) -> Result<Vec<PathBuf>> {
    Ok(locate(path)?.1)
}

/// The snap dir behind a PATH (none when it names one file) and its `.snap` files, sorted by
/// name. A data dir's or member dir's snap dir may be empty: a member that has not taken a
/// snapshot yet has none. A file not named `*.snap` is refused: etcd lists only those.
pub fn locate(path: &Path) -> Result<(Option<PathBuf>, Vec<PathBuf>)> {
    let meta = fs::metadata(path).map_err(io_at(path))?;
    if meta.is_file() {
        if path.extension().is_none_or(|e| e != "snap") {
            return Err(SnapError::Invalid {
                path: path.to_path_buf(),
                message: "not a .snap file (etcd reads only files named *.snap in its snap \
                          dir)"
                    .into(),
            });
        }
        return Ok((None, vec![path.to_path_buf()]));
    }
    let named_snap = path.file_name().is_some_and(|n| n == "snap");
    let dir = [path.join("member/snap"), path.join("snap")]
        .into_iter()
        .find(|d| d.is_dir())
        .or_else(|| (has_snaps(path) || named_snap).then(|| path.to_path_buf()))
        .ok_or_else(|| SnapError::Invalid {
            path: path.to_path_buf(),
            message: "no .snap file here (expected a data dir, a snap dir or a .snap file)".into(),
        })?;
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(io_at(&dir))?
        .filter_map(|de| de.ok().map(|d| d.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    v.sort();
    Ok((Some(dir), v))
}

fn has_snaps(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|rd| {
        rd.filter_map(|d| d.ok())
            .any(|d| d.path().extension().is_some_and(|e| e == "snap"))
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::raftpb::SnapshotMetadata;

    // Reference: etcd-wal-format.md §15 V3.
    /// Written in pieces, the file is byte for byte the encoding of the whole message.
    #[test]
    fn pieces_are_the_whole_encoding() {
        let dir = tempfile::tempdir().unwrap();
        for (i, data) in [
            None,
            Some(Vec::new()),
            Some(vec![7u8; 200]),
            Some(vec![1u8; 70_000]),
        ]
        .into_iter()
        .enumerate()
        {
            let snap = Snapshot {
                data,
                metadata: SnapshotMetadata {
                    conf_state: ConfState {
                        voters: vec![1, 2, 3],
                        learners: vec![4],
                        ..Default::default()
                    },
                    index: 10 + i as u64,
                    term: 3,
                    ..Default::default()
                },
                extra: if i == 2 { vec![0x38, 0x01] } else { Vec::new() },
            };
            let mut inner = Vec::new();
            snap.encode(&mut inner);
            let mut whole = Vec::new();
            SnapFile {
                crc: crc32c::crc32c(&inner),
                data: Some(inner),
            }
            .encode(&mut whole);
            let p = write(dir.path(), &snap).unwrap();
            assert_eq!(fs::read(&p).unwrap(), whole, "case {i}");
        }
    }

    #[test]
    fn writes_the_etcd_vector() {
        let dir = tempfile::tempdir().unwrap();
        let snap = Snapshot {
            data: Some(b"state".to_vec()),
            metadata: SnapshotMetadata {
                conf_state: ConfState {
                    voters: vec![1],
                    ..Default::default()
                },
                index: 50,
                term: 2,
                ..Default::default()
            },
            ..Default::default()
        };
        let p = write(dir.path(), &snap).unwrap();
        assert_eq!(
            p.file_name().unwrap(),
            "0000000000000002-0000000000000032.snap"
        );
        let bytes = fs::read(&p).unwrap();
        let want = [
            0x08, 0xc0, 0xe6, 0xa5, 0x90, 0x08, 0x12, 0x13, 0x0a, 0x05, 0x73, 0x74, 0x61, 0x74,
            0x65, 0x12, 0x0a, 0x0a, 0x04, 0x08, 0x01, 0x28, 0x00, 0x10, 0x32, 0x18, 0x02,
        ];
        assert_eq!(bytes, want);
        let r = inspect(&p).unwrap();
        assert!(r.ok(), "{:?}", r.problems);
        assert_eq!(
            (r.term, r.index, r.crc),
            (Some(2), Some(50), Some(0x82097340))
        );
    }
}
