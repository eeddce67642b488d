//! The faces are oriented as Photo Sphere Viewer 5 draws them.

mod common;

use std::f32::consts::PI;

use image::RgbImage;
use siteatlas_panorama::{Face, process_bytes};

/// Colour of a viewing direction: R, G, B = 128 + 127 × (forward, right, down) components.
/// Each axis direction has its own colour (front red, back cyan-ish, top yellow-ish, ...)
/// and the colour varies smoothly, so points off a face's centre are checked too.
fn colour(direction: [f32; 3]) -> [u8; 3] {
    let norm = direction.iter().map(|c| c * c).sum::<f32>().sqrt();
    direction.map(|c| (128.0 + 127.0 * c / norm).round() as u8)
}

/// An equirectangular image where yaw 0 is the horizontal centre, yaw grows rightwards,
/// pitch grows upwards: PSV's equirectangular convention.
fn direction_coded(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let yaw = ((x as f32 + 0.5) / width as f32 - 0.5) * 2.0 * PI;
        let pitch = (0.5 - (y as f32 + 0.5) / height as f32) * PI;
        image::Rgb(colour([
            pitch.cos() * yaw.cos(),
            pitch.cos() * yaw.sin(),
            -pitch.sin(),
        ]))
    })
}

/// PSV 5 `CubemapAdapter.textureCoordsToSphericalCoords`, transcribed: the yaw and pitch
/// of texture point (u, v) in [-1, 1] (v downwards) of a face, without `flipTopBottom`.
fn psv_yaw_pitch(face: &str, u: f32, v: f32) -> (f32, f32) {
    let yaw_pitch = |x: f32, y: f32, z: f32| {
        let dv = (x * x + y * y + z * z).sqrt();
        ((y / dv).atan2(x / dv), -(z / dv).asin())
    };
    match face {
        "front" => yaw_pitch(1.0, u, v),
        "right" => yaw_pitch(-u, 1.0, v),
        "left" => yaw_pitch(u, -1.0, v),
        "back" => yaw_pitch(-1.0, -u, v),
        "bottom" => yaw_pitch(v, -u, 1.0),
        "top" => yaw_pitch(-v, -u, -1.0),
        _ => unreachable!(),
    }
}

#[test]
fn every_face_shows_what_psv_expects_there() {
    let out_root = tempfile::tempdir().unwrap();
    // PNG so that only our own JPEG encoding blurs the colours.
    let upload = common::png(&direction_coded(2048, 1024));
    let processed = process_bytes(&upload, out_root.path()).unwrap();
    assert_eq!(processed.face_size, 512);

    let expected_centres = [
        (Face::Front, [255, 128, 128]),
        (Face::Right, [128, 255, 128]),
        (Face::Back, [1, 128, 128]),
        (Face::Left, [128, 1, 128]),
        (Face::Top, [128, 128, 1]),
        (Face::Bottom, [128, 128, 255]),
    ];
    for (face, centre) in expected_centres {
        let tile = image::open(out_root.path().join(processed.tile_path(0, face, 0, 0)))
            .unwrap()
            .to_rgb8();
        let at = |u: f32, v: f32| {
            let x = ((u + 1.0) / 2.0 * 512.0).min(511.0) as u32;
            let y = ((v + 1.0) / 2.0 * 512.0).min(511.0) as u32;
            tile.get_pixel(x, y).0
        };
        assert_close(at(0.0, 0.0), centre, face, 0.0, 0.0);
        for (u, v) in [
            (-0.6, 0.0),
            (0.6, 0.0),
            (0.0, -0.6),
            (0.0, 0.6),
            (0.5, -0.7),
            (-0.8, 0.4),
        ] {
            let (yaw, pitch) = psv_yaw_pitch(face.name(), u, v);
            let expected = colour([
                pitch.cos() * yaw.cos(),
                pitch.cos() * yaw.sin(),
                -pitch.sin(),
            ]);
            assert_close(at(u, v), expected, face, u, v);
        }
    }
}

fn assert_close(actual: [u8; 3], expected: [u8; 3], face: Face, u: f32, v: f32) {
    let off = actual
        .iter()
        .zip(expected)
        .map(|(a, e)| (i16::from(*a) - i16::from(e)).abs())
        .max()
        .unwrap();
    assert!(
        off <= 6,
        "{} at ({u}, {v}): got {actual:?}, PSV expects {expected:?}",
        face.name()
    );
}
