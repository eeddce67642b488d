//! Coordinate reference systems the land departments use, and conversion to WGS84.
//!
//! CGCS2000 (EPSG:4490) is treated as WGS84: the two frames agree within a few centimetres,
//! far below the accuracy of cadastral plot data, and this is the usual practice in China.
//! Gauss-Krüger coordinates are inverted with the exact (Poder/Engsager) transverse Mercator,
//! the algorithm PROJ uses by default.
//!
//! Xian 1980 and Beijing 1954 are older datums on other ellipsoids, offset from WGS84 by tens
//! of metres, up to about 100 m. No national transformation is published: each department
//! holds its own 7 Helmert parameters, so data on these datums is converted only with the
//! parameters given ([`Towgs84`], or a `TOWGS84` node in the file's WKT) and refused without.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use proj4rs::proj::Proj;

use crate::error::FormatError;

/// A geodetic datum of the supported systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Datum {
    Wgs84,
    Cgcs2000,
    Xian1980,
    Beijing1954,
}

impl Datum {
    fn name(self) -> &'static str {
        match self {
            Datum::Wgs84 => "WGS 84",
            Datum::Cgcs2000 => "CGCS2000",
            Datum::Xian1980 => "Xian 1980",
            Datum::Beijing1954 => "Beijing 1954",
        }
    }

    /// Semi-major axis and inverse flattening: GRS80/CGCS2000 (which differ from WGS84's
    /// only in the 11th digit of the flattening), IAG 1975 and Krassowsky 1940.
    fn ellipsoid(self) -> (f64, f64) {
        match self {
            Datum::Wgs84 => (6_378_137.0, 298.257_223_563),
            Datum::Cgcs2000 => (6_378_137.0, 298.257_222_101),
            Datum::Xian1980 => (6_378_140.0, 298.257),
            Datum::Beijing1954 => (6_378_245.0, 298.3),
        }
    }

    /// Whether reaching WGS84 takes a datum shift (see the module docs).
    fn needs_shift(self) -> bool {
        matches!(self, Datum::Xian1980 | Datum::Beijing1954)
    }
}

/// One family of Gauss-Krüger zones with consecutive EPSG codes.
struct GkFamily {
    first: u32,
    datum: Datum,
    /// Zone width in degrees: 3 (zones 25-45, central meridian 3 × zone) or 6 (zones 13-23,
    /// central meridian 6 × zone − 3).
    width: u32,
    /// Whether the zone number is written before the easting (false easting
    /// zone × 1 000 000 + 500 000) rather than not (500 000).
    prefix: bool,
}

impl GkFamily {
    const fn new(first: u32, datum: Datum, width: u32, prefix: bool) -> GkFamily {
        GkFamily {
            first,
            datum,
            width,
            prefix,
        }
    }

    fn first_zone(&self) -> u32 {
        if self.width == 3 { 25 } else { 13 }
    }

    fn len(&self) -> u32 {
        if self.width == 3 { 21 } else { 11 }
    }

    fn contains(&self, epsg: u32) -> bool {
        (self.first..self.first + self.len()).contains(&epsg)
    }

    fn central_meridian(&self, zone: u32) -> u32 {
        if self.width == 3 {
            zone * 3
        } else {
            zone * 6 - 3
        }
    }

    /// The zone whose central meridian this is, if any.
    fn zone_of_meridian(&self, central_meridian: u32) -> Option<u32> {
        let zone = if self.width == 3 {
            central_meridian
                .is_multiple_of(3)
                .then_some(central_meridian / 3)?
        } else {
            (central_meridian + 3)
                .is_multiple_of(6)
                .then(|| (central_meridian + 3) / 6)?
        };
        (self.first_zone()..self.first_zone() + self.len())
            .contains(&zone)
            .then_some(zone)
    }
}

/// The Gauss-Krüger families, as in the EPSG registry (checked against PostGIS's
/// `spatial_ref_sys`).
const GK_FAMILIES: [GkFamily; 12] = [
    GkFamily::new(4491, Datum::Cgcs2000, 6, true),
    GkFamily::new(4502, Datum::Cgcs2000, 6, false),
    GkFamily::new(4513, Datum::Cgcs2000, 3, true),
    GkFamily::new(4534, Datum::Cgcs2000, 3, false),
    GkFamily::new(2327, Datum::Xian1980, 6, true),
    GkFamily::new(2338, Datum::Xian1980, 6, false),
    GkFamily::new(2349, Datum::Xian1980, 3, true),
    GkFamily::new(2370, Datum::Xian1980, 3, false),
    GkFamily::new(21413, Datum::Beijing1954, 6, true),
    GkFamily::new(21453, Datum::Beijing1954, 6, false),
    GkFamily::new(2401, Datum::Beijing1954, 3, true),
    GkFamily::new(2422, Datum::Beijing1954, 3, false),
];

/// A datum shift to WGS84 as PROJ's `+towgs84`: translations dx, dy, dz in metres, rotations
/// rx, ry, rz in arc-seconds and a scale difference ds in ppm, in the position-vector
/// convention (EPSG method 9606; parameters in the coordinate-frame convention, 9607, have
/// the opposite rotation signs). A 3-parameter shift has zero rotations and scale.
///
/// Parsed from `dx,dy,dz` or `dx,dy,dz,rx,ry,rz,ds`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Towgs84([f64; 7]);

impl Towgs84 {
    /// A shift from 3 or 7 finite values; `None` for any other count.
    pub fn from_values(values: &[f64]) -> Option<Towgs84> {
        if !matches!(values.len(), 3 | 7) || !values.iter().all(|v| v.is_finite()) {
            return None;
        }
        let mut all = [0.0; 7];
        for (to, from) in all.iter_mut().zip(values) {
            // Adding zero turns -0 into 0, so that equal shifts hash alike.
            *to = from + 0.0;
        }
        Some(Towgs84(all))
    }

    /// dx, dy, dz, rx, ry, rz, ds.
    pub fn values(self) -> [f64; 7] {
        self.0
    }

    fn is_zero(self) -> bool {
        self.0.iter().all(|v| *v == 0.0)
    }
}

impl Eq for Towgs84 {}

impl Hash for Towgs84 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for v in self.0 {
            v.to_bits().hash(state);
        }
    }
}

impl fmt::Display for Towgs84 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = if self.0[3..].iter().all(|v| *v == 0.0) {
            3
        } else {
            7
        };
        for (i, v) in self.0[..count].iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Towgs84 {
    type Err = InvalidTowgs84;

    fn from_str(s: &str) -> Result<Towgs84, InvalidTowgs84> {
        let values: Option<Vec<f64>> = s.split(',').map(|v| v.trim().parse().ok()).collect();
        values
            .as_deref()
            .and_then(Towgs84::from_values)
            .ok_or_else(|| InvalidTowgs84(s.chars().take(120).collect()))
    }
}

/// A datum shift that is not 3 or 7 finite numbers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "invalid datum shift `{0}`: expected 3 or 7 comma-separated numbers \
     (dx,dy,dz in m, rx,ry,rz in arc-seconds, ds in ppm)"
)]
pub struct InvalidTowgs84(String);

/// A supported coordinate reference system, always one with an EPSG code:
/// EPSG:4326 (WGS84), EPSG:4490 (CGCS2000, taken as WGS84, see the module docs), EPSG:3857
/// (Web Mercator), the CGCS2000 Gauss-Krüger zones (3-degree: 4513–4533 with the zone number
/// before the easting, x = 35 500 000 on zone 35's meridian, 4534–4554 without; 6-degree:
/// 4491–4501 with, 4502–4512 without), Xian 1980 (4610; 6-degree zones 2327–2337 and
/// 2338–2348, 3-degree 2349–2369 and 2370–2390) and Beijing 1954 (4214; 6-degree 21413–21423
/// and 21453–21463, 3-degree 2401–2421 and 2422–2442). Xian 1980 and Beijing 1954 also carry
/// their datum shift to WGS84 when one is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crs {
    epsg: u32,
    towgs84: Option<Towgs84>,
}

/// What a supported code means.
enum Kind {
    Geographic(Datum),
    WebMercator,
    GaussKruger {
        datum: Datum,
        central_meridian: u32,
        false_easting: f64,
    },
}

impl Crs {
    /// EPSG:4326, WGS84 longitude/latitude.
    pub const WGS84: Crs = Crs::code(4326);
    /// EPSG:4490, CGCS2000 longitude/latitude.
    pub const CGCS2000: Crs = Crs::code(4490);
    /// EPSG:3857, Web Mercator.
    pub const WEB_MERCATOR: Crs = Crs::code(3857);
    /// EPSG:4610, Xian 1980 longitude/latitude.
    pub const XIAN1980: Crs = Crs::code(4610);
    /// EPSG:4214, Beijing 1954 longitude/latitude.
    pub const BEIJING1954: Crs = Crs::code(4214);

    const fn code(epsg: u32) -> Crs {
        Crs {
            epsg,
            towgs84: None,
        }
    }

    /// The CRS of an EPSG code, if supported.
    pub fn from_epsg(code: u32) -> Result<Crs, FormatError> {
        match code {
            4326 | 4490 | 3857 | 4610 | 4214 => Ok(Crs::code(code)),
            900_913 => Ok(Crs::WEB_MERCATOR),
            // Deprecated duplicates ("Beijing 1954 / Gauss-Kruger 13N"…) of 21453–21463.
            21_473..=21_483 => Ok(Crs::code(code - 20)),
            _ if GK_FAMILIES.iter().any(|f| f.contains(code)) => Ok(Crs::code(code)),
            _ => Err(FormatError::UnsupportedCrs(format!("EPSG:{code}"))),
        }
    }

    /// The CGCS2000 3-degree Gauss-Krüger zone with this central meridian (75 to 135, in
    /// steps of 3), with or without the zone number before the easting.
    pub fn cgcs2000_gk3(central_meridian: u32, zone_prefix: bool) -> Result<Crs, FormatError> {
        gauss_kruger(Datum::Cgcs2000, 3, central_meridian, zone_prefix).ok_or_else(|| {
            FormatError::UnsupportedCrs(format!(
                "CGCS2000 3-degree Gauss-Kruger with central meridian {central_meridian}E"
            ))
        })
    }

    /// The CGCS2000 6-degree Gauss-Krüger zone with this central meridian (75 to 135, in
    /// steps of 6), with or without the zone number before the easting.
    pub fn cgcs2000_gk6(central_meridian: u32, zone_prefix: bool) -> Result<Crs, FormatError> {
        gauss_kruger(Datum::Cgcs2000, 6, central_meridian, zone_prefix).ok_or_else(|| {
            FormatError::UnsupportedCrs(format!(
                "CGCS2000 6-degree Gauss-Kruger with central meridian {central_meridian}E"
            ))
        })
    }

    /// The EPSG code.
    pub fn epsg(self) -> u32 {
        self.epsg
    }

    /// The central meridian in degrees east, for Gauss-Krüger zones.
    pub fn central_meridian(self) -> Option<u32> {
        match self.kind() {
            Kind::GaussKruger {
                central_meridian, ..
            } => Some(central_meridian),
            _ => None,
        }
    }

    /// Whether the datum is Xian 1980 or Beijing 1954, whose conversion to WGS84 needs a
    /// datum shift.
    pub fn needs_towgs84(self) -> bool {
        self.datum().needs_shift()
    }

    /// The datum shift to WGS84, when one is known.
    pub fn towgs84(self) -> Option<Towgs84> {
        self.towgs84
    }

    /// This CRS with the given datum shift to WGS84, replacing any it had. Systems that need
    /// none (WGS84, CGCS2000, Web Mercator) are returned unchanged.
    pub fn with_towgs84(self, towgs84: Towgs84) -> Crs {
        Crs {
            epsg: self.epsg,
            towgs84: self.needs_towgs84().then_some(towgs84),
        }
    }

    fn datum(self) -> Datum {
        match self.kind() {
            Kind::Geographic(datum) | Kind::GaussKruger { datum, .. } => datum,
            Kind::WebMercator => Datum::Wgs84,
        }
    }

    fn kind(self) -> Kind {
        match self.epsg {
            3857 => Kind::WebMercator,
            4490 => Kind::Geographic(Datum::Cgcs2000),
            4610 => Kind::Geographic(Datum::Xian1980),
            4214 => Kind::Geographic(Datum::Beijing1954),
            code => match GK_FAMILIES.iter().find(|f| f.contains(code)) {
                Some(family) => {
                    let zone = family.first_zone() + (code - family.first);
                    Kind::GaussKruger {
                        datum: family.datum,
                        central_meridian: family.central_meridian(zone),
                        false_easting: if family.prefix {
                            f64::from(zone) * 1e6 + 500_000.0
                        } else {
                            500_000.0
                        },
                    }
                }
                None => Kind::Geographic(Datum::Wgs84),
            },
        }
    }

    /// The EPSG name, as in the registry.
    fn name(self) -> String {
        match self.kind() {
            Kind::Geographic(datum) => datum.name().to_string(),
            Kind::WebMercator => "WGS 84 / Pseudo-Mercator".to_string(),
            Kind::GaussKruger { datum, .. } => {
                let Some(family) = GK_FAMILIES.iter().find(|f| f.contains(self.epsg)) else {
                    return datum.name().to_string();
                };
                let degree = if family.width == 3 { "3-degree " } else { "" };
                let which = if family.prefix {
                    format!("zone {}", family.first_zone() + self.epsg - family.first)
                } else {
                    format!("CM {}E", self.central_meridian().unwrap_or_default())
                };
                format!("{} / {degree}Gauss-Kruger {which}", datum.name())
            }
        }
    }

    /// The CRS described by WKT (a Shapefile `.prj`, a GeoPackage srs definition).
    ///
    /// Tried in order: the outermost EPSG authority code; the transverse Mercator parameters
    /// (central meridian, false easting) on a supported datum, with the ESRI/EPSG name telling
    /// 3-degree from 6-degree zones where the parameters cannot (no zone prefix, a central
    /// meridian of both families: then 3-degree, the same projection); the name alone;
    /// geographic and Web Mercator names. A non-zero `TOWGS84` node is kept as the datum
    /// shift of Xian 1980 and Beijing 1954 systems.
    pub fn from_wkt(wkt: &str) -> Result<Crs, FormatError> {
        let crs = crs_from_wkt(wkt).ok_or_else(|| {
            let head: String = wkt.chars().take(120).collect();
            FormatError::UnsupportedCrs(head)
        })?;
        // Some writers put an all-zero TOWGS84 on every datum: it says nothing about the
        // shift, and taking it would put the data tens of metres off without a word.
        Ok(match wkt_towgs84(wkt) {
            Some(towgs84) if !towgs84.is_zero() => crs.with_towgs84(towgs84),
            _ => crs,
        })
    }

    /// The PROJ strings (source, target) for the systems that need converting: the target
    /// is geographic on the same ellipsoid without a datum shift, and WGS84 with one.
    fn proj_strings(self) -> Result<Option<(String, String)>, FormatError> {
        let datum = self.datum();
        let shift = match (datum.needs_shift(), self.towgs84) {
            (false, _) => String::new(),
            (true, Some(towgs84)) => format!(" +towgs84={}", join(&towgs84.values())),
            (true, None) => {
                return Err(FormatError::UnsupportedCrs(format!(
                    "{self} ({}) without a datum shift: {} reaches WGS84 only with the land \
                     department's 7 parameters, as no national ones are published, and without \
                     them every coordinate would be off by tens of metres, up to about 100 m. \
                     Give them as --towgs84 dx,dy,dz,rx,ry,rz,ds (towgs84= on POST \
                     /api/import): metres, arc-seconds, ppm, position vector as PROJ's +towgs84",
                    self.name(),
                    datum.name()
                )));
            }
        };
        let (a, rf) = datum.ellipsoid();
        let ellipsoid = format!("+a={a} +rf={rf}");
        let target = if datum.needs_shift() {
            "+proj=longlat +datum=WGS84 +no_defs".to_string()
        } else {
            format!("+proj=longlat {ellipsoid} +no_defs")
        };
        Ok(match self.kind() {
            Kind::Geographic(datum) if !datum.needs_shift() => None,
            Kind::Geographic(_) => Some((
                format!("+proj=longlat {ellipsoid}{shift} +no_defs"),
                target,
            )),
            // Web Mercator is defined on the sphere: its inverse yields WGS84 angles directly.
            Kind::WebMercator => Some((
                "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +no_defs".into(),
                "+proj=longlat +a=6378137 +b=6378137 +no_defs".into(),
            )),
            Kind::GaussKruger {
                central_meridian,
                false_easting,
                ..
            } => Some((
                format!(
                    "+proj=etmerc +lat_0=0 +lon_0={central_meridian} +k=1 +x_0={false_easting} \
                     +y_0=0 {ellipsoid}{shift} +units=m +no_defs"
                ),
                target,
            )),
        })
    }
}

impl fmt::Display for Crs {
    /// `EPSG:2383`, followed by ` +towgs84=…` when the CRS carries a datum shift.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.epsg())?;
        match self.towgs84 {
            Some(towgs84) => write!(f, " +towgs84={towgs84}"),
            None => Ok(()),
        }
    }
}

impl FromStr for Crs {
    type Err = FormatError;

    /// Parses `EPSG:4527`, `4527`, `urn:ogc:def:crs:EPSG::4527`, OGC `CRS84`, or an
    /// `http://www.opengis.net/def/crs/EPSG/0/4527` URI.
    fn from_str(s: &str) -> Result<Crs, FormatError> {
        let t = s.trim();
        let upper = t.to_ascii_uppercase();
        if upper.ends_with("CRS84") {
            return Ok(Crs::WGS84);
        }
        let is_epsg = upper.starts_with("EPSG:")
            || upper.starts_with("URN:OGC:DEF:CRS:EPSG:")
            || upper.contains("/DEF/CRS/EPSG/")
            || upper.bytes().all(|b| b.is_ascii_digit());
        let code = upper
            .rsplit([':', '/'])
            .next()
            .and_then(|c| c.parse::<u32>().ok());
        match code {
            Some(code) if is_epsg => Crs::from_epsg(code),
            _ => Err(FormatError::UnsupportedCrs(t.chars().take(120).collect())),
        }
    }
}

/// Converts coordinates of one CRS to WGS84 longitude/latitude in degrees.
pub(crate) struct ToWgs84 {
    projs: Option<(Proj, Proj)>,
    /// Whether the source is geographic (degrees, which `proj4rs` takes in radians).
    geographic: bool,
}

impl ToWgs84 {
    /// The conversion; an error for Xian 1980 and Beijing 1954 without a datum shift.
    pub(crate) fn new(crs: Crs) -> Result<ToWgs84, FormatError> {
        let projs = match crs.proj_strings()? {
            None => None,
            Some((from, to)) => {
                let make = |s: &str| {
                    Proj::from_proj_string(s)
                        .map_err(|e| FormatError::UnsupportedCrs(format!("{crs}: {e}")))
                };
                Some((make(&from)?, make(&to)?))
            }
        };
        Ok(ToWgs84 {
            projs,
            geographic: matches!(crs.kind(), Kind::Geographic(_)),
        })
    }

    /// Longitude and latitude in degrees; an error for points the projection cannot invert.
    pub(crate) fn convert(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        let Some((from, to)) = &self.projs else {
            return Ok((x, y));
        };
        let mut point = if self.geographic {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        };
        proj4rs::transform::transform(from, to, &mut point)
            .map_err(|e| format!("cannot convert ({x}, {y}) to WGS84: {e}"))?;
        let (lon, lat) = (point.0.to_degrees(), point.1.to_degrees());
        if !lon.is_finite() || !lat.is_finite() {
            return Err(format!("cannot convert ({x}, {y}) to WGS84"));
        }
        Ok((lon, lat))
    }
}

/// Comma-separated values as PROJ reads them.
fn join(values: &[f64]) -> String {
    values
        .iter()
        .map(f64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The Gauss-Krüger zone of this datum, width and central meridian, if it has an EPSG code.
fn gauss_kruger(datum: Datum, width: u32, central_meridian: u32, prefix: bool) -> Option<Crs> {
    let family = GK_FAMILIES
        .iter()
        .find(|f| f.datum == datum && f.width == width && f.prefix == prefix)?;
    let zone = family.zone_of_meridian(central_meridian)?;
    Some(Crs::code(family.first + zone - family.first_zone()))
}

fn crs_from_wkt(wkt: &str) -> Option<Crs> {
    let norm = normalise(wkt);
    let projected = norm.starts_with("projcs") || norm.starts_with("projcrs");
    // A trailing authority may belong to a unit rather than to the CRS, or (without an
    // outer one) to the geographic CRS inside a projected one: only trust it when it names a
    // supported CRS of the right kind, else go on to the names and parameters.
    if let Some(crs) = last_epsg_authority(wkt).and_then(|c| Crs::from_epsg(c).ok())
        && !(projected && matches!(crs.kind(), Kind::Geographic(_)))
    {
        return Some(crs);
    }
    let datum = match datums_in(&norm)[..] {
        [] => None,
        [datum] => Some(datum),
        // Two datums named (say, a Xian 1980 system on the CGCS2000 ellipsoid): one is wrong.
        _ => return None,
    };
    if projected {
        let named = gk_from_name(&normalise(&wkt_name(wkt)));
        let is_tm = norm.contains("transverse_mercator") || norm.contains("_gk_");
        if let (true, Some(datum)) = (is_tm, datum) {
            if !ellipsoid_matches(wkt, datum) {
                return None;
            }
            if let Some((cm, fe, gk)) = tm_parameters(wkt) {
                // The parameters are what the coordinates follow; the name only says which of
                // two codes for the same projection the sender meant.
                let hint = named.filter(|n| n.1 == datum).map(|n| n.2);
                return gk.then(|| gk_from_parameters(datum, (cm, fe), hint))?;
            }
        }
        if let Some((crs, named_datum, _)) = named {
            let agrees = datum.is_none_or(|d| d == named_datum);
            return (agrees && ellipsoid_matches(wkt, named_datum)).then_some(crs);
        }
        if norm.contains("web_mercator") || norm.contains("pseudo_mercator") {
            return Some(Crs::WEB_MERCATOR);
        }
        return None;
    }
    if norm.starts_with("geogcs") || norm.starts_with("geogcrs") {
        return match datum {
            Some(Datum::Cgcs2000) => Some(Crs::CGCS2000),
            Some(Datum::Xian1980) if ellipsoid_matches(wkt, Datum::Xian1980) => Some(Crs::XIAN1980),
            Some(Datum::Beijing1954) if ellipsoid_matches(wkt, Datum::Beijing1954) => {
                Some(Crs::BEIJING1954)
            }
            Some(_) => None,
            None => (norm.contains("wgs_1984") || norm.contains("wgs_84")).then_some(Crs::WGS84),
        };
    }
    None
}

/// Lower-cases and turns every run of separators into one `_`, so that ESRI's
/// `CGCS2000_3_Degree_GK_Zone_35` and EPSG's `CGCS2000 / 3-degree Gauss-Kruger zone 35` compare.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim_start().chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    // "Krüger" loses its umlaut to a separator.
    out.replace("gauss_kruger", "gk")
        .replace("gauss_kr_ger", "gk")
}

/// The supported datums named in normalised WKT.
fn datums_in(norm: &str) -> Vec<Datum> {
    // New Beijing is Beijing 1954 re-adjusted: another datum, not supported.
    if norm.contains("new_beijing") {
        return Vec::new();
    }
    let names: [(Datum, &[&str]); 3] = [
        (
            Datum::Cgcs2000,
            &[
                "cgcs2000",
                "china_2000",
                "china_geodetic_coordinate_system_2000",
            ],
        ),
        (Datum::Xian1980, &["xian_1980", "xian80", "xian_80"]),
        (
            Datum::Beijing1954,
            &["beijing_1954", "beijing54", "beijing_54"],
        ),
    ];
    names
        .iter()
        .filter(|(_, keys)| keys.iter().any(|k| norm.contains(k)))
        .map(|(datum, _)| *datum)
        .collect()
}

/// Whether the first SPHEROID/ELLIPSOID, when there is one, is the datum's, so that a system
/// named after one datum but defined on another ellipsoid is refused rather than guessed.
fn ellipsoid_matches(wkt: &str, datum: Datum) -> bool {
    let upper = wkt.to_ascii_uppercase();
    let Some(at) = ["SPHEROID[", "ELLIPSOID["]
        .iter()
        .filter_map(|key| upper.find(key).map(|i| i + key.len()))
        .min()
    else {
        return true;
    };
    let body = &wkt[at..];
    let body = &body[..body.find(']').unwrap_or(body.len())];
    let numbers: Vec<f64> = body
        .split(',')
        .skip(1)
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let (a, rf) = datum.ellipsoid();
    match numbers[..] {
        [sa, srf, ..] => (sa - a).abs() < 0.5 && (srf - rf).abs() < 1e-3,
        _ => true,
    }
}

/// The first quoted string: the name of the outermost object.
fn wkt_name(wkt: &str) -> String {
    wkt.split('"').nth(1).unwrap_or_default().to_string()
}

/// The EPSG code of the last authority in the text: in WKT1 the outermost object's
/// AUTHORITY comes last, in WKT2 its ID.
fn last_epsg_authority(wkt: &str) -> Option<u32> {
    let upper: String = wkt
        .to_ascii_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let at = ["AUTHORITY[\"EPSG\",", ",ID[\"EPSG\","]
        .iter()
        .filter_map(|key| upper.rfind(key).map(|i| i + key.len()))
        .max()?;
    let digits: String = upper[at..]
        .chars()
        .skip_while(|c| *c == '"')
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The WKT1 `TOWGS84[dx,dy,dz,rx,ry,rz,ds]` node, if well formed.
fn wkt_towgs84(wkt: &str) -> Option<Towgs84> {
    let upper = wkt.to_ascii_uppercase();
    let start = upper.find("TOWGS84[")? + "TOWGS84[".len();
    let end = start + upper[start..].find(']')?;
    wkt[start..end].parse().ok()
}

/// A Gauss-Krüger zone as its ESRI or EPSG name gives it: `cgcs2000_3_degree_gk_zone_35`,
/// `cgcs2000_3_degree_gk_cm_105e`, `xian_1980_gk_zone_18`, `beijing_1954_gk_cm_105e`;
/// with the datum named and the zone width.
fn gk_from_name(norm: &str) -> Option<(Crs, Datum, u32)> {
    let prefixes = [
        ("cgcs2000_", Datum::Cgcs2000),
        ("xian_1980_", Datum::Xian1980),
        ("beijing_1954_", Datum::Beijing1954),
    ];
    if norm.contains("new_beijing") {
        return None;
    }
    let (rest, datum) = prefixes
        .iter()
        .find_map(|(key, datum)| Some((&norm[norm.find(key)? + key.len()..], *datum)))?;
    let (width, rest) = match rest.strip_prefix("3_degree_gk_") {
        Some(rest) => (3, rest),
        None => (6, rest.strip_prefix("gk_")?),
    };
    fn number(s: &str) -> Option<(u32, &str)> {
        let digits: String = s.chars().take(4).take_while(char::is_ascii_digit).collect();
        Some((digits.parse().ok()?, &s[digits.len()..]))
    }
    let crs = if let Some(cm) = rest.strip_prefix("cm_") {
        gauss_kruger(datum, width, number(cm)?.0, false)?
    } else {
        // EPSG's deprecated names have no "zone": "Beijing 1954 / Gauss-Kruger 13N".
        let (zone, after) = number(rest.strip_prefix("zone_").unwrap_or(rest))?;
        let family = GK_FAMILIES
            .iter()
            .find(|f| f.datum == datum && f.width == width)?;
        // "Zone 13N" is the zone without the prefix (EPSG:21473, now 21453).
        let prefix = !after.starts_with('n');
        gauss_kruger(datum, width, family.central_meridian(zone), prefix)?
    };
    Some((crs, datum, width))
}

/// The central meridian and false easting of a transverse Mercator, and whether it has
/// unit scale and no false northing or latitude of origin, as Gauss-Krüger zones have.
fn tm_parameters(wkt: &str) -> Option<(f64, f64, bool)> {
    let param = |name: &str| wkt_parameter(wkt, name);
    let cm = param("central_meridian").or_else(|| param("longitude_of_natural_origin"))?;
    let fe = param("false_easting")?;
    let zero = |v: Option<f64>| v.is_none_or(|v| v.abs() < 1e-9);
    let one = |v: Option<f64>| v.is_none_or(|v| (v - 1.0).abs() < 1e-12);
    let gk = zero(param("false_northing"))
        && zero(param("latitude_of_origin").or_else(|| param("latitude_of_natural_origin")))
        && one(param("scale_factor").or_else(|| param("scale_factor_at_natural_origin")));
    Some((cm, fe, gk))
}

/// The zone of a datum with these parameters. Without a zone prefix a central meridian of
/// both families (every 6-degree one is also a 3-degree one) is the same projection under
/// two codes: the name's width decides, else the 3-degree code, the more common one.
fn gk_from_parameters(datum: Datum, (cm, fe): (f64, f64), width: Option<u32>) -> Option<Crs> {
    if cm.fract() != 0.0 || !(75.0..=135.0).contains(&cm) {
        return None;
    }
    let cm = cm as u32;
    if (fe - 500_000.0).abs() < 1e-6 {
        return width
            .into_iter()
            .chain([3, 6])
            .find_map(|w| gauss_kruger(datum, w, cm, false));
    }
    let zone = (fe - 500_000.0) / 1e6;
    if zone.fract().abs() > 1e-12 {
        return None;
    }
    [3, 6].into_iter().find_map(|w| {
        let crs = gauss_kruger(datum, w, cm, true)?;
        let Kind::GaussKruger { false_easting, .. } = crs.kind() else {
            return None;
        };
        ((false_easting - fe).abs() < 1e-6).then_some(crs)
    })
}

/// The value of `PARAMETER["name", value]` (case-insensitive name).
fn wkt_parameter(wkt: &str, name: &str) -> Option<f64> {
    let lower = wkt.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("parameter[") {
        let start = from + at + "parameter[".len();
        let end = start + lower[start..].find(']')?;
        let body = &lower[start..end];
        let mut parts = body.splitn(2, ',');
        let key = parts.next()?.trim().trim_matches('"').replace(' ', "_");
        if key == name {
            let value = parts.next()?.split(',').next()?.trim();
            return value.parse().ok();
        }
        from = end;
    }
    None
}
