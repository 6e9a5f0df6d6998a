//! Compact JSON of a `serde_json::Value` into a byte buffer, byte for byte what
//! `serde_json::to_writer` writes, with string escaping that finds the bytes to escape sixteen
//! at a time (SSE2) and copies the runs between them whole. `wal dump -o json` spends its time
//! here on entries with large values: serde_json looks at each byte of a string on its own
//! (serde_json's `format_escaped_str`).

use serde_json::Value;

/// Appends `v` as compact JSON (serde_json's `CompactFormatter`, objects in the map's order).
pub fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // serde_json's own number writing (itoa/ryu) keeps them exact; writing to a Vec cannot
        // fail.
        Value::Number(n) => {
            let _ = serde_json::to_writer(&mut *out, n);
        }
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, x);
            }
            out.push(b']');
        }
        Value::Object(o) => {
            out.push(b'{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_value(out, x);
            }
            out.push(b'}');
        }
    }
}

/// Appends `s` as a JSON string: `"` and `\` escaped, control characters as `\b \t \n \f \r`
/// or `\u00XX` (lower-case hex), everything else (DEL and non-ASCII included) as it is —
/// serde_json's escaping (its `ESCAPE` table).
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0; // the first byte not yet copied
    let mut i = 0;
    // A mask of the bytes to escape for 64 bytes at a time; at each, copy the clean run before
    // it and escape it.
    while let Some(block) = b.get(i..i + 64) {
        let mut m = block_mask(block);
        while m != 0 {
            let at = i + m.trailing_zeros() as usize;
            out.extend_from_slice(&b[start..at]);
            escape(out, b[at]);
            start = at + 1;
            m &= m - 1;
        }
        i += 64;
    }
    for (j, &c) in b.iter().enumerate().skip(i) {
        if needs_escape(c) {
            out.extend_from_slice(&b[start..j]);
            escape(out, c);
            start = j + 1;
        }
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Bit k set when byte k of the 64-byte `block` needs escaping.
fn block_mask(block: &[u8]) -> u64 {
    let mut m = 0;
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let mut c = [0u8; 16];
        c.copy_from_slice(chunk);
        m |= u64::from(escape_mask(c)) << (16 * k);
    }
    m
}

/// Bit k set when byte k of `c` needs escaping. SSE2: three byte compares and a movemask for
/// the sixteen.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn escape_mask(c: [u8; 16]) -> u32 {
    // SAFETY: the intrinsics only need SSE2, which this build targets (the cfg above; every
    // x86_64 processor has it). They touch no memory.
    unsafe { sse2_mask(c) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn sse2_mask(c: [u8; 16]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x,
        _mm_set1_epi8,
    };
    let (mut lo, mut hi) = ([0u8; 8], [0u8; 8]);
    lo.copy_from_slice(&c[..8]);
    hi.copy_from_slice(&c[8..]);
    let x = _mm_set_epi64x(i64::from_le_bytes(hi), i64::from_le_bytes(lo));
    // Below 0x20: max(x, 0x1f) is 0x1f (unsigned).
    let ctl = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
    let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
    let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
    _mm_movemask_epi8(_mm_or_si128(ctl, _mm_or_si128(quote, backslash))) as u32
}

/// Bit k set when byte k of `c` needs escaping.
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn escape_mask(c: [u8; 16]) -> u32 {
    c.iter()
        .enumerate()
        .fold(0, |m, (k, &x)| m | (u32::from(needs_escape(x)) << k))
}

fn needs_escape(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

#[inline]
fn escape(out: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match c {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        b'\t' => out.extend_from_slice(b"\\t"),
        b'\n' => out.extend_from_slice(b"\\n"),
        0x0c => out.extend_from_slice(b"\\f"),
        b'\r' => out.extend_from_slice(b"\\r"),
        _ => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(c >> 4) as usize],
            HEX[(c & 0xf) as usize],
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn ours(v: &Value) -> String {
        let mut out = Vec::new();
        write_value(&mut out, v);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn every_byte_escapes_as_serde_json_does() {
        // Each ASCII character at each position of two 64-byte blocks and of the tail after
        // them.
        for c in 0u8..0x80 {
            let ch = char::from(c);
            for pad in 0..140 {
                let s = format!("{}{ch}{}", "a".repeat(pad), "b".repeat(140 - pad));
                let v = json!(s);
                assert_eq!(
                    ours(&v),
                    serde_json::to_string(&v).expect("json"),
                    "{c:#x} at {pad}"
                );
            }
        }
    }

    #[test]
    fn the_mask_marks_exactly_the_bytes_to_escape() {
        for x in 0..=255u8 {
            for k in 0..16 {
                let mut c = [b'a'; 16];
                c[k] = x;
                let want = if needs_escape(x) { 1 << k } else { 0 };
                assert_eq!(escape_mask(c), want, "{x:#x} at {k}");
            }
        }
    }

    #[test]
    fn values_of_every_kind() {
        let v = json!({"z": [1, -2, 3.5, 1e300, u64::MAX, i64::MIN, null, true, false, [], {}],
                       "a\"\\\n": "é\u{7f}\u{1f}\u{2028}😀", "": ""});
        assert_eq!(ours(&v), serde_json::to_string(&v).expect("json"));
    }

    proptest! {
        #[test]
        fn strings_match_serde_json(s in any::<String>(), ctl in proptest::collection::vec(0u8..0x30, 0..40)) {
            let mixed: String = s.chars().chain(ctl.iter().map(|&c| char::from(c))).collect();
            for t in [s, mixed] {
                let v = json!({ t.clone(): t });
                prop_assert_eq!(ours(&v), serde_json::to_string(&v).expect("json"));
            }
        }
    }
}
