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
    encode(&decode(bytes)?.thumbnail(EDGE, EDGE))
}

/// A square picture `edge` pixels wide, cut from the middle of the image (an avatar).
pub fn square(bytes: &[u8], edge: u32) -> Option<(Vec<u8>, &'static str)> {
    let mut picture = decode(bytes)?;
    let side = picture.width().min(picture.height());
    if side == 0 {
        return None;
    }
    let (x, y) = ((picture.width() - side) / 2, (picture.height() - side) / 2);
    let cut = picture.crop(x, y, side, side);
    encode(&cut.thumbnail(edge, edge))
}

/// The image, upright, decoded within the limits.
fn decode(bytes: &[u8]) -> Option<DynamicImage> {
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
    Some(picture)
}

fn encode(small: &DynamicImage) -> Option<(Vec<u8>, &'static str)> {
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

    #[test]
    fn a_square_is_cut_from_the_middle() {
        let picture = DynamicImage::new_rgba8(900, 300);
        let mut png = Cursor::new(Vec::new());
        picture.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let (avatar, kind) = square(png.get_ref(), 128).unwrap();
        assert_eq!(kind, "image/png");
        let back = image::load_from_memory(&avatar).unwrap();
        assert_eq!((back.width(), back.height()), (128, 128));
    }
}
