//! Compact JSON of a `serde_json::Value` into a byte buffer, byte for byte what
//! `serde_json::to_writer` writes, with string escaping that skips eight bytes at a time over
//! text that needs none. `wal dump -o json` spends its time here on entries with large values:
//! serde_json looks at each byte of a string on its own (serde_json's `format_escaped_str`).

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
    // Sixteen bytes at a time while they are clean; at a byte to escape, copy the clean run
    // before it and go on after it.
    while i + 16 <= b.len() {
        let (lo, hi) = (escape_mask(word(b, i)), escape_mask(word(b, i + 8)));
        if lo | hi == 0 {
            i += 16;
            continue;
        }
        let at = if lo != 0 {
            i + (lo.trailing_zeros() / 8) as usize
        } else {
            i + 8 + (hi.trailing_zeros() / 8) as usize
        };
        out.extend_from_slice(&b[start..at]);
        escape(out, b[at]);
        i = at + 1;
        start = i;
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

/// The eight bytes of `b` from `i` as a little-endian word (`b` has them).
fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that is zero, and no other bit (exact: the additions
/// cannot carry from one byte into the next).
fn zero_bytes(w: u64) -> u64 {
    !(((w & LOW7) + LOW7) | w) & HIGH
}

/// The high bit of each byte of `w` (little-endian) that JSON needs escaped: below 0x20
/// (its top three bits clear), `"` or `\`.
fn escape_mask(w: u64) -> u64 {
    zero_bytes(w & (0xe0 * ONES))
        | zero_bytes(w ^ (b'"' as u64 * ONES))
        | zero_bytes(w ^ (b'\\' as u64 * ONES))
}

fn needs_escape(c: u8) -> bool {
    c < 0x20 || c == b'"' || c == b'\\'
}

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
        // Each ASCII character alone, and at each position of a word and across words.
        for c in 0u8..0x80 {
            let ch = char::from(c);
            for pad in 0..17 {
                let s = format!("{}{ch}{}", "a".repeat(pad), "b".repeat(16 - pad));
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
