//! Face size and tile levels.

use crate::TILE_SIZE;

/// Largest face produced: the face size chosen for [`crate::MAX_WIDTH`].
const MAX_FACE_SIZE: u32 = 4096;

/// One resolution of the tiled cube, as PSV's `levels` entry `{ faceSize, nbTiles }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    /// Edge of a face at this level, in pixels.
    pub face_size: u32,
    /// Tiles along one edge of a face (`face_size / 512`); a face has `nb_tiles²` tiles.
    pub nb_tiles: u32,
}

/// The face size for a source `width` pixels wide: 512 × 2ᵏ, the one nearest to `width / 4`
/// by ratio (so 6144 → 2048, 5000 → 1024), between 512 and 4096.
///
/// A face covers 90° of the 360° width, hence `width / 4`. It must be 512 × a power of two
/// because PSV requires `nbTiles` to be a power of two at every level, and every level is a
/// whole number of 512-pixel tiles. Rounding by ratio rather than always down keeps sources
/// like 6144 wide from losing a third of their detail; `width / 4` is already slightly below
/// the source's own resolution at the face centres (that would be `width / π`).
pub fn face_size_for(width: u32) -> u32 {
    let ratio = f64::from(width) / 4.0 / f64::from(TILE_SIZE);
    let exponent = ratio.log2().round().max(0.0) as u32;
    (TILE_SIZE << exponent.min(8)).min(MAX_FACE_SIZE)
}

/// The levels from one tile per face up to `face_size`, smallest first (PSV's level index).
pub fn levels_for(face_size: u32) -> Vec<Level> {
    std::iter::successors(Some(TILE_SIZE), |size| Some(size * 2))
        .take_while(|&size| size <= face_size)
        .map(|face_size| Level {
            face_size,
            nb_tiles: face_size / TILE_SIZE,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn face_sizes_are_powers_of_two_times_512() {
        assert_eq!(face_size_for(2048), 512);
        assert_eq!(face_size_for(4096), 1024);
        assert_eq!(face_size_for(5000), 1024);
        assert_eq!(face_size_for(6144), 2048);
        assert_eq!(face_size_for(8192), 2048);
        assert_eq!(face_size_for(16384), 4096);
    }

    #[test]
    fn levels_double_up_to_the_face_size() {
        let levels: Vec<_> = levels_for(2048)
            .iter()
            .map(|l| (l.face_size, l.nb_tiles))
            .collect();
        assert_eq!(levels, [(512, 1), (1024, 2), (2048, 4)]);
        assert_eq!(levels_for(512).len(), 1);
    }
}
