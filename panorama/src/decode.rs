//! Decoding under limits: the only place where untrusted bytes become pixels.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{ImageError, ImageReader, Limits, RgbImage};

use crate::error::PanoramaError;
use crate::sniff::Header;
use crate::{MAX_DECODE_BYTES, MAX_WIDTH};

/// Decodes an upload whose header [`crate::inspect`] has accepted, to 8-bit RGB.
///
/// The limits are set on the decoder itself, not only checked against the header we read
/// before, so that a file whose frames disagree with its header (or a PNG whose 16-bit RGBA
/// pixels would take gigabytes) is refused by the decoder before it allocates.
///
/// `catch_unwind` is a last resort: zune-jpeg and png are written to return errors on bad
/// input and we know of no panic, but they are large parsers of hostile data, and a panic
/// must become a 422 for one upload, not a crashed worker. (It cannot help if the binary is
/// built with `panic = "abort"`.)
pub(crate) fn decode_rgb(bytes: &[u8], header: &Header) -> Result<RgbImage, PanoramaError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_WIDTH);
    // The aspect check lets the height exceed width / 2 by 1 %.
    limits.max_image_height = Some(MAX_WIDTH / 2 + MAX_WIDTH / 200 + 1);
    limits.max_alloc = Some(MAX_DECODE_BYTES);

    let mut reader = ImageReader::with_format(Cursor::new(bytes), header.format.image_format());
    reader.limits(limits);
    let decoded = catch_unwind(AssertUnwindSafe(move || reader.decode())).map_err(|_| {
        PanoramaError::Corrupt {
            reason: "the decoder failed on invalid data".into(),
        }
    })?;
    let image = decoded.map_err(decode_error)?;
    if (image.width(), image.height()) != (header.width, header.height) {
        return Err(PanoramaError::Corrupt {
            reason: "the decoded size differs from the header".into(),
        });
    }
    // A no-op for JPEG; PNGs with alpha or 16 bits are converted (the panorama is opaque).
    Ok(image.into_rgb8())
}

fn decode_error(error: ImageError) -> PanoramaError {
    match error {
        ImageError::Limits(e) => PanoramaError::LimitsExceeded {
            reason: e.to_string(),
        },
        ImageError::Unsupported(e) => PanoramaError::UnsupportedFormat {
            format: e.to_string(),
        },
        // Decoding errors, and I/O errors, which from an in-memory cursor mean the data ended.
        other => PanoramaError::Corrupt {
            reason: other.to_string(),
        },
    }
}
