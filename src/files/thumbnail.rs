//! Small previews of images for the timelines (the `image` crate), made within limits so that
//! a crafted file (a tiny PNG that claims to be 100,000 pixels wide) cannot take the memory.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

/// The preview fits in this square.
const EDGE: u32 = 320;
/// Images larger than this are not decoded (no preview; the file itself is still served).
const MOST_PIXELS_EDGE: u32 = 12_000;
const MOST_MEMORY: u64 = 256 * 1024 * 1024;

/// A preview: JPEG for opaque images, PNG when there is transparency. `None` when the image
/// cannot be decoded within the limits.
pub fn make(bytes: &[u8]) -> Option<(Vec<u8>, &'static str)> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MOST_PIXELS_EDGE);
    limits.max_image_height = Some(MOST_PIXELS_EDGE);
    limits.max_alloc = Some(MOST_MEMORY);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder.orientation().ok();
    let mut picture = DynamicImage::from_decoder(decoder).ok()?;
    if let Some(orientation) = orientation {
        picture.apply_orientation(orientation);
    }
    let small = picture.thumbnail(EDGE, EDGE);
    let mut out = Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut out, image::ImageFormat::Png).ok()?;
        Some((out.into_inner(), "image/png"))
    } else {
        small
            .to_rgb8()
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .ok()?;
        Some((out.into_inner(), "image/jpeg"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_is_small_and_a_lying_header_gives_none() {
        let picture = DynamicImage::new_rgb8(1200, 600);
        let mut png = Cursor::new(Vec::new());
        picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let (thumb, kind) = make(png.get_ref()).unwrap();
        assert_eq!(kind, "image/jpeg");
        let back = image::load_from_memory(&thumb).unwrap();
        assert_eq!((back.width(), back.height()), (320, 160));
        // A PNG header claiming 100,000 x 100,000 pixels.
        let mut lying = png.into_inner();
        lying[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        lying[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(make(&lying).is_none());
        assert!(make(b"not an image").is_none());
    }
}
