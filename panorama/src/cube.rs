//! Equirectangular to cube faces, in Photo Sphere Viewer 5's orientation.
//!
//! Directions are written `(forward, right, down)`: forward is yaw 0, which PSV shows at
//! the horizontal centre of an equirectangular image; yaw grows to the right (towards
//! larger x in the image) and pitch grows upwards. A face pixel at `(x, y)` of an `n`-pixel
//! face has `u = 2 (x + ½) / n − 1` (rightwards) and `v = 2 (y + ½) / n − 1` (downwards), and
//! looks along [`Face::direction`]. These are the formulas of PSV's
//! `CubemapAdapter.textureCoordsToSphericalCoords` (without `flipTopBottom`), checked
//! against three.js's `BoxGeometry` UVs, which is what the tiles are drawn on. The side faces
//! are upright; `top` has the front at its top edge, `bottom` the back at its top edge.

use std::f32::consts::FRAC_1_PI;

use image::RgbImage;
use rayon::prelude::*;

/// A face of the cube, named as PSV's `CubemapTilesAdapter` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Face {
    /// Centred on yaw 0, the horizontal centre of the equirectangular source.
    Front,
    /// Centred on yaw +90°.
    Right,
    /// Centred on yaw 180°, the left and right edges of the source.
    Back,
    /// Centred on yaw −90°.
    Left,
    /// Looking up (pitch +90°).
    Top,
    /// Looking down (pitch −90°).
    Bottom,
}

impl Face {
    /// All faces, in the order files are written.
    pub const ALL: [Face; 6] = [
        Face::Front,
        Face::Right,
        Face::Back,
        Face::Left,
        Face::Top,
        Face::Bottom,
    ];

    /// The name PSV passes to `tileUrl`, used as folder name.
    pub fn name(self) -> &'static str {
        match self {
            Face::Front => "front",
            Face::Right => "right",
            Face::Back => "back",
            Face::Left => "left",
            Face::Top => "top",
            Face::Bottom => "bottom",
        }
    }

    /// The (unnormalised) direction `(forward, right, down)` seen at face coordinates
    /// `u` (−1 left edge … 1 right edge) and `v` (−1 top edge … 1 bottom edge).
    pub fn direction(self, u: f32, v: f32) -> [f32; 3] {
        match self {
            Face::Front => [1.0, u, v],
            Face::Right => [-u, 1.0, v],
            Face::Back => [-1.0, -u, v],
            Face::Left => [u, -1.0, v],
            Face::Top => [-v, -u, -1.0],
            Face::Bottom => [v, -u, 1.0],
        }
    }
}

/// Samples one `size`×`size` face from an equirectangular image, bilinearly, wrapping
/// around horizontally (the left and right edges of the source are neighbours).
pub fn project_face(source: &RgbImage, face: Face, size: u32) -> RgbImage {
    let (width, height) = source.dimensions();
    let src = source.as_raw();
    let stride = width as usize * 3;
    let (w, h) = (width as f32, height as f32);
    let n = size as usize;
    let mut out = vec![0u8; n * n * 3];
    out.par_chunks_mut(n * 3).enumerate().for_each(|(y, row)| {
        let v = 2.0 * (y as f32 + 0.5) / size as f32 - 1.0;
        for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
            let u = 2.0 * (x as f32 + 0.5) / size as f32 - 1.0;
            let [forward, right, down] = face.direction(u, v);
            let yaw = fast_atan2(right, forward);
            let pitch = fast_atan2(-down, (forward * forward + right * right).sqrt());
            // Pixel centres are at integer + ½, hence the − ½.
            let sx = (yaw * 0.5 * FRAC_1_PI + 0.5) * w - 0.5;
            let sy = ((0.5 - pitch * FRAC_1_PI) * h - 0.5).clamp(0.0, h - 1.0);
            let x0f = sx.floor();
            let fx = sx - x0f;
            let x0 = (x0f as i64).rem_euclid(i64::from(width)) as usize;
            let x1 = if x0 + 1 == width as usize { 0 } else { x0 + 1 };
            let y0 = sy.floor() as usize;
            let fy = sy - y0 as f32;
            let y1 = (y0 + 1).min(height as usize - 1);
            let (r0, r1) = (y0 * stride, y1 * stride);
            for c in 0..3 {
                let p00 = f32::from(src[r0 + x0 * 3 + c]);
                let p01 = f32::from(src[r0 + x1 * 3 + c]);
                let p10 = f32::from(src[r1 + x0 * 3 + c]);
                let p11 = f32::from(src[r1 + x1 * 3 + c]);
                let top = p00 + (p01 - p00) * fx;
                let bottom = p10 + (p11 - p10) * fx;
                pixel[c] = (top + (bottom - top) * fy + 0.5) as u8;
            }
        }
    });
    RgbImage::from_raw(size, size, out).expect("buffer has size² pixels")
}

/// `atan2` within 1.1e-5 rad (0.03 pixel at 16384 wide), several times faster than libm's,
/// which took most of the projection's time.
///
/// The polynomial is Hastings' minimax approximation of atan on [−1, 1]; the octant is
/// restored from the signs and the larger of |x| and |y|.
fn fast_atan2(y: f32, x: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    let (small, large) = if ax < ay { (ax, ay) } else { (ay, ax) };
    if large == 0.0 {
        return 0.0;
    }
    let a = small / large;
    let a2 = a * a;
    let mut r = a
        * (0.999_866
            + a2 * (-0.330_299_5 + a2 * (0.180_141 + a2 * (-0.085_133 + a2 * 0.020_835_1))));
    if ay > ax {
        r = FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 { -r } else { r }
}

/// Halves an image with a 2×2 box filter, for the lower tile levels: averaging whole
/// pixels of the full-resolution face is sharper than sampling the source again.
pub(crate) fn halve(image: &RgbImage) -> RgbImage {
    let (w, h) = (image.width() / 2, image.height() / 2);
    let src = image.as_raw();
    let stride = image.width() as usize * 3;
    let mut out = vec![0u8; w as usize * h as usize * 3];
    out.par_chunks_mut(w as usize * 3)
        .enumerate()
        .for_each(|(y, row)| {
            let (a, b) = (2 * y * stride, (2 * y + 1) * stride);
            for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
                for (c, value) in pixel.iter_mut().enumerate() {
                    let i = 6 * x + c;
                    let sum = u16::from(src[a + i])
                        + u16::from(src[a + i + 3])
                        + u16::from(src[b + i])
                        + u16::from(src[b + i + 3]);
                    *value = ((sum + 2) / 4) as u8;
                }
            }
        });
    RgbImage::from_raw(w, h, out).expect("buffer has w×h pixels")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn face_centres_look_where_psv_expects() {
        let yaw_pitch = |face: Face| {
            let [f, r, d] = face.direction(0.0, 0.0);
            (r.atan2(f).to_degrees(), (-d).atan2(f.hypot(r)).to_degrees())
        };
        assert_eq!(yaw_pitch(Face::Front), (0.0, 0.0));
        assert_eq!(yaw_pitch(Face::Right), (90.0, 0.0));
        assert_eq!(yaw_pitch(Face::Back).0.abs(), 180.0);
        assert_eq!(yaw_pitch(Face::Left), (-90.0, 0.0));
        assert_eq!(yaw_pitch(Face::Top).1, 90.0);
        assert_eq!(yaw_pitch(Face::Bottom).1, -90.0);
    }

    #[test]
    fn fast_atan2_is_accurate_in_every_octant() {
        let mut worst = 0f32;
        for i in 0..3600 {
            let angle = (i as f32 / 10.0 - 180.0).to_radians();
            for radius in [0.01f32, 1.0, 300.0] {
                let (y, x) = (radius * angle.sin(), radius * angle.cos());
                worst = worst.max((fast_atan2(y, x) - y.atan2(x)).abs());
            }
        }
        assert!(worst < 2e-5, "worst error {worst}");
        assert_eq!(fast_atan2(0.0, 0.0), 0.0);
    }

    #[test]
    fn halving_averages_blocks() {
        let image = RgbImage::from_fn(4, 2, |x, _| image::Rgb([x as u8 * 10, 0, 255]));
        let half = halve(&image);
        assert_eq!(half.dimensions(), (2, 1));
        assert_eq!(half.get_pixel(0, 0).0, [5, 0, 255]);
        assert_eq!(half.get_pixel(1, 0).0, [25, 0, 255]);
    }
}
