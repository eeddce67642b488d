//! Validation and processing of 360° panorama uploads for Site Atlas.
//!
//! Promotion staff upload equirectangular photos of plots and factories; the server streams
//! each upload to a file and calls [`process`]. This crate refuses what is not a panorama
//! (from the content's magic bytes and header, before decoding), decodes under memory
//! limits, and writes re-encoded outputs only — so EXIF, XMP and GPS metadata never leave
//! the upload — into a content-addressed folder that appears whole or not at all:
//!
//! ```text
//! out_root/<id>/thumb.jpg                      400×200
//! out_root/<id>/preview.jpg                    equirectangular, 2048×1024
//! out_root/<id>/tiles/{level}/{face}/{row}_{col}.jpg   512×512 cube-face tiles
//! ```
//!
//! The tiles are laid out for Photo Sphere Viewer 5's `CubemapTilesAdapter` with several
//! levels (see [`Processed`] and the crate README for the viewer configuration); the faces'
//! orientation is described in [`Face`]. Pure: no HTTP, no async, no database.

mod cube;
mod decode;
mod encode;
mod error;
mod levels;
mod output;
mod sniff;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use image::RgbImage;
use rayon::prelude::*;

pub use cube::{Face, project_face};
pub use error::PanoramaError;
pub use levels::{Level, face_size_for, levels_for};
pub use output::{OUTPUT_VERSION, PREVIEW_FILE, Processed, THUMBNAIL_FILE};
pub use sniff::{Header, SourceFormat, inspect, inspect_header};

use output::{Staging, content_id, tile_file};

/// Largest upload accepted, in bytes. A 16384-wide JPEG from a camera is 20–60 MB.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Narrowest panorama accepted: below this a 360° view is too blurry to show a site.
pub const MIN_WIDTH: u32 = 2048;
/// Widest panorama accepted (16K, the largest consumer 360° cameras and stitchers).
pub const MAX_WIDTH: u32 = 16384;
/// Most memory a decoder may allocate for pixels: 8-bit RGBA at 16384×8192. A 16-bit PNG
/// that large is refused rather than decoded.
pub const MAX_DECODE_BYTES: u64 = 16384 * 8192 * 4;
/// Edge of a tile in pixels.
pub const TILE_SIZE: u32 = 512;
/// Width of the preview when the source is at least as wide.
pub const PREVIEW_WIDTH: u32 = 2048;
/// Size of the thumbnail, always exactly this.
pub const THUMBNAIL_SIZE: (u32, u32) = (400, 200);
/// JPEG quality of every output: good for photos, a third of the size of quality 95.
pub const JPEG_QUALITY: u8 = 85;

/// Validates and processes the upload in the file at `input` (see [`process_bytes`]).
///
/// The file's size is checked before it is read.
pub fn process(input: &Path, out_root: &Path) -> Result<Processed, PanoramaError> {
    let file = File::open(input).map_err(PanoramaError::io("opening", input))?;
    let size = file
        .metadata()
        .map_err(PanoramaError::io("reading the size of", input))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(PanoramaError::TooLarge {
            size,
            max: MAX_FILE_BYTES,
        });
    }
    // `take` guards against a file still growing while we read it.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(PanoramaError::io("reading", input))?;
    process_bytes(&bytes, out_root)
}

/// Validates and processes an upload held in memory, writing under `out_root/<id>/`.
///
/// Refusals come before any decoding: size, format from the magic bytes (JPEG and PNG
/// only), width between [`MIN_WIDTH`] and [`MAX_WIDTH`], aspect 2:1 within 1 %, and for
/// JPEG the end-of-image marker. Decoding then runs under [`MAX_DECODE_BYTES`]. Processing
/// the same picture again finds its folder and writes nothing ([`Processed::created`]).
pub fn process_bytes(bytes: &[u8], out_root: &Path) -> Result<Processed, PanoramaError> {
    let size = bytes.len() as u64;
    if size > MAX_FILE_BYTES {
        return Err(PanoramaError::TooLarge {
            size,
            max: MAX_FILE_BYTES,
        });
    }
    let header = inspect(bytes)?;
    process_image(decode::decode_rgb(bytes, &header)?, out_root)
}

/// Processes a picture already decoded (or drawn), writing under `out_root/<id>/` as
/// [`process_bytes`] does. Its width must be between [`MIN_WIDTH`] and [`MAX_WIDTH`] and
/// twice its height.
pub fn process_image(source: RgbImage, out_root: &Path) -> Result<Processed, PanoramaError> {
    let (width, height) = source.dimensions();
    sniff::check_dimensions(width, height)?;
    let levels = levels_for(face_size_for(width));

    let staging = Staging::new(out_root)?;
    // Hashing 100 MB is single-threaded; it runs beside the rendering rather than before it.
    let (id, rendered) = rayon::join(
        || content_id(source.width(), source.height(), source.as_raw()),
        || render(&source, &levels, &staging),
    );
    rendered?;
    drop(source);
    let mut processed = Processed::new(id, width, height, levels);
    processed.created = staging.publish(out_root, &processed.id)?;
    Ok(processed)
}

/// Writes the thumbnail, the preview and every tile into the staging folder.
fn render(source: &RgbImage, levels: &[Level], staging: &Staging) -> Result<(), PanoramaError> {
    let face_size = levels.last().map_or(TILE_SIZE, |l| l.face_size);
    let (pictures, faces) = rayon::join(
        || write_preview_and_thumbnail(source, staging),
        || {
            Face::ALL
                .par_iter()
                .map(|&face| pyramid(project_face(source, face, face_size)))
                .collect::<Vec<_>>()
        },
    );
    pictures?;

    // One job per tile, so both cores stay busy until the last one.
    let mut jobs = Vec::new();
    for (level_index, level) in levels.iter().enumerate() {
        for (face, pyramid) in Face::ALL.iter().zip(&faces) {
            staging.create_dir(
                tile_file(level_index, *face, 0, 0)
                    .parent()
                    .expect("tile files are in a folder"),
            )?;
            for row in 0..level.nb_tiles {
                for col in 0..level.nb_tiles {
                    jobs.push((level_index, *face, &pyramid[level_index], row, col));
                }
            }
        }
    }
    jobs.par_iter()
        .try_for_each(|&(level, face, image, row, col)| {
            let pixels = crop_tile(image, row, col);
            let what = || format!("tile {level}/{}/{row}_{col}", face.name());
            let jpeg = encode::encode_jpeg(&pixels, TILE_SIZE, TILE_SIZE, JPEG_QUALITY, &what)?;
            staging.write(&tile_file(level, face, row, col), &jpeg)
        })
}

/// The face at every level, smallest first, each half the next.
fn pyramid(full: RgbImage) -> Vec<RgbImage> {
    let mut levels = vec![full];
    while let Some(last) = levels.last().filter(|image| image.width() > TILE_SIZE) {
        levels.push(cube::halve(last));
    }
    levels.reverse();
    levels
}

fn crop_tile(image: &RgbImage, row: u32, col: u32) -> Vec<u8> {
    let stride = image.width() as usize * 3;
    let tile_row = TILE_SIZE as usize * 3;
    let x0 = col as usize * tile_row;
    let y0 = row as usize * TILE_SIZE as usize;
    let mut out = Vec::with_capacity(tile_row * TILE_SIZE as usize);
    for y in y0..y0 + TILE_SIZE as usize {
        out.extend_from_slice(&image.as_raw()[y * stride + x0..y * stride + x0 + tile_row]);
    }
    out
}

fn write_preview_and_thumbnail(source: &RgbImage, staging: &Staging) -> Result<(), PanoramaError> {
    let preview_width = PREVIEW_WIDTH.min(source.width());
    let preview = encode::resize(source, preview_width, preview_width / 2);
    let (thumb_w, thumb_h) = THUMBNAIL_SIZE;
    let thumbnail = encode::resize(&preview, thumb_w, thumb_h);
    for (name, image) in [(PREVIEW_FILE, &preview), (THUMBNAIL_FILE, &thumbnail)] {
        let jpeg = encode::encode_jpeg(
            image.as_raw(),
            image.width(),
            image.height(),
            JPEG_QUALITY,
            &|| name.to_string(),
        )?;
        staging.write(Path::new(name), &jpeg)?;
    }
    Ok(())
}
