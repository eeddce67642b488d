//! Coordinate reference systems the land departments use, and conversion to WGS84.
//!
//! CGCS2000 (EPSG:4490) is treated as WGS84: the two frames agree within a few centimetres,
//! far below the accuracy of cadastral plot data, and this is the usual practice in China.
//! Gauss-Krüger coordinates are inverted on the CGCS2000 ellipsoid with the exact
//! (Poder/Engsager) transverse Mercator, the algorithm PROJ uses by default.

use std::fmt;
use std::str::FromStr;

use proj4rs::proj::Proj;

use crate::error::FormatError;

/// CGCS2000's inverse flattening (its semi-major axis is 6 378 137 m, as GRS80's).
const CGCS2000_RF: f64 = 298.257_222_101;

/// A supported coordinate reference system, always one with an EPSG code:
/// EPSG:4326 (WGS84), EPSG:4490 (CGCS2000, taken as WGS84, see the module docs), EPSG:3857
/// (Web Mercator) and the CGCS2000 3-degree Gauss-Krüger zones, EPSG:4513–4533 (zone number
/// before the easting: x = 35 500 000 on zone 35's meridian) and EPSG:4534–4554 (no prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crs {
    epsg: u32,
}

/// What a supported code means.
enum Kind {
    Geographic,
    WebMercator,
    GaussKruger {
        central_meridian: u32,
        false_easting: f64,
    },
}

impl Crs {
    /// EPSG:4326, WGS84 longitude/latitude.
    pub const WGS84: Crs = Crs { epsg: 4326 };
    /// EPSG:4490, CGCS2000 longitude/latitude.
    pub const CGCS2000: Crs = Crs { epsg: 4490 };
    /// EPSG:3857, Web Mercator.
    pub const WEB_MERCATOR: Crs = Crs { epsg: 3857 };

    /// The CRS of an EPSG code, if supported.
    pub fn from_epsg(code: u32) -> Result<Crs, FormatError> {
        match code {
            4326 | 4490 | 3857 | 4513..=4554 => Ok(Crs { epsg: code }),
            900_913 => Ok(Crs::WEB_MERCATOR),
            _ => Err(FormatError::UnsupportedCrs(format!("EPSG:{code}"))),
        }
    }

    /// The CGCS2000 3-degree Gauss-Krüger zone with this central meridian (75 to 135, in
    /// steps of 3), with or without the zone number before the easting.
    pub fn cgcs2000_gk3(central_meridian: u32, zone_prefix: bool) -> Result<Crs, FormatError> {
        if !(75..=135).contains(&central_meridian) || !central_meridian.is_multiple_of(3) {
            return Err(FormatError::UnsupportedCrs(format!(
                "CGCS2000 3-degree Gauss-Kruger with central meridian {central_meridian}E"
            )));
        }
        let step = (central_meridian - 75) / 3;
        Ok(Crs {
            epsg: if zone_prefix {
                4513 + step
            } else {
                4534 + step
            },
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

    fn kind(self) -> Kind {
        match self.epsg {
            3857 => Kind::WebMercator,
            4513..=4533 => {
                let zone = self.epsg - 4513 + 25;
                Kind::GaussKruger {
                    central_meridian: zone * 3,
                    false_easting: f64::from(zone) * 1e6 + 500_000.0,
                }
            }
            4534..=4554 => Kind::GaussKruger {
                central_meridian: 75 + (self.epsg - 4534) * 3,
                false_easting: 500_000.0,
            },
            _ => Kind::Geographic,
        }
    }

    /// The CRS described by WKT (a Shapefile `.prj`, a GeoPackage srs definition).
    ///
    /// Tried in order: the outermost EPSG authority code; the ESRI/EPSG names of the CGCS2000
    /// 3-degree zones; the transverse Mercator parameters (central meridian, false easting)
    /// on the CGCS2000 datum; geographic and Web Mercator names.
    pub fn from_wkt(wkt: &str) -> Result<Crs, FormatError> {
        let unsupported = || {
            let head: String = wkt.chars().take(120).collect();
            FormatError::UnsupportedCrs(head)
        };
        // A trailing authority may belong to a unit rather than to the CRS: only trust it when
        // it names a CRS we support, else go on to the names and parameters.
        if let Some(crs) = last_epsg_authority(wkt).and_then(|c| Crs::from_epsg(c).ok()) {
            return Ok(crs);
        }
        let norm = normalise(wkt);
        let projected = norm.starts_with("projcs") || norm.starts_with("projcrs");
        if projected {
            if let Some(crs) = gk_from_name(&norm) {
                return Ok(crs);
            }
            let is_tm = norm.contains("transverse_mercator") || norm.contains("_gk_");
            let is_cgcs = norm.contains("cgcs2000") || norm.contains("china_2000");
            if is_tm && is_cgcs {
                return gk_from_parameters(wkt).ok_or_else(unsupported);
            }
            if norm.contains("web_mercator") || norm.contains("pseudo_mercator") {
                return Ok(Crs::WEB_MERCATOR);
            }
            return Err(unsupported());
        }
        if norm.starts_with("geogcs") || norm.starts_with("geogcrs") {
            if norm.contains("cgcs2000") || norm.contains("china_2000") {
                return Ok(Crs::CGCS2000);
            }
            if norm.contains("wgs_1984") || norm.contains("wgs_84") {
                return Ok(Crs::WGS84);
            }
        }
        Err(unsupported())
    }

    /// The PROJ strings (source, geographic on the same ellipsoid) for projected systems.
    fn proj_strings(self) -> Option<(String, String)> {
        match self.kind() {
            Kind::Geographic => None,
            // Web Mercator is defined on the sphere: its inverse yields WGS84 angles directly.
            Kind::WebMercator => Some((
                "+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +no_defs".into(),
                "+proj=longlat +a=6378137 +b=6378137 +no_defs".into(),
            )),
            Kind::GaussKruger { central_meridian, false_easting } => Some((
                format!(
                    "+proj=etmerc +lat_0=0 +lon_0={central_meridian} +k=1 +x_0={false_easting} \
                     +y_0=0 +a=6378137 +rf={CGCS2000_RF} +units=m +no_defs"
                ),
                format!("+proj=longlat +a=6378137 +rf={CGCS2000_RF} +no_defs"),
            )),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EPSG:{}", self.epsg())
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
}

impl ToWgs84 {
    pub(crate) fn new(crs: Crs) -> Result<ToWgs84, FormatError> {
        let projs = match crs.proj_strings() {
            None => None,
            Some((from, to)) => {
                let make = |s: &str| {
                    Proj::from_proj_string(s)
                        .map_err(|e| FormatError::UnsupportedCrs(format!("{crs}: {e}")))
                };
                Some((make(&from)?, make(&to)?))
            }
        };
        Ok(ToWgs84 { projs })
    }

    /// Longitude and latitude in degrees; an error for points the projection cannot invert.
    pub(crate) fn convert(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        let Some((from, to)) = &self.projs else {
            return Ok((x, y));
        };
        let mut point = (x, y, 0.0);
        proj4rs::transform::transform(from, to, &mut point)
            .map_err(|e| format!("cannot convert ({x}, {y}) to WGS84: {e}"))?;
        Ok((point.0.to_degrees(), point.1.to_degrees()))
    }
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
    out.replace("gauss_kruger", "gk")
        .replace("gauss_krüger", "gk")
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

/// `cgcs2000_3_degree_gk_zone_35` or `cgcs2000_3_degree_gk_cm_105e`, as in ESRI and EPSG names.
fn gk_from_name(norm: &str) -> Option<Crs> {
    const KEY: &str = "cgcs2000_3_degree_gk_";
    let rest = &norm[norm.find(KEY)? + KEY.len()..];
    let number = |s: &str| -> Option<u32> {
        let digits: String = s.chars().take(4).take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    if let Some(zone) = rest.strip_prefix("zone_") {
        Crs::cgcs2000_gk3(number(zone)? * 3, true).ok()
    } else {
        Crs::cgcs2000_gk3(number(rest.strip_prefix("cm_")?)?, false).ok()
    }
}

/// A CGCS2000 transverse Mercator defined only by its parameters.
fn gk_from_parameters(wkt: &str) -> Option<Crs> {
    let param = |name: &str| wkt_parameter(wkt, name);
    let cm = param("central_meridian").or_else(|| param("longitude_of_natural_origin"))?;
    let fe = param("false_easting")?;
    let zero = |v: Option<f64>| v.is_none_or(|v| v.abs() < 1e-9);
    let one = |v: Option<f64>| v.is_none_or(|v| (v - 1.0).abs() < 1e-12);
    if !zero(param("false_northing"))
        || !zero(param("latitude_of_origin").or_else(|| param("latitude_of_natural_origin")))
        || !one(param("scale_factor").or_else(|| param("scale_factor_at_natural_origin")))
        || cm.fract() != 0.0
        || !(75.0..=135.0).contains(&cm)
    {
        return None;
    }
    let central_meridian = cm as u32;
    let prefixed = f64::from(central_meridian / 3) * 1e6 + 500_000.0;
    if (fe - 500_000.0).abs() < 1e-6 {
        Crs::cgcs2000_gk3(central_meridian, false).ok()
    } else if (fe - prefixed).abs() < 1e-6 {
        Crs::cgcs2000_gk3(central_meridian, true).ok()
    } else {
        None
    }
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
