//! Removes what a photo tells about where it was taken (EXIF, with its GPS position, and XMP)
//! from JPEG, PNG and WebP files, by dropping those blocks: the picture itself is copied byte
//! for byte. A JPEG keeps its orientation (a phone photo would otherwise show sideways), in an
//! EXIF block of that one field.

/// The file without its metadata blocks; `None` when it is not a well-formed file of that
/// type (it is then refused: a broken image is not served).
pub fn strip(content_type: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    match content_type {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        "image/webp" => strip_webp(bytes),
        _ => Some(bytes.to_vec()),
    }
}

/// JPEG: segments `FF xx` with a big-endian length, up to the start of scan (then the image
/// data, copied as is). APP1 holds EXIF and XMP.
fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut orientation = None;
    let mut rest = &bytes[2..];
    let mut kept = Vec::new();
    loop {
        if rest.len() < 4 || rest[0] != 0xFF {
            return None;
        }
        let marker = rest[1];
        if marker == 0xDA {
            break;
        }
        let length = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        if length < 2 || rest.len() < 2 + length {
            return None;
        }
        let segment = &rest[..2 + length];
        if marker == 0xE1 {
            orientation = orientation.or_else(|| exif_orientation(&segment[4..]));
        } else {
            kept.push(segment);
        }
        rest = &rest[2 + length..];
    }
    // After a JFIF header (which readers expect first), else at once.
    let extra = orientation.filter(|o| *o != 1).map(orientation_segment);
    let at = usize::from(kept.first().is_some_and(|s| s[1] == 0xE0)).min(kept.len());
    kept.insert(at, extra.as_deref().unwrap_or_default());
    for segment in kept {
        out.extend_from_slice(segment);
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// The Orientation field (0x0112) of an EXIF block's first directory.
fn exif_orientation(app1: &[u8]) -> Option<u16> {
    let tiff = app1.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at + 2)?;
        Some(if big {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<usize> {
        let b = tiff.get(at..at + 4)?;
        let v = if big {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        };
        usize::try_from(v).ok()
    };
    let directory = u32_at(4)?;
    let entries = usize::from(u16_at(directory)?);
    (0..entries.min(512)).find_map(|i| {
        let entry = directory + 2 + i * 12;
        (u16_at(entry)? == 0x0112)
            .then(|| u16_at(entry + 8))
            .flatten()
            .filter(|v| (1..=8).contains(v))
    })
}

/// An APP1 segment whose EXIF holds only the orientation.
fn orientation_segment(value: u16) -> Vec<u8> {
    let mut exif = Vec::with_capacity(36);
    exif.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08");
    exif.extend_from_slice(&1u16.to_be_bytes());
    exif.extend_from_slice(&0x0112u16.to_be_bytes());
    exif.extend_from_slice(&3u16.to_be_bytes());
    exif.extend_from_slice(&1u32.to_be_bytes());
    exif.extend_from_slice(&value.to_be_bytes());
    exif.extend_from_slice(&[0, 0]);
    exif.extend_from_slice(&0u32.to_be_bytes());
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(
        &u16::try_from(exif.len() + 2)
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    segment.extend_from_slice(&exif);
    segment
}

/// PNG: chunks of length, type, data and CRC. `eXIf` is EXIF; the text chunks can carry XMP.
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let mut rest = bytes.strip_prefix(SIGNATURE)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    while !rest.is_empty() {
        let length = usize::try_from(u32::from_be_bytes(rest.get(..4)?.try_into().ok()?)).ok()?;
        let total = length.checked_add(12)?;
        let chunk = rest.get(..total)?;
        let kind = &chunk[4..8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"iTXt" | b"zTXt") {
            out.extend_from_slice(chunk);
        }
        rest = &rest[total..];
        if kind == b"IEND" {
            break;
        }
    }
    Some(out)
}

/// WebP: a RIFF file of chunks (four-character code, little-endian size, data padded to even).
/// `EXIF` and `XMP ` go, and the extended header's flags stop announcing them.
fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.get(..4)? != b"RIFF" || bytes.get(8..12)? != b"WEBP" {
        return None;
    }
    let mut body = Vec::with_capacity(bytes.len());
    body.extend_from_slice(b"WEBP");
    let mut rest = &bytes[12..];
    while rest.len() >= 8 {
        let size = usize::try_from(u32::from_le_bytes(rest[4..8].try_into().ok()?)).ok()?;
        let padded = size.checked_add(size % 2)?.checked_add(8)?;
        let chunk = rest.get(..padded).or_else(|| rest.get(..size + 8))?;
        match &chunk[..4] {
            b"EXIF" | b"XMP " => {}
            b"VP8X" if chunk.len() > 8 => {
                let mut header = chunk.to_vec();
                // Bits of the flags byte: 0x08 EXIF, 0x04 XMP.
                header[8] &= !0x0C;
                body.extend_from_slice(&header);
            }
            _ => body.extend_from_slice(chunk),
        }
        rest = &rest[chunk.len()..];
    }
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&u32::try_from(body.len()).ok()?.to_le_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An EXIF block with orientation 6 and a GPS directory pointer, little-endian.
    fn exif_app1() -> Vec<u8> {
        let mut exif = b"Exif\0\0II\x2a\0\x08\0\0\0".to_vec();
        exif.extend_from_slice(&2u16.to_le_bytes());
        exif.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        exif.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 0x26, 0, 0, 0]);
        exif.extend_from_slice(&0u32.to_le_bytes());
        exif.extend_from_slice(b"GPS 48.8566N 2.3522E");
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        segment.extend_from_slice(&exif);
        segment
    }

    #[test]
    fn a_jpeg_loses_its_position_and_keeps_its_orientation_and_picture() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend_from_slice(&exif_app1());
        jpeg.extend_from_slice(&[0xFF, 0xDB, 0, 4, 1, 2]);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 2, 9, 9, 9, 0xFF, 0xD9]);
        let clean = strip("image/jpeg", &jpeg).unwrap();
        assert!(!clean.windows(3).any(|w| w == b"GPS"));
        assert_eq!(
            exif_orientation(&clean[6..]),
            Some(6),
            "the orientation stays"
        );
        assert!(clean.ends_with(&[0xFF, 0xDB, 0, 4, 1, 2, 0xFF, 0xDA, 0, 2, 9, 9, 9, 0xFF, 0xD9]));
        assert_eq!(strip("image/jpeg", b"\xFF\xD8\xFF"), None, "truncated");
    }

    #[test]
    fn png_and_webp_lose_their_exif_blocks() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"eXIf", b"GPS here"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let clean = strip("image/png", &png).unwrap();
        assert!(!clean.windows(3).any(|w| w == b"GPS"));
        assert!(clean.windows(4).any(|w| w == b"IDAT"));

        let mut body = b"WEBP".to_vec();
        body.extend_from_slice(b"VP8X");
        body.extend_from_slice(&10u32.to_le_bytes());
        body.extend_from_slice(&[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        body.extend_from_slice(b"EXIF");
        body.extend_from_slice(&3u32.to_le_bytes());
        body.extend_from_slice(b"GPS\0");
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
        webp.extend_from_slice(&body);
        let clean = strip("image/webp", &webp).unwrap();
        assert!(!clean.windows(3).any(|w| w == b"GPS"));
        assert_eq!(clean[20] & 0x0C, 0, "flags no longer announce EXIF");
        assert_eq!(
            u32::from_le_bytes(clean[4..8].try_into().unwrap()) as usize,
            clean.len() - 8
        );
    }
}
