//! The peer wire format: a 4-byte big-endian length, then a prost `Envelope`. Every
//! connection starts with a `Hello` naming the cluster and both ends; after it come batches
//! of raft messages, each encoded by raft-rs's own codec and carried as opaque bytes.

use std::io;

use prost::Message;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Frames larger than this are refused without being read (a snapshot travels whole in one
/// message, so the bound is generous).
pub const MAX_FRAME: u32 = 256 << 20;

#[derive(Clone, PartialEq, Message)]
pub struct Envelope {
    #[prost(oneof = "Body", tags = "1, 2, 3")]
    pub body: Option<Body>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Body {
    #[prost(message, tag = "1")]
    Hello(Hello),
    #[prost(message, tag = "2")]
    Batch(Batch),
    #[prost(message, tag = "3")]
    Chunk(Chunk),
}

/// The first frame of every connection.
#[derive(Clone, PartialEq, Message)]
pub struct Hello {
    #[prost(uint64, tag = "1")]
    pub cluster_id: u64,
    #[prost(uint64, tag = "2")]
    pub from: u64,
    #[prost(uint64, tag = "3")]
    pub to: u64,
    /// The sender's API address, so members learn where to find each other's API.
    #[prost(string, tag = "4")]
    pub api: String,
}

/// A piece of one large raft message (a snapshot), sent in order on the connection.
#[derive(Clone, PartialEq, Message)]
pub struct Chunk {
    #[prost(bytes = "vec", tag = "1")]
    pub bytes: Vec<u8>,
    /// The message ends with this piece.
    #[prost(bool, tag = "2")]
    pub last: bool,
}

/// Messages larger than this travel as chunks of this size, not inside one frame.
pub const CHUNK: usize = 1 << 20;

/// The largest message reassembled from chunks.
pub const MAX_CHUNKED: usize = 4 << 30;

/// Splits an encoded message into chunk frames.
pub fn chunks(msg: &[u8]) -> impl Iterator<Item = Envelope> + '_ {
    let n = msg.len().div_ceil(CHUNK).max(1);
    (0..n).map(move |i| {
        let piece = &msg[i * CHUNK..((i + 1) * CHUNK).min(msg.len())];
        Envelope {
            body: Some(Body::Chunk(Chunk {
                bytes: piece.to_vec(),
                last: i + 1 == n,
            })),
        }
    })
}

/// Puts chunks back together: `Some(message)` when its last piece arrives.
#[derive(Default)]
pub struct Reassembly {
    buf: Vec<u8>,
}

impl Reassembly {
    pub fn push(&mut self, c: Chunk) -> io::Result<Option<Vec<u8>>> {
        if self.buf.len() + c.bytes.len() > MAX_CHUNKED {
            self.buf = Vec::new();
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "chunked message larger than the limit",
            ));
        }
        self.buf.extend_from_slice(&c.bytes);
        Ok(c.last.then(|| std::mem::take(&mut self.buf)))
    }
}

#[derive(Clone, PartialEq, Message)]
pub struct Batch {
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub msgs: Vec<Vec<u8>>,
}

pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, env: &Envelope) -> io::Result<()> {
    let len = env.encoded_len();
    let mut buf = Vec::with_capacity(4 + len);
    buf.extend_from_slice(&(len as u32).to_be_bytes());
    env.encode(&mut buf).map_err(io::Error::other)?;
    w.write_all(&buf).await
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<Envelope>> {
    read_frame_max(r, MAX_FRAME).await
}

/// The most a hello may take: it is read before the peer is known.
pub const MAX_HELLO: u32 = 64 << 10;

/// Reads one frame of at most `max` bytes.
pub async fn read_frame_max<R: AsyncRead + Unpin>(
    r: &mut R,
    max: u32,
) -> io::Result<Option<Envelope>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len);
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame of {len} bytes is larger than the {max}-byte limit"),
        ));
    }
    let mut buf = vec![0u8; len as usize];
    r.read_exact(&mut buf).await?;
    Envelope::decode(buf.as_slice())
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn oversized_frame_is_refused_unread() {
        let mut data: &[u8] = &[0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        let err = read_frame(&mut data).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn chunks_reassemble() {
        let msg: Vec<u8> = (0..(2 * CHUNK + 17)).map(|i| i as u8).collect();
        let mut r = Reassembly::default();
        let mut out = None;
        let frames: Vec<Envelope> = chunks(&msg).collect();
        assert_eq!(frames.len(), 3);
        for f in frames {
            let Some(Body::Chunk(c)) = f.body else {
                panic!("not a chunk")
            };
            assert!(out.is_none());
            out = r.push(c).unwrap();
        }
        assert_eq!(out, Some(msg));
    }

    #[tokio::test]
    async fn round_trip() {
        let env = Envelope {
            body: Some(Body::Batch(Batch {
                msgs: vec![vec![1, 2], vec![]],
            })),
        };
        let mut buf = Vec::new();
        write_frame(&mut buf, &env).await.unwrap();
        let mut r = buf.as_slice();
        assert_eq!(read_frame(&mut r).await.unwrap(), Some(env));
        assert_eq!(read_frame(&mut r).await.unwrap(), None);
    }
}
