//! GeoPackage geometry blobs: the `GP` header, then ISO WKB (2D, Z, M, ZM; M is dropped).
//! Hand-written because it is small and must never allocate what the bytes merely claim.

use geojson::{Geometry, GeometryValue, Position};

/// Collections nested deeper than this are refused rather than recursed into.
const MAX_DEPTH: usize = 16;

/// Parses a GeoPackage geometry blob; `Ok(None)` for an empty geometry.
pub(crate) fn parse_gpkg(blob: &[u8]) -> Result<Option<GeometryValue>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("geometry blob does not start with the GeoPackage `GP` header".into());
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err("extended GeoPackage geometry types are not supported".into());
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("invalid envelope code {other} in geometry header")),
    };
    let start = 8 + envelope;
    if flags & 0b0001_0000 != 0 {
        return Ok(None);
    }
    let wkb = blob
        .get(start..)
        .ok_or("geometry blob is shorter than its header")?;
    let mut reader = Reader { bytes: wkb, at: 0 };
    let value = reader.geometry(0)?;
    Ok(Some(value))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("WKB is truncated")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| "WKB is truncated")?;
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| "WKB is truncated")?;
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count, refused if the remaining bytes cannot hold that many items of `min_size`.
    fn count(&mut self, little: bool, min_size: usize) -> Result<usize, String> {
        let n = self.u32(little)? as usize;
        if n.saturating_mul(min_size) > self.bytes.len() - self.at {
            return Err(format!("WKB claims {n} items but is too short for them"));
        }
        Ok(n)
    }

    fn position(&mut self, little: bool, z: bool, m: bool) -> Result<Position, String> {
        let x = self.f64(little)?;
        let y = self.f64(little)?;
        let mut p = vec![x, y];
        if z {
            p.push(self.f64(little)?);
        }
        if m {
            self.f64(little)?;
        }
        Ok(Position::from(p))
    }

    fn positions(&mut self, little: bool, z: bool, m: bool) -> Result<Vec<Position>, String> {
        let size = 16 + 8 * usize::from(z) + 8 * usize::from(m);
        let n = self.count(little, size)?;
        (0..n).map(|_| self.position(little, z, m)).collect()
    }

    fn rings(&mut self, little: bool, z: bool, m: bool) -> Result<Vec<Vec<Position>>, String> {
        let n = self.count(little, 4)?;
        (0..n).map(|_| self.positions(little, z, m)).collect()
    }

    /// Members of a Multi* or collection: each a full WKB geometry of the expected type.
    fn members(
        &mut self,
        little: bool,
        depth: usize,
        expected: Option<u32>,
    ) -> Result<Vec<GeometryValue>, String> {
        let n = self.count(little, 5)?;
        (0..n)
            .map(|_| {
                let start = self.at;
                let g = self.geometry(depth + 1)?;
                if let Some(expected) = expected {
                    let kind = self.kind_at(start)?;
                    if kind != expected {
                        return Err(format!("WKB multi-geometry holds a member of type {kind}"));
                    }
                }
                Ok(g)
            })
            .collect()
    }

    fn kind_at(&self, start: usize) -> Result<u32, String> {
        let mut r = Reader {
            bytes: self.bytes,
            at: start,
        };
        let little = r.take(1)?[0] == 1;
        Ok(split_type(r.u32(little)?).0)
    }

    fn geometry(&mut self, depth: usize) -> Result<GeometryValue, String> {
        if depth > MAX_DEPTH {
            return Err("WKB geometry collections are nested too deeply".into());
        }
        let little = match self.take(1)?[0] {
            0 => false,
            1 => true,
            other => return Err(format!("invalid WKB byte order {other}")),
        };
        let code = self.u32(little)?;
        if code & 0x2000_0000 != 0 {
            self.take(4)?; // an EWKB SRID, which the GeoPackage header already gave
        }
        let (kind, z, m) = split_type(code);
        Ok(match kind {
            1 => GeometryValue::Point {
                coordinates: self.position(little, z, m)?,
            },
            2 => GeometryValue::LineString {
                coordinates: self.positions(little, z, m)?,
            },
            3 => GeometryValue::Polygon {
                coordinates: self.rings(little, z, m)?,
            },
            4 => GeometryValue::MultiPoint {
                coordinates: self
                    .members(little, depth, Some(1))?
                    .into_iter()
                    .filter_map(|g| match g {
                        GeometryValue::Point { coordinates } => Some(coordinates),
                        _ => None,
                    })
                    .collect(),
            },
            5 => GeometryValue::MultiLineString {
                coordinates: self
                    .members(little, depth, Some(2))?
                    .into_iter()
                    .filter_map(|g| match g {
                        GeometryValue::LineString { coordinates } => Some(coordinates),
                        _ => None,
                    })
                    .collect(),
            },
            6 => GeometryValue::MultiPolygon {
                coordinates: self
                    .members(little, depth, Some(3))?
                    .into_iter()
                    .filter_map(|g| match g {
                        GeometryValue::Polygon { coordinates } => Some(coordinates),
                        _ => None,
                    })
                    .collect(),
            },
            7 => GeometryValue::GeometryCollection {
                geometries: self
                    .members(little, depth, None)?
                    .into_iter()
                    .map(Geometry::new)
                    .collect(),
            },
            other => return Err(format!("unsupported WKB geometry type {other}")),
        })
    }
}

/// (base type, has Z, has M) from an ISO (1000s) or extended (high bits) WKB type code.
fn split_type(code: u32) -> (u32, bool, bool) {
    let ewkb_z = code & 0x8000_0000 != 0;
    let ewkb_m = code & 0x4000_0000 != 0;
    let iso = code & 0x0FFF_FFFF;
    let (base, iso_z, iso_m) = match iso / 1000 {
        1 => (iso % 1000, true, false),
        2 => (iso % 1000, false, true),
        3 => (iso % 1000, true, true),
        _ => (iso, false, false),
    };
    (base, iso_z || ewkb_z, iso_m || ewkb_m)
}
