//! Recognising an upload from its bytes and checking its header, before any pixel is decoded.

use std::io::Cursor;

use image::{ImageError, ImageFormat, ImageReader};

use crate::error::PanoramaError;
use crate::{MAX_WIDTH, MIN_WIDTH};

/// The formats accepted for upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// JPEG (baseline or progressive), as 360° cameras write.
    Jpeg,
    /// PNG, as stitching software may export.
    Png,
}

impl SourceFormat {
    pub(crate) fn image_format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
        }
    }
}

/// What the header of an acceptable upload says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format recognised from the magic bytes.
    pub format: SourceFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Recognises the format from the content alone: the file name and the declared MIME type
/// come from the client and are never consulted.
pub(crate) fn sniff(bytes: &[u8]) -> Result<SourceFormat, PanoramaError> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Ok(SourceFormat::Jpeg),
        Ok(ImageFormat::Png) => Ok(SourceFormat::Png),
        Ok(other) => Err(PanoramaError::UnsupportedFormat {
            format: format!("{other:?}"),
        }),
        Err(_) => Err(PanoramaError::NotAnImage),
    }
}

/// Sniffs the format, reads the dimensions from the header only and checks them, so that a
/// wrong or hostile upload is refused before a single pixel buffer is allocated.
pub fn inspect(bytes: &[u8]) -> Result<Header, PanoramaError> {
    let format = sniff(bytes)?;
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format.image_format())
        .into_dimensions()
        .map_err(header_error)?;
    check_dimensions(width, height)?;
    if format == SourceFormat::Jpeg {
        check_jpeg_data(bytes, width, height)?;
    }
    Ok(Header {
        format,
        width,
        height,
    })
}

/// The checks of [`inspect`] that need only the start of the file: format and dimensions.
///
/// A server can answer an upload with these at once and leave decoding, and the checks
/// that need the whole file, to the background. A prefix too short to hold the header
/// gives [`PanoramaError::Corrupt`], which then says nothing about the whole file.
pub fn inspect_header(start: &[u8]) -> Result<Header, PanoramaError> {
    let format = sniff(start)?;
    let (width, height) = ImageReader::with_format(Cursor::new(start), format.image_format())
        .into_dimensions()
        .map_err(header_error)?;
    check_dimensions(width, height)?;
    Ok(Header {
        format,
        width,
        height,
    })
}

fn header_error(error: ImageError) -> PanoramaError {
    match error {
        ImageError::Unsupported(e) => PanoramaError::UnsupportedFormat {
            format: e.to_string(),
        },
        ImageError::Limits(e) => PanoramaError::LimitsExceeded {
            reason: e.to_string(),
        },
        other => PanoramaError::Corrupt {
            reason: other.to_string(),
        },
    }
}

/// Width first: a bomb's header is usually absurdly wide, and that is the clearer message.
pub(crate) fn check_dimensions(width: u32, height: u32) -> Result<(), PanoramaError> {
    if !(MIN_WIDTH..=MAX_WIDTH).contains(&width) {
        return Err(PanoramaError::WidthOutOfRange {
            width,
            min: MIN_WIDTH,
            max: MAX_WIDTH,
        });
    }
    let aspect_ok = height > 0 && (f64::from(width) / f64::from(height) / 2.0 - 1.0).abs() <= 0.01;
    if !aspect_ok {
        return Err(PanoramaError::WrongAspect { width, height });
    }
    Ok(())
}

/// Refuses a JPEG whose compressed data is missing or cannot cover the size it claims.
///
/// The JPEG decoder is lenient: it fills whatever is missing with grey and reports success,
/// so a truncated upload, or a 3 kB file whose header claims 16384×8192, would be decoded
/// into hundreds of megabytes and published as a mostly grey panorama. Two checks catch
/// that before decoding:
/// - the end-of-image marker must follow the first scan. Walking the marker segments by
///   their lengths skips an EXIF thumbnail (a whole JPEG inside APP1, with its own EOI);
///   inside entropy-coded data 0xFF is always stuffed or a restart marker, so an `FF D9`
///   after SOS is the real end of the image;
/// - every 8×8 luma block costs at least one bit (its DC Huffman code, in baseline and
///   progressive JPEG alike), so the scans cannot be shorter than blocks / 8 bytes.
fn check_jpeg_data(bytes: &[u8], width: u32, height: u32) -> Result<(), PanoramaError> {
    let truncated = || PanoramaError::Corrupt {
        reason: "the JPEG ends before its end-of-image marker (truncated upload?)".into(),
    };
    let mut pos = 2; // after SOI, which sniffing has checked
    let scans = loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            return Err(truncated());
        };
        if marker == 0xD9 {
            return Err(PanoramaError::Corrupt {
                reason: "the JPEG ends before any image data".into(),
            });
        }
        let length = match bytes.get(pos + 2..pos + 4) {
            Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => return Err(truncated()),
        };
        if marker == 0xDA {
            break bytes.get(pos + 2 + length..).ok_or_else(truncated)?;
        }
        pos += 2 + length;
    };
    let Some(end) = scans.windows(2).position(|w| w == [0xFF, 0xD9]) else {
        return Err(truncated());
    };
    let luma_blocks = u64::from(width.div_ceil(8)) * u64::from(height.div_ceil(8));
    if (end as u64) * 8 < luma_blocks {
        return Err(PanoramaError::Corrupt {
            reason: format!(
                "{end} bytes of image data cannot hold {width}×{height} pixels (header forged?)"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspect_tolerance_is_one_percent() {
        assert!(check_dimensions(4096, 2048).is_ok());
        assert!(check_dimensions(4096, 2068).is_ok()); // 0.97 % off
        assert!(matches!(
            check_dimensions(4096, 2100),
            Err(PanoramaError::WrongAspect { .. })
        ));
        assert!(matches!(
            check_dimensions(4096, 0),
            Err(PanoramaError::WrongAspect { .. })
        ));
    }

    #[test]
    fn width_bounds_are_inclusive() {
        assert!(check_dimensions(MIN_WIDTH, MIN_WIDTH / 2).is_ok());
        assert!(check_dimensions(MAX_WIDTH, MAX_WIDTH / 2).is_ok());
        assert!(matches!(
            check_dimensions(MIN_WIDTH - 2, MIN_WIDTH / 2 - 1),
            Err(PanoramaError::WidthOutOfRange { .. })
        ));
        assert!(matches!(
            check_dimensions(MAX_WIDTH + 2, MAX_WIDTH / 2 + 1),
            Err(PanoramaError::WidthOutOfRange { .. })
        ));
    }

    #[test]
    fn gif_is_recognised_but_refused() {
        assert!(matches!(
            sniff(b"GIF89a\x01\x00\x01\x00"),
            Err(PanoramaError::UnsupportedFormat { .. })
        ));
        assert!(matches!(sniff(b"hello"), Err(PanoramaError::NotAnImage)));
    }
}
