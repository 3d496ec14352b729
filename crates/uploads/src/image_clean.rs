//! Decodes an uploaded image within limits and re-encodes it, keeping only the pixels.
//!
//! Re-encoding is what makes an image safe to store and serve: EXIF (with the GPS position
//! of the citizen's home), comments, ICC profiles, trailing data and anything smuggled
//! between segments are simply not written again.

use crate::image_header::{self, MAX_SIDE};
use crate::kind::FileKind;
use crate::rejection::Rejection;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// JPEG quality for re-encoding: text on a scan stays sharp, and size stays near the original.
const JPEG_QUALITY: u8 = 90;

/// The decoder's own allocation ceiling, a second line behind the header check.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// A cleaned image: new bytes and the dimensions after applying the EXIF orientation.
pub struct CleanImage {
    /// The re-encoded file.
    pub bytes: Vec<u8>,
    /// Width and height as the image displays.
    pub width_height: (u32, u32),
}

/// Checks the header, decodes within limits, applies the EXIF orientation and re-encodes to
/// the same format.
pub fn clean(kind: FileKind, bytes: &[u8]) -> Result<CleanImage, Rejection> {
    let corrupt = Rejection::Corrupt { kind };
    let (width, height) = image_header::dimensions(kind, bytes).ok_or(corrupt.clone())?;
    // Refused from the header alone: a 100,000 × 100,000 PNG is a few hundred bytes on the
    // wire and 30 GB once decoded.
    if !image_header::within_limits(width, height) {
        return Err(Rejection::ImageTooBig { width, height });
    }
    if width == 0 || height == 0 {
        return Err(corrupt);
    }

    let format = match kind {
        FileKind::Jpeg => ImageFormat::Jpeg,
        FileKind::Png => ImageFormat::Png,
        FileKind::Pdf => return Err(corrupt),
    };
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(|error| decode_error(error, kind, (width, height)))?;
    // The decoder's view must agree with the header we checked; a file with a second, larger
    // frame header is refused rather than trusted.
    let (decoded_width, decoded_height) = decoder.dimensions();
    if !image_header::within_limits(decoded_width, decoded_height) {
        return Err(Rejection::ImageTooBig { width: decoded_width, height: decoded_height });
    }
    // A broken EXIF block only costs the rotation, not the upload.
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|error| decode_error(error, kind, (width, height)))?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }

    let width_height = (image.width(), image.height());
    let bytes = encode(&image, format).map_err(|_| corrupt)?;
    Ok(CleanImage { bytes, width_height })
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// A limit hit is still "too big" to the citizen; anything else is a damaged file.
fn decode_error(error: ImageError, kind: FileKind, (width, height): (u32, u32)) -> Rejection {
    match error {
        ImageError::Limits(_) => Rejection::ImageTooBig { width, height },
        _ => Rejection::Corrupt { kind },
    }
}

/// Writes `image` as a JPEG when `format` is JPEG, and as a PNG otherwise.
fn encode(image: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            // JPEG has no alpha and the encoder takes 8-bit grey or RGB only.
            let pixels = if image.color().has_color() {
                DynamicImage::ImageRgb8(image.to_rgb8())
            } else {
                DynamicImage::ImageLuma8(image.to_luma8())
            };
            pixels.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))?;
        }
        _ => image.write_with_encoder(PngEncoder::new(&mut out))?,
    }
    Ok(out)
}
