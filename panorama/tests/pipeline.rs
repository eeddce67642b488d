//! The whole pipeline on a photo-sized upload.

mod common;

use std::fs;

use image::{GenericImageView, ImageFormat};
use siteatlas_panorama::{Face, Level, Processed, THUMBNAIL_SIZE, process, process_bytes};

#[test]
fn photo_sized_jpeg_with_gps_exif_becomes_clean_tiles() {
    let source = common::photo_like(4096, 2048);
    let upload = common::splice_after_soi(&common::jpeg(&source), &common::exif_app1_with_gps());
    assert!(common::contains(&upload, b"Exif") && common::contains(&upload, b"II*\0"));
    let scratch = tempfile::tempdir().unwrap();
    let input = scratch.path().join("upload.bin");
    fs::write(&input, &upload).unwrap();
    let out_root = scratch.path().join("panoramas");

    let processed = process(&input, &out_root).expect("a valid panorama");

    assert_eq!(processed.id.len(), 64);
    assert_eq!((processed.width, processed.height), (4096, 2048));
    assert_eq!(processed.face_size, 1024);
    assert_eq!(
        processed.levels,
        [
            Level {
                face_size: 512,
                nb_tiles: 1
            },
            Level {
                face_size: 1024,
                nb_tiles: 2
            }
        ]
    );
    assert!(processed.created);

    let thumb = image::open(out_root.join(&processed.thumbnail)).unwrap();
    assert_eq!(thumb.dimensions(), THUMBNAIL_SIZE);
    let preview = image::open(out_root.join(&processed.preview)).unwrap();
    assert_eq!(preview.dimensions(), (2048, 1024));

    let tiles = processed.tile_paths();
    assert_eq!(tiles.len(), 6 * (1 + 4));
    for tile in &tiles {
        let bytes = fs::read(out_root.join(tile)).unwrap();
        assert_eq!(image::guess_format(&bytes).unwrap(), ImageFormat::Jpeg);
        assert_eq!(
            image::load_from_memory(&bytes).unwrap().dimensions(),
            (512, 512),
            "{}",
            tile.display()
        );
    }
    assert!(
        out_root
            .join(processed.tile_path(1, Face::Bottom, 1, 1))
            .is_file()
    );
    assert!(
        !out_root
            .join(processed.tile_path(1, Face::Bottom, 2, 0))
            .exists()
    );

    // Exactly the documented files, none containing metadata from the upload.
    let mut written = Vec::new();
    walk(&out_root.join(processed.dir()), &mut written);
    assert_eq!(written.len(), tiles.len() + 2);
    for path in &written {
        let bytes = fs::read(path).unwrap();
        assert!(
            !common::contains(&bytes, b"Exif"),
            "{} has EXIF",
            path.display()
        );
        assert!(
            !common::contains(&bytes, b"II*\0"),
            "{} has a TIFF block",
            path.display()
        );
    }
    // Nothing staged is left behind.
    assert_eq!(fs::read_dir(&out_root).unwrap().count(), 1);
}

#[test]
fn reprocessing_is_idempotent_and_ignores_metadata() {
    let source = common::photo_like(2048, 1024);
    let plain = common::jpeg(&source);
    let with_exif = common::splice_after_soi(&plain, &common::exif_app1_with_gps());
    let out_root = tempfile::tempdir().unwrap();

    let first = process_bytes(&plain, out_root.path()).unwrap();
    let thumb_before = fs::read(out_root.path().join(&first.thumbnail)).unwrap();
    let again = process_bytes(&with_exif, out_root.path()).unwrap();

    assert!(first.created);
    assert!(!again.created, "same pixels, so the same folder");
    assert_eq!(
        again,
        Processed {
            created: false,
            ..first.clone()
        }
    );
    assert_eq!(
        fs::read(out_root.path().join(&again.thumbnail)).unwrap(),
        thumb_before
    );
    assert_eq!(fs::read_dir(out_root.path()).unwrap().count(), 1);
}

fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}
