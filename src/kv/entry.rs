//! One pair of the store: its key and its value in a single shared allocation behind a
//! one-word pointer, ordered (and borrowed, for lookups) by the key alone.
//!
//! A pair used to be two `Arc<[u8]>`s, 32 bytes in a tree slot plus two allocations with a
//! 16-byte header each; this is 8 bytes in a slot and one allocation whose header is a
//! 4-byte reference count and the two lengths as varints (1 + 2 bytes for a 16-byte key and a
//! 256-byte value). Copying a tree node (copy-on-write, while a snapshot shares the tree)
//! copies pointers and bumps counts, as with `Arc`. The counting follows `std::sync::Arc`
//! (library/alloc/src/sync.rs: `clone`, `drop`, `MAX_REFCOUNT`).
//!
//! Layout: `[refs: u32][varint key len][key][varint value len][value]`, aligned to 4.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{self, AtomicU32};

/// Counts above this abort, as `Arc` does: a count that wrapped would free a live pair.
const MAX_REFS: u32 = i32::MAX as u32;

/// Bytes before the key's length: the reference count.
const HEADER: usize = std::mem::size_of::<AtomicU32>();

pub struct Entry {
    ptr: NonNull<u8>,
}

// SAFETY: the bytes behind `ptr` never change after `new`, and the count is atomic: sharing
// an entry between threads is sharing an `Arc<[u8]>`.
unsafe impl Send for Entry {}
// SAFETY: as above; `&Entry` only reads immutable bytes or touches the atomic count.
unsafe impl Sync for Entry {}

fn varint_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Writes `n` as a LEB128 varint at `p`, returning the byte after it.
///
/// # Safety
/// `p` must be valid for `varint_len(n)` bytes of writes.
unsafe fn put_varint(mut p: *mut u8, mut n: usize) -> *mut u8 {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        // SAFETY: the caller sized the space with `varint_len(n)`.
        unsafe {
            if n == 0 {
                p.write(byte);
                return p.add(1);
            }
            p.write(byte | 0x80);
            p = p.add(1);
        }
    }
}

/// Reads a varint `put_varint` wrote at `p`: its value and the byte after it.
///
/// # Safety
/// `p` must point at a complete varint written by `put_varint`, inside one allocation.
unsafe fn get_varint(mut p: *const u8) -> (usize, *const u8) {
    let (mut n, mut shift) = (0usize, 0);
    loop {
        // SAFETY: the varint is complete, so every byte read up to its last is in bounds.
        let byte = unsafe { p.read() };
        // SAFETY: as above; one past the last byte is still inside (or one past) the block.
        p = unsafe { p.add(1) };
        n |= ((byte & 0x7f) as usize) << shift;
        if byte & 0x80 == 0 {
            return (n, p);
        }
        shift += 7;
    }
}

fn layout(key: usize, value: usize) -> Layout {
    let size = HEADER + varint_len(key) + key + varint_len(value) + value;
    // A size past isize::MAX cannot be the length of two slices that exist.
    Layout::from_size_align(size, std::mem::align_of::<AtomicU32>())
        .unwrap_or_else(|_| std::process::abort())
}

impl Entry {
    pub fn new(key: &[u8], value: &[u8]) -> Entry {
        let layout = layout(key.len(), value.len());
        // SAFETY: the layout is at least HEADER + 2 bytes, never zero-sized.
        let raw = unsafe { alloc(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            handle_alloc_error(layout)
        };
        // SAFETY: `raw` is a fresh block of `layout.size()` bytes aligned for AtomicU32, which
        // is exactly the header, both varints and both slices; the slices do not overlap it.
        unsafe {
            raw.cast::<AtomicU32>().write(AtomicU32::new(1));
            let p = put_varint(raw.add(HEADER), key.len());
            p.copy_from_nonoverlapping(key.as_ptr(), key.len());
            let p = put_varint(p.add(key.len()), value.len());
            p.copy_from_nonoverlapping(value.as_ptr(), value.len());
        }
        Entry { ptr }
    }

    fn refs(&self) -> &AtomicU32 {
        // SAFETY: the block starts with the count `new` wrote, aligned, alive while `self` is.
        unsafe { &*self.ptr.as_ptr().cast::<AtomicU32>() }
    }

    /// The key and the value.
    pub fn parts(&self) -> (&[u8], &[u8]) {
        let (key, rest) = self.key_and_rest();
        // SAFETY: `rest` is the value's varint that `new` wrote after the key; the value's
        // bytes follow it in the same live block.
        unsafe {
            let (len, p) = get_varint(rest);
            (key, std::slice::from_raw_parts(p, len))
        }
    }

    /// The key, and where the value's length is.
    fn key_and_rest(&self) -> (&[u8], *const u8) {
        // SAFETY: `new` wrote the key's varint right after the header, and the key after it,
        // in the block `self` keeps alive; its bytes never change.
        unsafe {
            let (len, p) = get_varint(self.ptr.as_ptr().add(HEADER));
            (std::slice::from_raw_parts(p, len), p.add(len))
        }
    }

    pub fn key(&self) -> &[u8] {
        self.key_and_rest().0
    }

    pub fn value(&self) -> &[u8] {
        self.parts().1
    }
}

impl Clone for Entry {
    fn clone(&self) -> Entry {
        // Relaxed, as in `Arc::clone`: a new reference comes from an existing one, which
        // already keeps the block alive.
        let old = self.refs().fetch_add(1, atomic::Ordering::Relaxed);
        if old > MAX_REFS {
            std::process::abort();
        }
        Entry { ptr: self.ptr }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        // Release, then an Acquire fence before freeing, as in `Arc::drop`: every use of the
        // block by another owner happens before it is freed.
        if self.refs().fetch_sub(1, atomic::Ordering::Release) != 1 {
            return;
        }
        atomic::fence(atomic::Ordering::Acquire);
        let (key, value) = self.parts();
        let layout = layout(key.len(), value.len());
        // SAFETY: this was the last reference; the block came from `alloc` with this layout
        // (the same lengths give the same layout).
        unsafe { dealloc(self.ptr.as_ptr(), layout) }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        self.key().cmp(other.key())
    }
}

/// Lookups by key: `Eq` and `Ord` are the key's, as `Borrow` requires.
impl Borrow<[u8]> for Entry {
    fn borrow(&self) -> &[u8] {
        self.key()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (k, v) = self.parts();
        f.debug_struct("Entry")
            .field("key", &String::from_utf8_lossy(k))
            .field("value_len", &v.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_and_value_of_any_length() {
        // Lengths around the varint boundaries (127/128, 16383/16384) and empty ones.
        for (k, v) in [
            (0, 0),
            (0, 5),
            (3, 0),
            (127, 128),
            (128, 16_383),
            (16_384, 300),
        ] {
            let key: Vec<u8> = (0..k).map(|i| i as u8).collect();
            let value: Vec<u8> = (0..v).map(|i| (i * 7) as u8).collect();
            let e = Entry::new(&key, &value);
            assert_eq!(e.parts(), (&key[..], &value[..]));
            assert_eq!((e.key(), e.value()), (&key[..], &value[..]));
        }
    }

    #[test]
    fn the_block_is_as_small_as_its_header_allows() {
        assert_eq!(layout(16, 256).size(), 4 + 1 + 16 + 2 + 256);
        assert_eq!(varint_len(0), 1);
        assert_eq!(varint_len(127), 1);
        assert_eq!(varint_len(128), 2);
        assert_eq!(varint_len(usize::MAX), 10);
    }

    #[test]
    fn clones_share_until_the_last_drop() {
        let a = Entry::new(b"k", b"v");
        let b = a.clone();
        assert_eq!(a.refs().load(atomic::Ordering::Relaxed), 2);
        assert_eq!(a.ptr, b.ptr);
        drop(a);
        assert_eq!(b.refs().load(atomic::Ordering::Relaxed), 1);
        assert_eq!(b.parts(), (&b"k"[..], &b"v"[..]));
        // Clones dropped on other threads, as the snapshot thread drops its copy of the store.
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let c = b.clone();
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        drop(c.clone());
                    }
                    c.value().len()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), 1);
        }
        assert_eq!(b.refs().load(atomic::Ordering::Relaxed), 1);
    }

    #[test]
    fn ordered_and_found_by_key_alone() {
        let (a, b) = (Entry::new(b"a", b"zzz"), Entry::new(b"b", b""));
        assert!(a < b);
        assert_eq!(a, Entry::new(b"a", b"other value"));
        let mut set = imbl::OrdSet::new();
        set.insert(b.clone());
        set.insert(a);
        let old = set.insert(Entry::new(b"a", b"new"));
        assert_eq!(old.map(|e| e.value().to_vec()), Some(b"zzz".to_vec()));
        assert_eq!(set.get(&b"a"[..]).map(Entry::value), Some(&b"new"[..]));
        assert!(set.get(&b"c"[..]).is_none());
        assert_eq!(set.remove(&b"b"[..]), Some(b));
        assert_eq!(set.len(), 1);
    }
}
