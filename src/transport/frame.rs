//! The peer wire format: a 4-byte big-endian length, then a prost `Envelope`. Every
//! connection starts with a `Hello` naming the cluster and both ends; after it come batches
//! of raft messages, each encoded by raft-rs's own codec and carried as opaque bytes.

use std::io;

use prost::Message;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Frames larger than this are refused without being read. A real member's frames are
/// batches cut at [`BATCH_BYTES`], a single message over that (an entry near
/// `--max-request-bytes`, which `raftctl node` bounds below this), or one snapshot chunk.
pub const MAX_FRAME: u32 = 16 << 20;

/// A sender cuts its batches at about this many bytes.
pub const BATCH_BYTES: usize = 4 << 20;

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

/// A piece of one snapshot message too large for a batch, sent in order on the connection
/// after the batch it came with. Only a snapshot travels this way: the receiver spools the
/// pieces to disk as they arrive (see `transport::Spool`), so memory stays one frame.
#[derive(Clone, PartialEq, Message)]
pub struct Chunk {
    #[prost(bytes = "vec", tag = "1")]
    pub bytes: Vec<u8>,
    /// The message ends with this piece.
    #[prost(bool, tag = "2")]
    pub last: bool,
}

/// Snapshot messages larger than this travel as chunks of this size, not inside a batch.
pub const CHUNK: usize = 1 << 20;

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

/// The message type an encoded raft message starts with: raft-rs's protobuf codec writes
/// `msg_type` (field 1, a varint) first, and leaves it out when it is 0 (`MsgHup`). `None`
/// when the bytes do not start with that field. Lets a receiver tell from a first chunk
/// whether what follows claims to be a snapshot, before it has the rest.
pub fn leading_msg_type(b: &[u8]) -> Option<u64> {
    let (tag, n) = varint(b)?;
    if tag != 1 << 3 {
        return None;
    }
    varint(&b[n..]).map(|(v, _)| v)
}

fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[derive(Clone, PartialEq, Message)]
pub struct Batch {
    #[prost(bytes = "vec", repeated, tag = "1")]
    pub msgs: Vec<Vec<u8>>,
}

/// One frame's bytes: the length word, then the envelope.
pub fn encode_frame(env: &Envelope) -> Vec<u8> {
    let len = env.encoded_len();
    let mut buf = Vec::with_capacity(4 + len);
    buf.extend_from_slice(&(len as u32).to_be_bytes());
    // Encoding into a Vec only fails for want of room, and the Vec grows.
    let _ = env.encode(&mut buf);
    buf
}

pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, env: &Envelope) -> io::Result<()> {
    w.write_all(&encode_frame(env)).await
}

/// Reads one frame; `Ok(None)` at a clean end of stream.
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<Envelope>> {
    read_frame_max(r, MAX_FRAME).await
}

/// The most a hello may take: it is read before the peer is known.
pub const MAX_HELLO: u32 = 64 << 10;

/// Reads one frame of at most `max` bytes. A longer one is refused from its length word
/// alone, and the buffer grows as bytes arrive rather than from the length a peer claims.
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
            format!("a frame of {len} bytes, over the {max}-byte limit"),
        ));
    }
    let mut buf = Vec::with_capacity((len as usize).min(64 << 10));
    let got = r.take(u64::from(len)).read_to_end(&mut buf).await?;
    if got < len as usize {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the stream ended {got} bytes into a frame of {len}"),
        ));
    }
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

    #[tokio::test]
    async fn frame_over_the_limit_is_refused_from_its_length_word() {
        // A length just over the limit, and no body: refused without waiting for one.
        let mut data: &[u8] = &(MAX_FRAME + 1).to_be_bytes();
        let err = read_frame(&mut data).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("limit"), "{err}");
    }

    #[tokio::test]
    async fn frame_cut_short_is_an_error() {
        let mut data: &[u8] = &[0, 0x10, 0, 0, 1, 2, 3];
        let err = read_frame(&mut data).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn chunks_cover_the_message_in_order() {
        let msg: Vec<u8> = (0..(2 * CHUNK + 17)).map(|i| i as u8).collect();
        let frames: Vec<Envelope> = chunks(&msg).collect();
        assert_eq!(frames.len(), 3);
        let mut whole = Vec::new();
        for (i, f) in frames.into_iter().enumerate() {
            let Some(Body::Chunk(c)) = f.body else {
                panic!("not a chunk")
            };
            assert_eq!(c.last, i == 2);
            whole.extend(c.bytes);
        }
        assert_eq!(whole, msg);
    }

    #[test]
    fn leading_msg_type_reads_raft_rs_encoding() {
        use protobuf::Message as _;
        use raft::eraftpb::{Message, MessageType};
        for t in [MessageType::MsgSnapshot, MessageType::MsgAppend] {
            let mut m = Message::default();
            m.set_msg_type(t);
            m.to = 2;
            m.from = 1;
            m.mut_snapshot().data = vec![7u8; 300].into();
            let b = m.write_to_bytes().unwrap();
            assert_eq!(leading_msg_type(&b), Some(t as u64));
        }
        assert_eq!(leading_msg_type(&[]), None);
        assert_eq!(leading_msg_type(&[0x10, 7]), None);
        assert_eq!(leading_msg_type(&[0x08, 0x80]), None);
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
