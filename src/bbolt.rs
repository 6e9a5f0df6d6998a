//! Just enough of bbolt's file format to read etcd's consistent index out of a member's
//! `member/snap/db`, read-only, a page at a time (go.etcd.io/bbolt: page.go, node.go,
//! bucket.go, db.go's meta validation). No writes, no freelist, no transactions.
//!
//! Layout: pages of `page_size` bytes; pages 0 and 1 are the two metas (the valid one with
//! the higher txid is current); a meta names the root bucket's page; a bucket's value in its
//! parent leaf is `{root pgid, sequence}`, followed by the bucket's own page when it is
//! inline (root 0). Branch elements are `{pos u32, ksize u32, pgid u64}`, leaf elements
//! `{flags u32, pos u32, ksize u32, vsize u32}`, each `pos` counted from the element itself.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use thiserror::Error;

const MAGIC: u32 = 0xED0C_DAED;
const VERSION: u32 = 2;
const PAGE_HEADER: usize = 16;
const BRANCH_ELEMENT: usize = 16;
const LEAF_ELEMENT: usize = 16;
const BRANCH_PAGE: u16 = 0x01;
const LEAF_PAGE: u16 = 0x02;
const BUCKET_LEAF_FLAG: u32 = 0x01;
/// Bytes of a meta before its checksum (magic … txid).
const META_CHECKED: usize = 56;
/// How deep a lookup may descend before the file is called damaged (a loop of pages).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Error)]
pub enum BoltError {
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not a bbolt database ({why})", path.display())]
    NotBolt { path: PathBuf, why: String },
    #[error("{}: damaged at page {page}: {why}", path.display())]
    Damaged {
        path: PathBuf,
        page: u64,
        why: String,
    },
}

/// What doctor reads of etcd's backend.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DbFacts {
    /// The index of the last entry applied to the backend (etcd's `meta/consistent_index`);
    /// none when the db has no such key (a db that never applied an entry).
    pub consistent_index: Option<u64>,
    pub txid: u64,
    pub page_size: u32,
    pub bytes: u64,
}

struct Db {
    file: File,
    path: PathBuf,
    page_size: u64,
    len: u64,
}

#[derive(Clone, Copy)]
struct Meta {
    page_size: u32,
    root: u64,
    txid: u64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A meta page's fields, if it is a valid meta.
fn meta(page: &[u8]) -> Option<Meta> {
    let m = page.get(PAGE_HEADER..PAGE_HEADER + META_CHECKED + 8)?;
    if u32_at(m, 0)? != MAGIC || u32_at(m, 4)? != VERSION {
        return None;
    }
    // bbolt's meta checksum is FNV-1a 64 (db.go, `meta.sum64`).
    if u64_at(m, META_CHECKED)? != crate::hash::fnv1a(&m[..META_CHECKED]) {
        return None;
    }
    Some(Meta {
        page_size: u32_at(m, 8)?,
        root: u64_at(m, 16)?,
        txid: u64_at(m, 48)?,
    })
}

impl Db {
    fn open(path: &Path) -> Result<(Db, Meta), BoltError> {
        let io = |error| BoltError::Io {
            path: path.to_path_buf(),
            error,
        };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut first = vec![0u8; 4096.min(len as usize)];
        file.read_exact_at(&mut first, 0).map_err(io)?;
        let not_bolt = |why: &str| BoltError::NotBolt {
            path: path.to_path_buf(),
            why: why.to_string(),
        };
        // Page 0's meta says the page size; if it is damaged, page 1 is found at the page
        // sizes bbolt uses.
        let m0 = meta(&first);
        let sizes: Vec<u64> = match m0 {
            Some(m) => vec![m.page_size as u64],
            None => vec![4096, 8192, 16384, 65536],
        };
        let mut best = m0;
        for size in sizes {
            if !(1024..=1 << 20).contains(&size)
                || size + (PAGE_HEADER + META_CHECKED + 8) as u64 > len
            {
                continue;
            }
            let mut p1 = vec![0u8; (PAGE_HEADER + META_CHECKED + 8).min(len as usize)];
            if file.read_exact_at(&mut p1, size).is_ok()
                && let Some(m1) = meta(&p1)
                && best.is_none_or(|b| m1.txid > b.txid)
                && m1.page_size as u64 == size
            {
                best = Some(m1);
            }
        }
        let meta = best.ok_or_else(|| not_bolt("neither meta page is valid"))?;
        let page_size = meta.page_size as u64;
        if !(512..=1 << 20).contains(&page_size) {
            return Err(not_bolt(&format!("page size {page_size}")));
        }
        Ok((
            Db {
                file,
                path: path.to_path_buf(),
                page_size,
                len,
            },
            meta,
        ))
    }

    fn damaged(&self, page: u64, why: impl Into<String>) -> BoltError {
        BoltError::Damaged {
            path: self.path.clone(),
            page,
            why: why.into(),
        }
    }

    fn read_at(&self, at: u64, len: u64) -> Result<Vec<u8>, BoltError> {
        let mut buf = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut buf, at)
            .map_err(|error| BoltError::Io {
                path: self.path.clone(),
                error,
            })?;
        Ok(buf)
    }

    /// Page `id` with its overflow pages.
    fn page(&self, id: u64) -> Result<Vec<u8>, BoltError> {
        let at = id
            .checked_mul(self.page_size)
            .filter(|&a| a + self.page_size <= self.len)
            .ok_or_else(|| self.damaged(id, "points past the end of the file"))?;
        let head = self.read_at(at, self.page_size)?;
        let overflow = u32_at(&head, 12).unwrap_or(0) as u64;
        if overflow == 0 {
            return Ok(head);
        }
        let total = (overflow + 1)
            .checked_mul(self.page_size)
            .filter(|&t| at + t <= self.len && t <= 1 << 30)
            .ok_or_else(|| self.damaged(id, "its overflow runs past the end of the file"))?;
        self.read_at(at, total)
    }

    /// The value of `key` in the tree whose root is `page` (bytes of a page, its id for
    /// errors), and whether it is a bucket.
    fn find(
        &self,
        mut page: Vec<u8>,
        mut id: u64,
        key: &[u8],
    ) -> Result<Option<(Vec<u8>, bool)>, BoltError> {
        for _ in 0..MAX_DEPTH {
            let flags = u16_at(&page, 8).ok_or_else(|| self.damaged(id, "short page"))?;
            let count = u16_at(&page, 10).unwrap_or(0) as usize;
            let elem = |i: usize, size: usize| PAGE_HEADER + i * size;
            if flags & BRANCH_PAGE != 0 {
                // The last element whose key is at or below `key` leads to it.
                let mut next = None;
                for i in 0..count {
                    let e = elem(i, BRANCH_ELEMENT);
                    let bad = || self.damaged(id, format!("branch element {i} is out of bounds"));
                    let pos = u32_at(&page, e).ok_or_else(bad)? as usize;
                    let ksize = u32_at(&page, e + 4).ok_or_else(bad)? as usize;
                    let child = u64_at(&page, e + 8).ok_or_else(bad)?;
                    let k = page.get(e + pos..e + pos + ksize).ok_or_else(bad)?;
                    if i == 0 || k <= key {
                        next = Some(child);
                    }
                    if k > key {
                        break;
                    }
                }
                let Some(child) = next else { return Ok(None) };
                page = self.page(child)?;
                id = child;
                continue;
            }
            if flags & LEAF_PAGE == 0 {
                return Err(self.damaged(id, format!("a tree page with flags {flags:#x}")));
            }
            for i in 0..count {
                let e = elem(i, LEAF_ELEMENT);
                let bad = || self.damaged(id, format!("leaf element {i} is out of bounds"));
                let eflags = u32_at(&page, e).ok_or_else(bad)?;
                let pos = u32_at(&page, e + 4).ok_or_else(bad)? as usize;
                let ksize = u32_at(&page, e + 8).ok_or_else(bad)? as usize;
                let vsize = u32_at(&page, e + 12).ok_or_else(bad)? as usize;
                let k = page.get(e + pos..e + pos + ksize).ok_or_else(bad)?;
                if k == key {
                    let v = page
                        .get(e + pos + ksize..e + pos + ksize + vsize)
                        .ok_or_else(bad)?;
                    return Ok(Some((v.to_vec(), eflags & BUCKET_LEAF_FLAG != 0)));
                }
            }
            return Ok(None);
        }
        Err(self.damaged(id, "the tree is deeper than any real one (a loop?)"))
    }

    /// `key` in the bucket whose value (in its parent) is `bucket`.
    fn find_in_bucket(&self, bucket: &[u8], key: &[u8]) -> Result<Option<Vec<u8>>, BoltError> {
        let root = u64_at(bucket, 0).ok_or_else(|| self.damaged(0, "short bucket header"))?;
        let (page, id) = if root == 0 {
            // Inline: the bucket's one leaf page follows its header.
            (bucket[16.min(bucket.len())..].to_vec(), 0)
        } else {
            (self.page(root)?, root)
        };
        Ok(self.find(page, id, key)?.map(|(v, _)| v))
    }
}

/// etcd's consistent index and the db's current transaction, from `member/snap/db`.
pub fn read_facts(path: &Path) -> Result<DbFacts, BoltError> {
    let (db, meta) = Db::open(path)?;
    let root = db.page(meta.root)?;
    let consistent_index = match db.find(root, meta.root, b"meta")? {
        Some((bucket, true)) => db
            .find_in_bucket(&bucket, b"consistent_index")?
            .and_then(|v| {
                v.get(..8)
                    .map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
            }),
        _ => None,
    };
    Ok(DbFacts {
        consistent_index,
        txid: meta.txid,
        page_size: meta.page_size,
        bytes: db.len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_bolt_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("db");
        std::fs::write(&p, vec![7u8; 20_000]).expect("write");
        let e = read_facts(&p).expect_err("not bolt");
        assert!(e.to_string().contains("not a bbolt database"), "{e}");
        std::fs::write(&p, b"").expect("write");
        assert!(read_facts(&p).is_err());
    }
}
