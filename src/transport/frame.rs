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
    #[prost(oneof = "Body", tags = "1, 2")]
    pub body: Option<Body>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Body {
    #[prost(message, tag = "1")]
    Hello(Hello),
    #[prost(message, tag = "2")]
    Batch(Batch),
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
