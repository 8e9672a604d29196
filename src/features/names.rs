//! The small reverse map from feature buckets back to readable n-grams: for each bucket, the
//! first n-gram seen in it during training. Kept so `stance inspect` can show what the
//! strongest weights mean; one optional string per bucket, filled in a single streaming pass.

/// First-seen n-gram of every bucket.
#[derive(Debug, Clone, Default)]
pub struct ReverseMap {
    names: Vec<Option<Box<str>>>,
}

impl ReverseMap {
    /// An empty map over `n_buckets` buckets.
    pub fn new(n_buckets: usize) -> ReverseMap {
        ReverseMap {
            names: vec![None; n_buckets],
        }
    }

    /// True when no name is known for `bucket` yet.
    pub fn is_missing(&self, bucket: u32) -> bool {
        self.names.get(bucket as usize).is_some_and(Option::is_none)
    }

    /// Records `name` for `bucket` unless it has one already.
    pub fn insert_if_missing(&mut self, bucket: u32, name: &str) {
        if let Some(slot @ None) = self.names.get_mut(bucket as usize) {
            *slot = Some(name.into());
        }
    }

    /// The name of `bucket`, if one was seen.
    pub fn get(&self, bucket: u32) -> Option<&str> {
        self.names.get(bucket as usize).and_then(|n| n.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_name_wins() {
        let mut map = ReverseMap::new(4);
        assert!(map.is_missing(2));
        map.insert_if_missing(2, "نفت");
        map.insert_if_missing(2, "زعم");
        map.insert_if_missing(9, "out of range");
        assert_eq!(map.get(2), Some("نفت"));
        assert!(!map.is_missing(2));
        assert_eq!(map.get(9), None);
    }
}
