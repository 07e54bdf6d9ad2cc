//! A persistent ordered map for the model's small maps (canisters of a subnet, snapshots of a
//! canister, chunks of a store).
//!
//! Cloning shares the entries (one `Arc` increment); the first change after a clone copies
//! them (`Arc::make_mut`). The entries are one sorted vector: the model's maps hold a handful
//! of entries (a snapshot limit of 10, a few test canisters), where copying one small vector
//! beats both a B-tree with 64-wide nodes (`im::OrdMap` copies ~3 KiB per changed node) and a
//! red-black tree (an allocation per node on the path). Lookups are binary searches; a change
//! costs one allocation of `len` entries. Two maps that share their entries compare equal in
//! O(1) ([`PMap::ptr_eq`]), which the invariant checker and the explorer use to skip what a
//! step did not touch.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// A persistent map ordered by key; see the module docs.
pub struct PMap<K, V> {
    entries: Arc<Vec<(K, V)>>,
}

/// Iterator over `(&K, &V)` in key order.
pub type Iter<'a, K, V> = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

impl<K: Ord + Clone, V: Clone> PMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        PMap { entries: Arc::new(Vec::new()) }
    }

    fn position<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value under `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.position(key).ok().map(|i| &self.entries[i].1)
    }

    /// Whether `key` is present.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.position(key).is_ok()
    }

    /// The value under `key`, for changing it (copies the entries if they are shared).
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let index = self.position(key).ok()?;
        Some(&mut Arc::make_mut(&mut self.entries)[index].1)
    }

    /// Inserts or replaces; returns the replaced value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Ok(index) => Some(std::mem::replace(&mut Arc::make_mut(&mut self.entries)[index].1, value)),
            Err(index) => {
                Arc::make_mut(&mut self.entries).insert(index, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let index = self.position(key).ok()?;
        Some(Arc::make_mut(&mut self.entries).remove(index).1)
    }
}

impl<K, V> PMap<K, V> {
    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether both maps share their entries (then they are equal, without comparing them).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.entries, &other.entries)
    }

    /// The address of the shared entries: equal for two live maps exactly when
    /// [`PMap::ptr_eq`] holds. A cache keyed by it is valid only while the map it was taken
    /// from is alive (a freed address is reused).
    pub fn entries_address(&self) -> usize {
        Arc::as_ptr(&self.entries) as usize
    }
}

impl<K, V> Clone for PMap<K, V> {
    fn clone(&self) -> Self {
        PMap { entries: Arc::clone(&self.entries) }
    }
}

impl<K: Ord + Clone, V: Clone> Default for PMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq for PMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.entries, &other.entries) || self.entries == other.entries
    }
}

impl<K: Eq, V: Eq> Eq for PMap<K, V> {}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for PMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Ord + Clone, V: Clone> FromIterator<(K, V)> for PMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = PMap::new();
        for (key, value) in iter {
            map.insert(key, value);
        }
        map
    }
}

impl<'a, K, V> IntoIterator for &'a PMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::PMap;

    /// The map against `BTreeMap` over a fixed pseudo-random sequence of changes, with a clone
    /// taken before every change that must keep its old contents.
    #[test]
    fn behaves_as_a_btreemap_and_clones_are_unaffected() {
        let mut map = PMap::new();
        let mut reference = std::collections::BTreeMap::new();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let (key, value) = ((seed % 37) as u8, seed >> 40);
            let before = map.clone();
            let before_reference = reference.clone();
            match seed % 4 {
                0 => assert_eq!(map.remove(&key), reference.remove(&key)),
                1 => {
                    if let Some(v) = map.get_mut(&key) {
                        *v += 1;
                    }
                    if let Some(v) = reference.get_mut(&key) {
                        *v += 1;
                    }
                }
                _ => assert_eq!(map.insert(key, value), reference.insert(key, value)),
            }
            assert!(map.iter().map(|(k, v)| (*k, *v)).eq(reference.iter().map(|(k, v)| (*k, *v))));
            assert!(before.iter().map(|(k, v)| (*k, *v)).eq(before_reference.iter().map(|(k, v)| (*k, *v))));
            assert_eq!(map.len(), reference.len());
            assert_eq!(map.get(&key), reference.get(&key));
            assert_eq!(map.contains_key(&key), reference.contains_key(&key));
        }
        let copy = map.clone();
        assert!(copy.ptr_eq(&map) && copy == map);
        let rebuilt: PMap<u8, u64> = map.iter().map(|(k, v)| (*k, *v)).collect();
        assert!(!rebuilt.ptr_eq(&map) && rebuilt == map);
    }
}
