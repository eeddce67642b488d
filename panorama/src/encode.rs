//! JPEG encoding and resizing of our own pixel buffers.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use jpeg_encoder::{ColorType, Encoder};

use crate::error::PanoramaError;

/// Encodes RGB pixels as a baseline JPEG with no metadata segment but JFIF's.
///
/// jpeg-encoder rather than image's encoder: it uses SIMD and was several times faster on
/// the tiles (see BENCHMARKS.md). Only our pixels are ever encoded, never uploaded bytes, so
/// EXIF, XMP and GPS cannot reach the output.
pub(crate) fn encode_jpeg(
    pixels: &[u8],
    width: u32,
    height: u32,
    quality: u8,
    what: &dyn Fn() -> String,
) -> Result<Vec<u8>, PanoramaError> {
    let error = |reason: String| PanoramaError::Encode {
        what: what(),
        reason,
    };
    let w = u16::try_from(width).map_err(|_| error("too wide".into()))?;
    let h = u16::try_from(height).map_err(|_| error("too high".into()))?;
    let mut out = Vec::with_capacity(pixels.len() / 8);
    Encoder::new(&mut out, quality)
        .encode(pixels, w, h, ColorType::Rgb)
        .map_err(|e| error(e.to_string()))?;
    Ok(out)
}

/// Resizes with a Catmull-Rom convolution (sharp, and its kernel widens with the scale
/// factor so that downscaling by 4 or 20 does not alias).
pub(crate) fn resize(source: &RgbImage, width: u32, height: u32) -> RgbImage {
    let src = ImageRef::new(
        source.width(),
        source.height(),
        source.as_raw(),
        PixelType::U8x3,
    )
    .expect("an RgbImage buffer holds width × height × 3 bytes");
    let mut dst = Image::new(width, height, PixelType::U8x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .expect("same pixel type on both sides and non-empty images");
    RgbImage::from_raw(width, height, dst.into_vec()).expect("buffer has width × height pixels")
}
