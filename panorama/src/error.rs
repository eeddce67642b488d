//! What can go wrong with an upload, split into the uploader's fault and ours.

use std::path::PathBuf;

use thiserror::Error;

/// Why a panorama was refused or could not be processed.
///
/// Every variant but [`PanoramaError::Io`] and [`PanoramaError::Encode`] is the uploader's
/// fault and should reach them as a 4xx answer with this message; [`is_client_error`]
/// tells which. Suggested statuses for the server: `TooLarge` 413; `NotAnImage` and
/// `UnsupportedFormat` 415; the others 422. Internal errors are logged and answered 500.
///
/// [`is_client_error`]: PanoramaError::is_client_error
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PanoramaError {
    /// The upload is larger than [`crate::MAX_FILE_BYTES`].
    #[error("the upload is {size} bytes, more than the {max} bytes allowed")]
    TooLarge {
        /// Size of the upload in bytes (at least `max + 1` when it was read from a stream).
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The content starts with no image signature we know (a text file named `.jpg`).
    #[error("the upload is not an image")]
    NotAnImage,
    /// An image, but of a format other than JPEG and PNG.
    #[error("{format} images are not accepted, only JPEG and PNG")]
    UnsupportedFormat {
        /// The format that was recognised, e.g. "Gif".
        format: String,
    },
    /// Not twice as wide as high, within 1 %: not an equirectangular 360° panorama.
    #[error(
        "a 360° panorama is twice as wide as high (within 1 %), this image is {width}×{height}"
    )]
    WrongAspect {
        /// Width from the image header.
        width: u32,
        /// Height from the image header.
        height: u32,
    },
    /// Narrower than [`crate::MIN_WIDTH`] or wider than [`crate::MAX_WIDTH`].
    #[error("the panorama is {width} px wide; it must be between {min} and {max} px")]
    WidthOutOfRange {
        /// Width from the image header.
        width: u32,
        /// Smallest width accepted.
        min: u32,
        /// Largest width accepted.
        max: u32,
    },
    /// The file is truncated or its data is invalid.
    #[error("the image is truncated or corrupt: {reason}")]
    Corrupt {
        /// What the decoder found.
        reason: String,
    },
    /// Decoding would need more memory than [`crate::MAX_DECODE_BYTES`] (a decompression bomb,
    /// or a 16-bit image at the largest sizes).
    #[error("the image would need too much memory to decode: {reason}")]
    LimitsExceeded {
        /// What limit was hit.
        reason: String,
    },
    /// Reading the upload or writing the output failed: our problem, not the uploader's.
    #[error("I/O error while {action} {}", path.display())]
    Io {
        /// What we were doing, e.g. "writing".
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The JPEG encoder refused our own pixels: a bug, never the uploader's fault.
    #[error("could not encode {what} as JPEG: {reason}")]
    Encode {
        /// Which output, e.g. "preview".
        what: String,
        /// The encoder's message.
        reason: String,
    },
}

impl PanoramaError {
    /// True when the uploader can fix the problem (answer 4xx), false for internal errors.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, Self::Io { .. } | Self::Encode { .. })
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
