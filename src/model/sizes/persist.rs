//! What the sizes kept look like on disk (a part of what `super::super::kept` keeps), so that a one-shot read (`check` every minute) starts
//! where the last one ended: every relation's place, file, link, flags, bytes and its table's
//! version when measured, in little-endian arrays (pure). Decoding checks everything it reads
//! and builds the slots the way a read of the catalog does (`RelationSlots::of_listed`), so a
//! damaged file is refused, never trusted and never a panic.

use super::*;

const MAGIC: &[u8; 5] = b"HTSZ1";

/// Relations a kept file may hold (ten times 50,000 chunks' 250,000).
const MOST: usize = 1 << 22;

pub(super) fn encode(r: &RelationSlots, out: &mut Vec<u8>) {
    let n = r.len();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(n as u32).to_le_bytes());
    for &oid in r.oids.iter() {
        out.extend_from_slice(&oid.to_le_bytes());
    }
    out.extend_from_slice(&r.flags);
    for s in 0..n {
        let link = match r.links[s] {
            NONE => 0,
            slot => r.oids[slot as usize],
        };
        out.extend_from_slice(&link.to_le_bytes());
    }
    for s in 0..n {
        out.extend_from_slice(&r.bytes.get(s).to_le_bytes());
    }
    out.extend_from_slice(&(r.renumbered.len() as u32).to_le_bytes());
    for &(slot, file) in &r.renumbered {
        out.extend_from_slice(&slot.to_le_bytes());
        out.extend_from_slice(&file.to_le_bytes());
    }
    out.extend_from_slice(&(r.seen.len() as u32).to_le_bytes());
    for &v in &r.seen {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Reads what [`encode`] wrote from the front of `bytes`; None for anything else.
pub(super) fn decode(bytes: &mut &[u8]) -> Option<RelationSlots> {
    if take(bytes, MAGIC.len())? != MAGIC {
        return None;
    }
    let n = u32_at(bytes)? as usize;
    if n > MOST {
        return None;
    }
    let oids: Vec<u32> = (0..n).map(|_| u32_at(bytes)).collect::<Option<_>>()?;
    // in order and once each: a slot's place is its position here
    if oids.windows(2).any(|w| w[0] >= w[1]) {
        return None;
    }
    let flags = take(bytes, n)?.to_vec();
    let links: Vec<u32> = (0..n).map(|_| u32_at(bytes)).collect::<Option<_>>()?;
    let sizes: Vec<i64> = (0..n).map(|_| i64_at(bytes)).collect::<Option<_>>()?;
    // what is added up must add up: every size known or unknown, their sum an i64
    let mut total: i64 = 0;
    for &b in &sizes {
        if b < UNKNOWN {
            return None;
        }
        total = total.checked_add(b.max(0))?;
    }
    let renumbered = u32_at(bytes)? as usize;
    if renumbered > n {
        return None;
    }
    let mut files: Vec<u32> = oids.clone();
    for _ in 0..renumbered {
        let (slot, file) = (u32_at(bytes)? as usize, u32_at(bytes)?);
        *files.get_mut(slot)? = file;
    }
    let listed = (0..n)
        .map(|s| Listed {
            oid: oids[s],
            file: files[s],
            link: links[s],
            flags: flags[s] & (INDEX | HERE),
        })
        .collect();
    let mut r = RelationSlots::of_listed(listed, &RelationSlots::default());
    let tables = u32_at(bytes)? as usize;
    if tables != r.seen.len() {
        return None;
    }
    for t in 0..tables {
        r.seen[t] = u32_at(bytes)?;
    }
    for (s, &b) in sizes.iter().enumerate() {
        r.bytes.set(s, b);
        r.flags[s] |= flags[s] & FRESH;
    }
    r.sum_indexes();
    Some(r)
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if bytes.len() < n {
        return None;
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Some(head)
}

pub(super) fn u32_at(bytes: &mut &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(take(bytes, 4)?.try_into().ok()?))
}

pub(super) fn u64_at(bytes: &mut &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(take(bytes, 8)?.try_into().ok()?))
}

pub(super) fn i64_at(bytes: &mut &[u8]) -> Option<i64> {
    Some(i64::from_le_bytes(take(bytes, 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> RelationSlots {
        let listed = vec![
            // a table, its index, its TOAST table (rewritten: another file)
            Listed {
                oid: 16384,
                file: 16384,
                link: 16390,
                flags: HERE,
            },
            Listed {
                oid: 16388,
                file: 16388,
                link: 16384,
                flags: INDEX | HERE,
            },
            Listed {
                oid: 16390,
                file: 17000,
                link: 0,
                flags: HERE,
            },
            // a table in another tablespace, not measured yet
            Listed {
                oid: 16400,
                file: 16400,
                link: 0,
                flags: 0,
            },
        ];
        let mut r = RelationSlots::of_listed(listed, &RelationSlots::default());
        r.measured(0, 81920);
        r.measured(1, 16384);
        r.measured(2, 12345);
        r.seen[0] = 7;
        r.seen[1] = 9;
        r
    }

    #[test]
    fn what_is_kept_comes_back_as_it_was() {
        let r = slots();
        let mut out = Vec::new();
        encode(&r, &mut out);
        let back = decode(&mut out.as_slice()).expect("decodes");
        assert_eq!(back, r);
        assert_eq!(back.sizes().database(), 81920 + 16384 + 12345);
    }

    /// Cut short, a byte changed anywhere, or made up: refused or decoded whole, never a panic.
    #[test]
    fn any_damage_is_refused_or_read_whole() {
        let mut good = Vec::new();
        encode(&slots(), &mut good);
        for cut in 0..good.len() {
            assert!(decode(&mut &good[..cut]).is_none(), "cut at {cut}");
        }
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let x = rng.next();
            let mut bad = good.clone();
            let at = (x as usize) % bad.len();
            bad[at] = (x >> 32) as u8;
            if let Some(r) = decode(&mut bad.as_slice()) {
                let _ = r.sizes().database();
            }
        }
        // sizes that would overflow when added up
        let mut huge = good.clone();
        let sizes_at = MAGIC.len() + 4 + 4 * 4 + 4 + 4 * 4;
        for s in 0..4 {
            huge[sizes_at + 8 * s..sizes_at + 8 * s + 8]
                .copy_from_slice(&(i64::MAX / 2).to_le_bytes());
        }
        assert!(decode(&mut huge.as_slice()).is_none());
        // oids out of order
        let mut swapped = good.clone();
        swapped.swap(MAGIC.len() + 4, MAGIC.len() + 8);
        assert!(decode(&mut swapped.as_slice()).is_none());
    }
}
