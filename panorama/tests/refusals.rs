//! Uploads that must be refused, each with its own error, quickly and without a panic.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use flate2::{Compress, Compression, FlushCompress};
use siteatlas_panorama::{MAX_FILE_BYTES, PanoramaError, process, process_bytes};

fn refuse(bytes: &[u8]) -> PanoramaError {
    let out_root = tempfile::tempdir().unwrap();
    let error = process_bytes(bytes, out_root.path()).expect_err("must be refused");
    assert!(
        error.is_client_error(),
        "{error:?} should be the uploader's fault"
    );
    assert_no_output(out_root.path());
    error
}

fn assert_no_output(out_root: &Path) {
    let left: Vec<_> = fs::read_dir(out_root).map_or(vec![], |d| d.collect());
    assert!(left.is_empty(), "a refused upload left {left:?}");
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A PNG of `width`×`height` RGBA 16-bit pixels, all zero, whose zlib stream is complete
/// and valid yet only about a thousandth of the pixel data: one row is deflated once (a
/// sync flush makes it a self-contained, byte-aligned block) and the block is repeated for
/// every row, as a bomb-maker would.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let row_bytes = 1 + width as usize * 8;
    let mut deflate = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(row_bytes);
    deflate
        .compress_vec(&vec![0u8; row_bytes], &mut block, FlushCompress::Sync)
        .unwrap();
    let total = row_bytes as u64 * u64::from(height);
    let mut zlib = vec![0x78, 0xDA];
    for _ in 0..height {
        zlib.extend_from_slice(&block);
    }
    zlib.extend_from_slice(&[0x03, 0x00]); // final, empty fixed-Huffman block
    let adler = ((total % 65521) << 16) | 1; // Adler-32 of `total` zero bytes
    zlib.extend_from_slice(&(adler as u32).to_be_bytes());

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 0]); // 16-bit RGBA, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn png_bomb_generator_makes_valid_pngs() {
    // The same construction at a small size decodes to zeros: the bomb below is a real PNG.
    let small = image::load_from_memory(&png_bomb(64, 32)).expect("a valid PNG");
    assert_eq!((small.width(), small.height()), (64, 32));
    assert!(small.to_rgba16().pixels().all(|p| p.0 == [0; 4]));
}

#[test]
fn png_bomb_within_width_limit_is_refused_by_the_memory_limit() {
    // 16384×8192 is an accepted size, but 16-bit RGBA makes it 1 GiB of pixels.
    let bomb = png_bomb(16384, 8192);
    assert!(bomb.len() < 8 * 1024 * 1024, "{} bytes", bomb.len());
    let start = Instant::now();
    let error = refuse(&bomb);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert!(
        matches!(error, PanoramaError::LimitsExceeded { .. }),
        "{error:?}"
    );
}

#[test]
fn png_bomb_wider_than_allowed_is_refused_from_its_header() {
    let start = Instant::now();
    let error = refuse(&png_bomb(30000, 15000));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert!(
        matches!(error, PanoramaError::WidthOutOfRange { width: 30000, .. }),
        "{error:?}"
    );
}

/// A small valid JPEG whose SOF0 is patched to claim `width`×`height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = common::jpeg(&common::photo_like(64, 32));
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has SOF0");
    // FFC0, length (2), precision (1), height (2), width (2)
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

#[test]
fn jpeg_header_claiming_a_huge_size_is_refused_before_decoding() {
    // 100000×50000 cannot be written in a JPEG header (16-bit fields): 65000×32500 is the
    // largest such claim.
    let start = Instant::now();
    let error = refuse(&jpeg_claiming(65000, 32500));
    assert!(
        start.elapsed() < Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
    assert!(
        matches!(error, PanoramaError::WidthOutOfRange { width: 65000, .. }),
        "{error:?}"
    );
}

#[test]
fn jpeg_header_claiming_an_accepted_size_with_tiny_data_is_corrupt() {
    let start = Instant::now();
    let error = refuse(&jpeg_claiming(16384, 8192));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(error, PanoramaError::Corrupt { .. }), "{error:?}");
}

#[test]
fn truncated_jpeg_is_corrupt() {
    let full = common::jpeg(&common::photo_like(2048, 1024));
    for keep in [full.len() * 3 / 5, full.len() - 2, 700] {
        let error = refuse(&full[..keep]);
        assert!(
            matches!(error, PanoramaError::Corrupt { .. }),
            "{keep}: {error:?}"
        );
    }
}

#[test]
fn truncated_png_is_corrupt() {
    let full = common::png(&common::photo_like(2048, 1024));
    let error = refuse(&full[..full.len() / 2]);
    assert!(matches!(error, PanoramaError::Corrupt { .. }), "{error:?}");
}

#[test]
fn text_file_named_jpg_is_not_an_image() {
    let scratch = tempfile::tempdir().unwrap();
    let input = scratch.path().join("site-photo.jpg");
    fs::write(&input, "Plot 12-07: 45 mu, M1 industrial\n").unwrap();
    let out_root = scratch.path().join("out");
    let error = process(&input, &out_root).expect_err("must be refused");
    assert!(matches!(error, PanoramaError::NotAnImage), "{error:?}");
    assert_no_output(&out_root);
}

#[test]
fn gif_is_an_unsupported_format() {
    let error = refuse(b"GIF89a\x00\x08\x00\x04\x80\x00\x00");
    assert!(
        matches!(error, PanoramaError::UnsupportedFormat { .. }),
        "{error:?}"
    );
}

#[test]
fn square_image_has_the_wrong_aspect() {
    let error = refuse(&common::jpeg(&common::photo_like(2048, 2048)));
    assert!(
        matches!(
            error,
            PanoramaError::WrongAspect {
                width: 2048,
                height: 2048
            }
        ),
        "{error:?}"
    );
}

#[test]
fn narrow_image_is_out_of_range() {
    let error = refuse(&common::jpeg(&common::photo_like(1024, 512)));
    assert!(
        matches!(
            error,
            PanoramaError::WidthOutOfRange {
                width: 1024,
                min: 2048,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn oversized_file_is_refused_without_reading_it() {
    let scratch = tempfile::tempdir().unwrap();
    let input = scratch.path().join("huge.jpg");
    let mut file = fs::File::create(&input).unwrap();
    file.write_all(&[0xFF, 0xD8, 0xFF]).unwrap();
    file.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse: no disk used
    let error = process(&input, &scratch.path().join("out")).expect_err("must be refused");
    assert!(matches!(error, PanoramaError::TooLarge { .. }), "{error:?}");
}

#[test]
fn missing_input_is_an_internal_error() {
    let scratch = tempfile::tempdir().unwrap();
    let error = process(&scratch.path().join("gone.jpg"), scratch.path()).unwrap_err();
    assert!(matches!(error, PanoramaError::Io { .. }) && !error.is_client_error());
}

#[test]
fn the_header_alone_settles_format_and_size_but_not_the_data() {
    use siteatlas_panorama::{SourceFormat, inspect_header};
    let good = common::jpeg(&common::photo_like(2048, 1024));
    // The start of a good file passes: the data is not looked at.
    let header = inspect_header(&good[..4096]).unwrap();
    assert_eq!(
        (header.format, header.width, header.height),
        (SourceFormat::Jpeg, 2048, 1024)
    );
    // So does a truncated one, which only the whole file's checks refuse.
    let truncated = &good[..good.len() / 3];
    assert!(inspect_header(truncated).is_ok());
    assert!(matches!(refuse(truncated), PanoramaError::Corrupt { .. }));
    // Format and dimensions are refused from the start alone.
    assert!(matches!(
        inspect_header(b"just text"),
        Err(PanoramaError::NotAnImage)
    ));
    let square = common::jpeg(&common::photo_like(2048, 2048));
    assert!(matches!(
        inspect_header(&square[..4096]),
        Err(PanoramaError::WrongAspect { .. })
    ));
    // Too little of the file to hold its header says nothing of the file.
    assert!(matches!(
        inspect_header(&good[..40]),
        Err(PanoramaError::Corrupt { .. })
    ));
}
