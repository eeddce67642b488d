//! Web Mercator tile addressing.
//!
//! Positions are projected once, when a feature enters the index, to
//! normalised Web Mercator "world" coordinates: x and y in [0, 1], y down,
//! (0, 0) at the north-west corner. A tile z/x/y then covers
//! `[x, x+1] / 2^z` by `[y, y+1] / 2^z`.

use geo::{Coord, Rect};

use crate::error::TileError;

/// Highest zoom served.
pub const MAX_ZOOM: u8 = 22;
/// Tile extent in MVT units.
pub const EXTENT: u32 = 4096;
/// Buffer around the tile, in MVT units, that geometries are clipped to.
pub const BUFFER: u32 = 64;
/// Web Mercator's latitude limit.
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// A tile address, checked to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    z: u8,
    x: u32,
    y: u32,
}

impl TileId {
    /// Checks that z/x/y names a tile: z in 0..=22 and x, y below 2^z.
    pub fn new(z: u32, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM as u32 {
            return Err(TileError::ZoomOutOfRange { z, max: MAX_ZOOM });
        }
        let z = z as u8;
        let n = 1u64 << z;
        if x as u64 >= n || y as u64 >= n {
            return Err(TileError::TileOutOfRange { z, x, y, n });
        }
        Ok(Self { z, x, y })
    }

    /// Zoom level.
    pub fn z(&self) -> u8 {
        self.z
    }
    /// Column, from the west.
    pub fn x(&self) -> u32 {
        self.x
    }
    /// Row, from the north.
    pub fn y(&self) -> u32 {
        self.y
    }

    /// Tiles per axis at this zoom.
    pub fn scale(&self) -> f64 {
        (1u64 << self.z) as f64
    }

    /// The tile's extent in world coordinates, grown by `buffer` MVT units on each side.
    pub fn world_bounds(&self, buffer: u32) -> Rect<f64> {
        let n = self.scale();
        let pad = buffer as f64 / EXTENT as f64;
        Rect::new(
            Coord {
                x: (self.x as f64 - pad) / n,
                y: (self.y as f64 - pad) / n,
            },
            Coord {
                x: (self.x as f64 + 1.0 + pad) / n,
                y: (self.y as f64 + 1.0 + pad) / n,
            },
        )
    }

    /// The tile's extent in lon/lat, grown by `buffer` MVT units and clamped to the globe.
    pub fn lonlat_bounds(&self, buffer: u32) -> Rect<f64> {
        let w = self.world_bounds(buffer);
        let (west, north) = world_to_lonlat(w.min().x.max(0.0), w.min().y.max(0.0));
        let (east, south) = world_to_lonlat(w.max().x.min(1.0), w.max().y.min(1.0));
        Rect::new(Coord { x: west, y: south }, Coord { x: east, y: north })
    }

    /// Maps a world coordinate into this tile's MVT units (0..4096 inside the tile).
    #[inline]
    pub fn to_tile_units(&self, world: Coord<f64>) -> Coord<f64> {
        let k = self.scale();
        Coord {
            x: (world.x * k - self.x as f64) * EXTENT as f64,
            y: (world.y * k - self.y as f64) * EXTENT as f64,
        }
    }

    /// Whether a world coordinate lies in this tile (its buffer excluded):
    /// a point on an edge belongs to the tile right of or below it, so every
    /// point is in exactly one tile of a zoom.
    #[inline]
    pub fn holds(&self, world: Coord<f64>) -> bool {
        let p = self.to_tile_units(world);
        let inside = 0.0..EXTENT as f64;
        inside.contains(&p.x) && inside.contains(&p.y)
    }

    /// The tiles of zoom `z` that cover a lon/lat box grown by `buffer` MVT units (for cache eviction).
    pub fn covering(bbox: Rect<f64>, z: u8, buffer: u32) -> impl Iterator<Item = TileId> {
        let r = TileRange::covering(bbox, z, buffer);
        (r.x0..=r.x1).flat_map(move |x| (r.y0..=r.y1).map(move |y| TileId { z, x, y }))
    }
}

/// A rectangle of tiles at one zoom, bounds included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileRange {
    /// Zoom.
    pub z: u8,
    /// First column.
    pub x0: u32,
    /// Last column.
    pub x1: u32,
    /// First row.
    pub y0: u32,
    /// Last row.
    pub y1: u32,
}

impl TileRange {
    /// The tiles of zoom `z` whose extent grown by `buffer` MVT units touches a lon/lat box.
    pub fn covering(bbox: Rect<f64>, z: u8, buffer: u32) -> Self {
        let n = 1u64 << z;
        let pad = buffer as f64 / EXTENT as f64;
        let (x0, y0) = lonlat_to_world(bbox.min().x, bbox.max().y);
        let (x1, y1) = lonlat_to_world(bbox.max().x, bbox.min().y);
        let cell =
            |v: f64, grow: f64| ((v * n as f64 + grow).floor().max(0.0) as u64).min(n - 1) as u32;
        Self {
            z,
            x0: cell(x0, -pad),
            x1: cell(x1, pad),
            y0: cell(y0, -pad),
            y1: cell(y1, pad),
        }
    }

    /// Whether a tile lies in the range.
    pub fn contains(&self, tile: &TileId) -> bool {
        tile.z == self.z
            && (self.x0..=self.x1).contains(&tile.x)
            && (self.y0..=self.y1).contains(&tile.y)
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Projects lon/lat (degrees) to normalised Web Mercator, latitude clamped to the projection's limit.
#[inline]
pub fn lonlat_to_world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    (x, y)
}

/// Inverse of [`lonlat_to_world`].
#[inline]
pub fn world_to_lonlat(x: f64, y: f64) -> (f64, f64) {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use proptest::prelude::*;

    #[test]
    fn rejects_tiles_that_do_not_exist() {
        assert!(TileId::new(23, 0, 0).is_err());
        assert!(TileId::new(0, 1, 0).is_err());
        assert!(TileId::new(2, 3, 4).is_err());
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
    }

    #[test]
    fn world_tile_covers_the_globe() {
        let b = TileId::new(0, 0, 0).unwrap().lonlat_bounds(0);
        assert_abs_diff_eq!(b.min().x, -180.0);
        assert_abs_diff_eq!(b.max().y, MAX_LATITUDE, epsilon = 1e-9);
    }

    #[test]
    fn known_tile_of_chengdu() {
        // Wenjiang (103.85 E, 30.70 N) lies in z10 tile 807/420.
        let (x, y) = lonlat_to_world(103.85, 30.70);
        assert_eq!(((x * 1024.0) as u32, (y * 1024.0) as u32), (807, 420));
    }

    proptest! {
        #[test]
        fn projection_round_trips(lon in -180.0f64..180.0, lat in -85.0f64..85.0) {
            let (x, y) = lonlat_to_world(lon, lat);
            let (lon2, lat2) = world_to_lonlat(x, y);
            prop_assert!((lon - lon2).abs() < 1e-9 && (lat - lat2).abs() < 1e-9);
        }

        #[test]
        fn a_point_lies_in_the_tile_covering_it(lon in -179.9f64..179.9, lat in -85.0f64..85.0, z in 0u8..=22) {
            let (wx, wy) = lonlat_to_world(lon, lat);
            let n = (1u64 << z) as f64;
            let tile = TileId::new(z as u32, (wx * n).floor().min(n - 1.0) as u32, (wy * n).floor().min(n - 1.0) as u32).unwrap();
            let p = tile.to_tile_units(Coord { x: wx, y: wy });
            prop_assert!((-1e-6..=4096.0 + 1e-6).contains(&p.x) && (-1e-6..=4096.0 + 1e-6).contains(&p.y));
            let b = tile.lonlat_bounds(0);
            prop_assert!(b.min().x - 1e-9 <= lon && lon <= b.max().x + 1e-9);
            let pt = Rect::new(Coord { x: lon, y: lat }, Coord { x: lon, y: lat });
            prop_assert!(TileId::covering(pt, z, 0).any(|t| t == tile));
        }
    }
}
