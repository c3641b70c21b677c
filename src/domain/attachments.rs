//! Files carried by messages: what a message keeps of each, and how a reader sees it (with a
//! signed, expiring link to the bytes, made by whatever `install_links` was given).

use std::sync::OnceLock;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::UploadId;

/// The kinds of files a site may accept from visitors.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Image,
    Pdf,
    Text,
    Office,
    Archive,
    /// Anything else (pages, scripts, programs, media): agents may send it, visitors not.
    Other,
}

/// What a site accepts from visitors unless it says otherwise.
pub const DEFAULT_ACCEPTED: [Category; 5] = [
    Category::Image,
    Category::Pdf,
    Category::Text,
    Category::Office,
    Category::Archive,
];

/// Most files one message carries.
pub const MAX_PER_MESSAGE: usize = 10;

/// A file as a message keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: UploadId,
    /// The uploader's file name, cleaned.
    pub name: String,
    pub size: i64,
    /// Detected from the bytes.
    pub content_type: String,
    /// A small preview exists (images).
    #[serde(default)]
    pub thumbnail: bool,
}

/// Which bytes a link serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    File,
    Thumbnail,
}

type Linker = Box<dyn Fn(&Attachment, Variant) -> String + Send + Sync>;

static LINKS: OnceLock<Linker> = OnceLock::new();

/// Sets how links are made, once per process (the server does at start): every place a
/// message is written out (frames, the API, webhooks, emails) then carries working links.
pub fn install_links(linker: Linker) {
    let _ = LINKS.set(linker);
}

fn link(attachment: &Attachment, variant: Variant) -> String {
    LINKS
        .get()
        .map(|make| make(attachment, variant))
        .unwrap_or_default()
}

impl Attachment {
    pub fn url(&self) -> String {
        link(self, Variant::File)
    }

    /// The thumbnail's link, for an image that has one.
    pub fn thumbnail_url(&self) -> Option<String> {
        self.thumbnail.then(|| link(self, Variant::Thumbnail))
    }

    /// How the message row keeps it (no links: they expire).
    pub fn stored(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "name": self.name,
            "size": self.size,
            "content_type": self.content_type,
            "thumbnail": self.thumbnail,
        })
    }
}

/// Readers get `{id, name, size, content_type, url}`, and `thumbnail_url` for images.
impl Serialize for Attachment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let thumbnail = self.thumbnail_url();
        let mut out = serializer.serialize_struct("Attachment", 6)?;
        out.serialize_field("id", &self.id)?;
        out.serialize_field("name", &self.name)?;
        out.serialize_field("size", &self.size)?;
        out.serialize_field("content_type", &self.content_type)?;
        out.serialize_field("url", &self.url())?;
        if let Some(thumbnail) = thumbnail {
            out.serialize_field("thumbnail_url", &thumbnail)?;
        }
        out.end()
    }
}

/// A message's files (often none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Attachments(pub Vec<Attachment>);

impl Attachments {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The column's value: null for none.
    pub fn stored(&self) -> Option<serde_json::Value> {
        (!self.0.is_empty())
            .then(|| serde_json::Value::Array(self.0.iter().map(Attachment::stored).collect()))
    }
}

impl From<Option<sqlx::types::Json<Vec<Attachment>>>> for Attachments {
    fn from(column: Option<sqlx::types::Json<Vec<Attachment>>>) -> Self {
        Self(column.map(|json| json.0).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_keeps_no_link_and_readers_get_one() {
        let attachment = Attachment {
            id: UploadId::new(),
            name: "shot.png".into(),
            size: 42,
            content_type: "image/png".into(),
            thumbnail: true,
        };
        let stored = Attachments(vec![attachment.clone()]).stored().unwrap();
        assert!(stored[0].get("url").is_none());
        let back: Vec<Attachment> = serde_json::from_value(stored).unwrap();
        assert_eq!(back, vec![attachment.clone()]);
        let wire = serde_json::to_value(&attachment).unwrap();
        assert!(wire.get("url").is_some());
        assert!(wire.get("thumbnail_url").is_some());
        assert!(wire.get("thumbnail").is_none());
        assert_eq!(Attachments::default().stored(), None);
    }
}
