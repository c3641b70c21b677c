//! What a file is, from its bytes (infer), never from its name or from what the uploader
//! claims: a page renamed `.png` is not an image.

use crate::domain::attachments::Category;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    pub content_type: String,
    pub category: Category,
}

/// How much of a file is looked at to tell text from binary.
const TEXT_SNIFF: usize = 8192;

pub fn detect(bytes: &[u8]) -> Detected {
    if let Some(kind) = infer::get(bytes) {
        let mime = kind.mime_type();
        return Detected {
            content_type: mime.to_owned(),
            category: category(mime),
        };
    }
    let head = &bytes[..bytes.len().min(TEXT_SNIFF)];
    // A cut in the middle of a character at the sniff's end is still text.
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    match text {
        Some(text)
            if !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) =>
        {
            let lower = text.to_ascii_lowercase();
            if lower.contains("<svg") {
                Detected {
                    content_type: "image/svg+xml".into(),
                    category: Category::Other,
                }
            } else if lower.contains("<html")
                || lower.contains("<script")
                || lower.contains("<!doctype")
            {
                Detected {
                    content_type: "text/html".into(),
                    category: Category::Other,
                }
            } else {
                Detected {
                    content_type: "text/plain".into(),
                    category: Category::Text,
                }
            }
        }
        _ => Detected {
            content_type: "application/octet-stream".into(),
            category: Category::Other,
        },
    }
}

fn category(mime: &str) -> Category {
    match mime {
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp" | "image/tiff"
        | "image/heif" | "image/avif" => Category::Image,
        "application/pdf" => Category::Pdf,
        "application/msword"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        | "application/vnd.ms-excel"
        | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        | "application/vnd.ms-powerpoint"
        | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        | "application/vnd.oasis.opendocument.text"
        | "application/vnd.oasis.opendocument.spreadsheet"
        | "application/vnd.oasis.opendocument.presentation"
        | "application/rtf"
        | "application/x-ole-storage" => Category::Office,
        "application/zip"
        | "application/x-tar"
        | "application/gzip"
        | "application/x-bzip2"
        | "application/x-7z-compressed"
        | "application/x-xz"
        | "application/vnd.rar"
        | "application/zstd" => Category::Archive,
        _ => Category::Other,
    }
}

/// Types a browser shows in the page: raster images it never runs. Never SVG (it can hold
/// scripts), never anything unknown.
pub fn inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(detect(PNG).content_type, "image/png");
        assert_eq!(detect(PNG).category, Category::Image);
        assert_eq!(detect(b"%PDF-1.7\n").category, Category::Pdf);
        let page = detect(b"<!DOCTYPE html><html><script>alert(1)</script>");
        assert_eq!(page.content_type, "text/html");
        assert_eq!(page.category, Category::Other);
        let svg = detect(b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>");
        assert_eq!(svg.content_type, "image/svg+xml");
        assert!(!inline(&svg.content_type));
        assert_eq!(detect("héllo, 👋\n".as_bytes()).content_type, "text/plain");
        assert_eq!(detect(b"a\0b").content_type, "application/octet-stream");
        assert_eq!(detect(b"").content_type, "text/plain");
    }
}
