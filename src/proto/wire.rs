//! Protocol-buffer wire primitives: varints, keys, length-delimited fields.
//!
//! etcd's on-disk messages are encoded by hand on top of these (see `raftpb`), because byte
//! identity with gogoproto's proto2 output needs presence-aware fields, unpacked repeated
//! scalars and zero values written out — none of which a proto3 encoder does.

use thiserror::Error;

/// Why a byte string is not a valid protobuf message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The message ends inside a varint, a key or a length-delimited field.
    #[error("message truncated at byte {0}")]
    Truncated(usize),
    /// A varint runs past 10 bytes or overflows 64 bits.
    #[error("malformed varint at byte {0}")]
    BadVarint(usize),
    /// A key names field 0 or a wire type protobuf does not define (or groups).
    #[error("invalid key {key:#x} at byte {at}")]
    BadKey { key: u64, at: usize },
    /// A known field arrives with the wrong wire type.
    #[error("field {field} has wire type {wire_type}, expected {expected}")]
    WrongWireType {
        field: u32,
        wire_type: u8,
        expected: u8,
    },
    /// A value does not fit the field's type (e.g. a u32 field above 2^32).
    #[error("field {field}: value {value} out of range")]
    OutOfRange { field: u32, value: u64 },
}

/// Wire type of a varint field.
pub const VARINT: u8 = 0;
/// Wire type of a fixed 64-bit field.
pub const FIXED64: u8 = 1;
/// Wire type of a length-delimited field (bytes, strings, messages, packed scalars).
pub const LEN: u8 = 2;
/// Wire type of a fixed 32-bit field.
pub const FIXED32: u8 = 5;

/// One decoded field: its number, and the value with the bytes it spanned.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub number: u32,
    pub value: Value<'a>,
    /// The whole field, key included, as it was on the wire (for keeping unknown fields).
    pub raw: &'a [u8],
}

/// A field's value by wire type.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Len(&'a [u8]),
    Fixed32(u32),
}

impl<'a> Field<'a> {
    pub fn wire_type(&self) -> u8 {
        match self.value {
            Value::Varint(_) => VARINT,
            Value::Fixed64(_) => FIXED64,
            Value::Len(_) => LEN,
            Value::Fixed32(_) => FIXED32,
        }
    }

    pub fn varint(&self) -> Result<u64, DecodeError> {
        match self.value {
            Value::Varint(v) => Ok(v),
            _ => Err(self.wrong(VARINT)),
        }
    }

    pub fn uint32(&self) -> Result<u32, DecodeError> {
        let v = self.varint()?;
        u32::try_from(v).map_err(|_| DecodeError::OutOfRange {
            field: self.number,
            value: v,
        })
    }

    /// An enum or int32 field: protobuf sign-extends negative int32s to 64 bits.
    pub fn int32(&self) -> Result<i32, DecodeError> {
        Ok(self.varint()? as i64 as i32)
    }

    pub fn bool(&self) -> Result<bool, DecodeError> {
        Ok(self.varint()? != 0)
    }

    pub fn bytes(&self) -> Result<&'a [u8], DecodeError> {
        match self.value {
            Value::Len(b) => Ok(b),
            _ => Err(self.wrong(LEN)),
        }
    }

    /// A repeated uint64 field, accepting both the unpacked and the packed form.
    pub fn push_uint64s(&self, out: &mut Vec<u64>) -> Result<(), DecodeError> {
        match self.value {
            Value::Varint(v) => out.push(v),
            Value::Len(b) => {
                let mut r = Reader::new(b);
                while !r.is_empty() {
                    out.push(r.varint()?);
                }
            }
            _ => return Err(self.wrong(VARINT)),
        }
        Ok(())
    }

    fn wrong(&self, expected: u8) -> DecodeError {
        DecodeError::WrongWireType {
            field: self.number,
            wire_type: self.wire_type(),
            expected,
        }
    }
}

/// A cursor over one message's bytes.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    #[inline]
    pub fn varint(&mut self) -> Result<u64, DecodeError> {
        // Up to five bytes (every u32, CRCs included) without the overflow checks that only
        // the tenth byte needs.
        let rest = &self.buf[self.pos.min(self.buf.len())..];
        let mut value = 0u64;
        for (i, &b) in rest.iter().take(5).enumerate() {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.pos += i + 1;
                return Ok(value);
            }
        }
        self.varint_slow()
    }

    #[cold]
    fn varint_slow(&mut self) -> Result<u64, DecodeError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(DecodeError::Truncated(self.pos));
            };
            self.pos += 1;
            if shift == 63 && b > 1 {
                return Err(DecodeError::BadVarint(start));
            }
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(value);
            }
        }
        Err(DecodeError::BadVarint(start))
    }

    /// The next raw byte.
    #[inline]
    pub fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    pub fn take(&mut self, n: u64) -> Result<&'a [u8], DecodeError> {
        let left = (self.buf.len() - self.pos) as u64;
        if n > left {
            return Err(DecodeError::Truncated(self.buf.len()));
        }
        let s = &self.buf[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    /// The next field, or `None` at the end of the message.
    pub fn field(&mut self) -> Result<Option<Field<'a>>, DecodeError> {
        if self.is_empty() {
            return Ok(None);
        }
        let start = self.pos;
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return Err(DecodeError::BadKey { key, at: start });
        }
        let value = match (key & 7) as u8 {
            VARINT => Value::Varint(self.varint()?),
            FIXED64 => {
                let b = self.take(8)?;
                Value::Fixed64(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            }
            LEN => {
                let n = self.varint()?;
                Value::Len(self.take(n)?)
            }
            FIXED32 => {
                let b = self.take(4)?;
                Value::Fixed32(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
            }
            _ => return Err(DecodeError::BadKey { key, at: start }),
        };
        Ok(Some(Field {
            number: number as u32,
            value,
            raw: &self.buf[start..self.pos],
        }))
    }
}

/// Appends `v` as a base-128 varint.
#[inline]
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The number of bytes `v` takes as a varint.
#[inline]
pub fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[inline]
pub fn put_key(out: &mut Vec<u8>, field: u32, wire_type: u8) {
    put_varint(out, (u64::from(field) << 3) | u64::from(wire_type));
}

/// A varint field, written even when zero (gogoproto's non-nullable scalars).
#[inline]
pub fn put_uint(out: &mut Vec<u8>, field: u32, v: u64) {
    put_key(out, field, VARINT);
    put_varint(out, v);
}

/// An enum or int32 field: negative values take ten bytes, as protobuf requires.
#[inline]
pub fn put_int32(out: &mut Vec<u8>, field: u32, v: i32) {
    put_uint(out, field, v as i64 as u64);
}

/// A length-delimited field.
#[inline]
pub fn put_bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    put_key(out, field, LEN);
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A message field: the message is encoded into a scratch buffer first to learn its length.
pub fn put_message(out: &mut Vec<u8>, field: u32, encode: impl FnOnce(&mut Vec<u8>)) {
    let mut body = Vec::new();
    encode(&mut body);
    put_bytes(out, field, &body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(b.len(), varint_len(v));
            assert_eq!(Reader::new(&b).varint(), Ok(v));
        }
    }

    #[test]
    fn overlong_varint_is_an_error() {
        let b = [0xffu8; 11];
        assert_eq!(Reader::new(&b).varint(), Err(DecodeError::BadVarint(0)));
        let b = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(Reader::new(&b).varint(), Err(DecodeError::BadVarint(0)));
    }

    #[test]
    fn huge_length_is_truncation_not_allocation() {
        let mut b = Vec::new();
        put_key(&mut b, 3, LEN);
        put_varint(&mut b, 1 << 56);
        assert!(matches!(
            Reader::new(&b).field(),
            Err(DecodeError::Truncated(_))
        ));
    }

    #[test]
    fn packed_and_unpacked_repeated() {
        let unpacked = [0x08, 0x01, 0x08, 0x02];
        let packed = [0x0a, 0x02, 0x01, 0x02];
        for b in [&unpacked[..], &packed[..]] {
            let mut r = Reader::new(b);
            let mut v = Vec::new();
            while let Some(f) = r.field().unwrap() {
                f.push_uint64s(&mut v).unwrap();
            }
            assert_eq!(v, [1, 2]);
        }
    }
}
