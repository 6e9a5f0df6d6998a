//! etcd's `walpb` messages: the record every WAL frame holds, and the snapshot marker.

use std::borrow::Cow;

use super::raftpb::ConfState;
use super::wire::{self, DecodeError, Reader};

/// `walpb.Record`: `{type, crc, data}`; the CRC covers only `data`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record<'a> {
    pub rec_type: i64,
    pub crc: u32,
    pub data: Option<&'a [u8]>,
    /// Unknown fields, re-emitted on encode (3.4 and 3.5 walpb keep them).
    pub extra: Cow<'a, [u8]>,
}

impl<'a> Record<'a> {
    pub fn decode(buf: &'a [u8]) -> Result<Self, DecodeError> {
        if let Some(rec) = Self::decode_canonical(buf) {
            return Ok(rec);
        }
        let mut rec = Record::default();
        let mut r = Reader::new(buf);
        let mut extra: Option<Vec<u8>> = None;
        while let Some(f) = r.field()? {
            match f.number {
                1 => rec.rec_type = f.varint()? as i64,
                2 => rec.crc = f.uint32()?,
                3 => rec.data = Some(f.bytes()?),
                _ => extra.get_or_insert_with(Vec::new).extend_from_slice(f.raw),
            }
        }
        if let Some(e) = extra {
            rec.extra = Cow::Owned(e);
        }
        Ok(rec)
    }

    /// The layout etcd writes (`08 type 10 crc [1a len data]`, nothing else), read without the
    /// general field loop; `None` sends anything else to the general decoder.
    #[inline]
    fn decode_canonical(buf: &'a [u8]) -> Option<Self> {
        let mut r = Reader::new(buf);
        if r.byte()? != 0x08 {
            return None;
        }
        let rec_type = r.varint().ok()? as i64;
        if r.byte()? != 0x10 {
            return None;
        }
        let crc = u32::try_from(r.varint().ok()?).ok()?;
        let data = if r.is_empty() {
            None
        } else {
            if r.byte()? != 0x1a {
                return None;
            }
            let n = r.varint().ok()?;
            let d = r.take(n).ok()?;
            if !r.is_empty() {
                return None;
            }
            Some(d)
        };
        Some(Record {
            rec_type,
            crc,
            data,
            extra: Cow::Borrowed(&[]),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_uint(out, 1, self.rec_type as u64);
        wire::put_uint(out, 2, u64::from(self.crc));
        if let Some(d) = self.data {
            wire::put_bytes(out, 3, d);
        }
        out.extend_from_slice(&self.extra);
    }

    pub fn data(&self) -> &'a [u8] {
        self.data.unwrap_or(&[])
    }
}

/// The number of bytes `Record{rec_type, crc, data}` encodes to (no unknown fields).
pub fn record_len(rec_type: i64, crc: u32, data_len: usize) -> usize {
    2 + wire::varint_len(rec_type as u64)
        + wire::varint_len(u64::from(crc))
        + 1
        + wire::varint_len(data_len as u64)
        + data_len
}

/// `walpb.Snapshot`: marks that a snapshot at (index, term) exists; 3.5 adds the ConfState.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WalSnapshot {
    pub index: u64,
    pub term: u64,
    pub conf_state: Option<ConfState>,
    pub extra: Vec<u8>,
}

impl WalSnapshot {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut s = WalSnapshot::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => s.index = f.varint()?,
                2 => s.term = f.varint()?,
                3 => s.conf_state = Some(ConfState::decode(f.bytes()?)?),
                _ => s.extra.extend_from_slice(f.raw),
            }
        }
        Ok(s)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_uint(out, 1, self.index);
        wire::put_uint(out, 2, self.term);
        if let Some(cs) = &self.conf_state {
            wire::put_message(out, 3, |b| cs.encode(b));
        }
        out.extend_from_slice(&self.extra);
    }
}

/// `etcdserverpb.Metadata`: what etcd stores in every WAL metadata record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Metadata {
    pub node_id: u64,
    pub cluster_id: u64,
}

impl Metadata {
    /// Decodes strictly: both ids must be there, as etcd always writes them.
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut m = Metadata::default();
        let mut r = Reader::new(buf);
        let (mut node, mut cluster) = (false, false);
        while let Some(f) = r.field()? {
            match f.number {
                1 => (m.node_id, node) = (f.varint()?, true),
                2 => (m.cluster_id, cluster) = (f.varint()?, true),
                _ => {}
            }
        }
        if !(node && cluster) {
            return Err(DecodeError::Truncated(buf.len()));
        }
        Ok(m)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_uint(out, 1, self.node_id);
        wire::put_uint(out, 2, self.cluster_id);
    }
}

/// `snappb.snapshot`: the whole content of a `.snap` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapFile {
    pub crc: u32,
    pub data: Option<Vec<u8>>,
}

impl SnapFile {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut s = SnapFile::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => s.crc = f.uint32()?,
                2 => s.data = Some(f.bytes()?.to_vec()),
                _ => {}
            }
        }
        Ok(s)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_uint(out, 1, u64::from(self.crc));
        if let Some(d) = &self.data {
            wire::put_bytes(out, 2, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_len_matches_encoding() {
        for (t, crc, n) in [(1i64, 0u32, 0usize), (2, 0xffff_ffff, 100_000), (4, 7, 127)] {
            let data = vec![0u8; n];
            let mut b = Vec::new();
            Record {
                rec_type: t,
                crc,
                data: Some(&data),
                ..Default::default()
            }
            .encode(&mut b);
            assert_eq!(b.len(), record_len(t, crc, n));
        }
    }

    #[test]
    fn snap_vector_v4() {
        let mut b = Vec::new();
        WalSnapshot {
            index: 50,
            term: 2,
            ..Default::default()
        }
        .encode(&mut b);
        assert_eq!(b, [0x08, 0x32, 0x10, 0x02]);
        let cs = ConfState {
            voters: vec![1],
            ..Default::default()
        };
        let mut b = Vec::new();
        WalSnapshot {
            index: 50,
            term: 2,
            conf_state: Some(cs),
            ..Default::default()
        }
        .encode(&mut b);
        assert_eq!(
            b,
            [0x08, 0x32, 0x10, 0x02, 0x1a, 0x04, 0x08, 0x01, 0x28, 0x00]
        );
    }
}
