//! Objects that select pods by labels (NetworkPolicies, AuthorizationPolicies), indexed by
//! namespace and first label: the few that may select a pod are found from its labels, so a
//! rule asking "which policies govern this pod?" for every pod stays linear in the release.

use std::collections::{BTreeMap, HashMap};

/// Positions of selecting objects, by what they select.
#[derive(Default)]
pub(crate) struct BySelector {
    /// Those that select every pod of their namespace (an empty selector), or that the index
    /// cannot narrow (expressions): always candidates there.
    whole_namespace: HashMap<String, Vec<usize>>,
    /// The others, by namespace and their first label.
    by_first_label: HashMap<String, Vec<usize>>,
}

impl BySelector {
    /// Indexes `selecting`: each object's position, namespace and the labels it requires (`None`
    /// when the index cannot narrow it).
    pub(crate) fn new<'s>(
        selecting: impl IntoIterator<Item = (usize, &'s str, Option<&'s BTreeMap<String, String>>)>,
    ) -> BySelector {
        let mut index = BySelector::default();
        for (position, namespace, labels) in selecting {
            match labels.and_then(|labels| labels.iter().next()) {
                Some((key, value)) => (index.by_first_label.entry(key_of(namespace, key, value)))
                    .or_default()
                    .push(position),
                None => index
                    .whole_namespace
                    .entry(namespace.to_owned())
                    .or_default()
                    .push(position),
            }
        }
        index
    }

    /// The positions of the objects that may select pods labelled `labels` in `namespace`, in
    /// order, each once; the caller checks each one's selector.
    pub(crate) fn candidates(&self, namespace: &str, labels: &BTreeMap<String, String>) -> Vec<usize> {
        let mut found: Vec<usize> = self.whole_namespace.get(namespace).cloned().unwrap_or_default();
        for (key, value) in labels {
            found.extend(
                self.by_first_label
                    .get(&key_of(namespace, key, value))
                    .into_iter()
                    .flatten(),
            );
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

/// The key of `key=value` in `namespace` (no namespace, label key or value holds a NUL).
pub(crate) fn key_of(namespace: &str, key: &str, value: &str) -> String {
    format!("{namespace}\0{key}\0{value}")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::BySelector;

    #[test]
    fn candidates_are_the_namespace_wide_and_those_whose_first_label_the_pod_has() {
        let web: BTreeMap<String, String> = [("app".to_owned(), "web".to_owned())].into();
        let api: BTreeMap<String, String> = [("app".to_owned(), "api".to_owned())].into();
        let index = BySelector::new([
            (0, "shop", Some(&web)),
            (1, "shop", None),
            (2, "shop", Some(&api)),
            (3, "other", Some(&web)),
        ]);
        assert_eq!(index.candidates("shop", &web), [0, 1]);
        assert_eq!(index.candidates("other", &api), Vec::<usize>::new());
    }
}
