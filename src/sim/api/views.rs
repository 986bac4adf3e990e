//! Pieces that many views share: the `tags` array, `details` objects,
//! fixed texts. Each API group's file holds the views of its entities.

use std::net::Ipv4Addr;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::sim::state::{State, Tag};

/// The one domain's name.
pub(crate) const DOMAIN: &str = "ROOT";
/// An always-empty JSON array.
pub(crate) const EMPTY: [(); 0] = [];

/// The live tags of one resource, written as the `tags` array.
pub(crate) struct Tags<'a> {
    pub st: &'a State,
    pub id: &'a str,
}

impl Serialize for Tags<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for tag in self.st.tags_of(self.id) {
            seq.serialize_element(&self.st.tag_view(tag))?;
        }
        seq.end()
    }
}

/// `ResourceTagResponse`.
#[derive(Serialize)]
pub(crate) struct TagView<'a> {
    key: &'a str,
    value: &'a str,
    resourcetype: &'static str,
    resourceid: &'a str,
    #[serde(flatten)]
    owner: crate::sim::state::tenants::OwnerView,
}

impl State {
    /// One tag as `listTags` and every `tags` array show it.
    pub fn tag_view<'a>(&'a self, tag: &'a Tag) -> TagView<'a> {
        TagView {
            key: &tag.key,
            value: &tag.value,
            resourcetype: tag.resourcetype.as_str(),
            resourceid: &tag.resourceid,
            owner: self.tenants.owner_view_of(&tag.resourceid),
        }
    }
}

/// Key/value pairs written as a JSON object (`details`).
pub(crate) struct Pairs<'a>(pub &'a [(String, String)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl State {
    pub fn tags<'a>(&'a self, id: &'a str) -> Tags<'a> {
        Tags { st: self, id }
    }
}

/// Formats an address kept as a number.
pub(crate) fn ipv4(address: u32) -> String {
    Ipv4Addr::from(address).to_string()
}
