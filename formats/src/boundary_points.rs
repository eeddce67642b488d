//! The boundary-point coordinate file (界址点坐标文件) of the Ministry's exchange format, in
//! which land supply hands over a survey (勘测定界) or a land-use submission (建设用地报批):
//!
//! ```text
//! [属性描述]
//! 格式版本号=1.01版本
//! 坐标系=2000国家大地坐标系
//! 几度分带=3
//! 投影类型=高斯克吕格
//! 计量单位=米
//! 带号=35
//! 精度=0.001
//! 转换参数=,,,,,,
//! [地块坐标]
//! 5,0.0452,WJ-01,温江一号地块,面,,工业用地,0601,@
//! J1,1,3395123.456,35512345.678
//! …
//! ```
//!
//! Each plot is a header line `界址点数,地块面积,地块编号,地块名称,记录图形属性,图幅号,地块用途,
//! 地类编码,@` and its points `点号,圈号,X,Y`, X the northing and Y the easting as Chinese
//! surveying writes them, Y with or without the zone number in front. How it is read:
//!
//! - Text: UTF-8 (with or without BOM) when it is valid UTF-8, else GB18030, which decodes GBK
//!   and GB2312 too; UTF-16 with a BOM. Full-width commas count as commas.
//! - Plot header fields are placed around 记录图形属性 (面, 线 or 点): provincial variants insert
//!   fields before 地块编号 and some exporters drop one, but the fields beside it keep their
//!   meaning. The last field is `@`.
//! - Coordinate system: 坐标系 (2000国家大地坐标系, 1980西安, 1954北京), 几度分带 (3 or 6, else
//!   told by the zone number) and 带号 (a zone number, or a central meridian when 75 or more);
//!   without 带号 the zone prefix of the eastings gives it. [`ReadOptions::crs`] overrides all
//!   of it. 转换参数 is not applied: its convention is not stated, and an older datum is
//!   converted only with the shift given to the reader.
//! - A file whose first point has an easting where the northing belongs, and the reverse, is
//!   read with the two swapped: some tools write Y first. In China the ranges cannot be
//!   confused (northings 1 000 000 to 9 999 999 m, eastings below 1 000 000 m or, with the
//!   zone prefix, above 13 000 000 m).
//! - Rings: consecutive points of one 圈号, a new ring starting where a ring has closed and
//!   the points go on. Each ring is closed if its last point does not repeat the first. A ring
//!   inside another is its hole, a ring inside a hole a new part, any other ring a new part:
//!   圈号 1 is the exterior, and further numbers are holes (扣除内部面积) or further parts.
//! - 界址点数 may count the closing repeats or not; 0 means not given.
//! - 地块面积 is in hectares (公顷), as the Ministry's format says; a unit written after the
//!   value (公顷, 平方米, 亩) is followed; a bare value within 5 % of the plot's planar area in
//!   square metres is taken as square metres, which some exporters write. It becomes
//!   `area_m2`; 0 or blank gives none.
//!
//! A problem with the file as a whole is a [`FormatError::BoundaryPoints`] naming the line; a
//! problem with one plot is that plot's [`crate::FeatureError`], naming the line, and the other
//! plots are still read.

use std::borrow::Cow;
use std::collections::HashMap;

use encoding_rs::Encoding;
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Area, Coord, LineString, Polygon};
use geojson::{GeometryValue, Position};
use serde_json::{Map, Number, Value};

use crate::{Crs, Dataset, Finisher, Format, FormatError, RawFeature, ReadOptions, Record};

/// The first section's header in UTF-8 and in GBK.
const ATTRIBUTES_UTF8: &[u8] = "[属性描述]".as_bytes();
const ATTRIBUTES_GBK: &[u8] = b"[\xca\xf4\xd0\xd4\xc3\xe8\xca\xf6]";

/// Whether the bytes start (after a BOM and white space) with `[属性描述]`, in UTF-8, GBK or
/// UTF-16.
pub(crate) fn looks_like(bytes: &[u8]) -> bool {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes)
        && encoding != encoding_rs::UTF_8
    {
        let head = &bytes[bom..bytes.len().min(bom + 64)];
        let (text, _) = encoding.decode_without_bom_handling(head);
        return text.trim_start().starts_with("[属性描述]");
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let text = &text[start..];
    text.starts_with(ATTRIBUTES_UTF8) || text.starts_with(ATTRIBUTES_GBK)
}

fn file_error(line: Option<usize>, reason: impl Into<String>) -> FormatError {
    FormatError::BoundaryPoints {
        line,
        reason: reason.into(),
    }
}

/// Reads every plot of the file.
pub(crate) fn read(bytes: &[u8], options: &ReadOptions) -> Result<Dataset, FormatError> {
    let text = decode(bytes)?;
    let file = parse(&text)?;
    let first = file.first_point();
    // Some tools write Y before X: the first point tells (see the module docs).
    let swapped = first.is_some_and(|(x, y)| is_easting(x) && is_northing(y));
    let first_easting = first.map(|(x, y)| if swapped { x } else { y });
    let (crs, zone) = match options.crs {
        Some(crs) => (crs, ZoneCheck::None),
        None => file.crs(first_easting)?,
    };
    let finisher = Finisher::new(crs, options, None).map_err(|e| file.note_parameters(e))?;
    let records = file
        .plots
        .iter()
        .enumerate()
        .map(|(i, plot)| plot.record(i + 1, &finisher, swapped, zone, file.area_unit))
        .collect();
    Ok(Dataset {
        format: Format::BoundaryPoints,
        layer: None,
        crs,
        records,
    })
}

/// The text, from UTF-8, UTF-16 with a BOM, or GB18030 (GBK, GB2312).
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, FormatError> {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .ok_or_else(|| file_error(None, format!("not valid {} text", encoding.name())));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    if let Some(text) =
        encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return Ok(text);
    }
    // Neither: name the first line that is neither (a line feed is never part of a GB18030
    // character, so lines can be cut before decoding).
    let line = bytes
        .split(|&b| b == b'\n')
        .position(|line| {
            std::str::from_utf8(line).is_err()
                && encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(line)
                    .is_none()
        })
        .map(|i| i + 1);
    Err(file_error(line, "neither UTF-8 nor GBK/GB18030 text"))
}

/// One line of the file: its 1-based number and its comma-separated fields, trimmed.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    fields: Vec<String>,
}

/// A plot: its header line and its point lines.
#[derive(Debug)]
struct Plot {
    header: Line,
    points: Vec<Line>,
}

/// The file, split into its header values and plots.
#[derive(Debug)]
struct File {
    /// `[属性描述]` values by key, with their line.
    attributes: HashMap<String, (String, usize)>,
    plots: Vec<Plot>,
    /// The unit of bare 地块面积 values.
    area_unit: AreaUnit,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Section {
    Attributes,
    Plots,
    Other,
}

fn split_fields(line: &str) -> Vec<String> {
    line.split([',', '，'])
        .map(|f| f.trim().to_owned())
        .collect()
}

fn parse(text: &str) -> Result<File, FormatError> {
    let mut attributes = HashMap::new();
    let mut plots: Vec<Plot> = Vec::new();
    let mut section = None;
    let mut seen_plots = false;
    for (i, raw) in text.split('\n').enumerate() {
        let number = i + 1;
        let line = raw.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(match name.trim() {
                "属性描述" => Section::Attributes,
                "地块坐标" => {
                    seen_plots = true;
                    Section::Plots
                }
                _ => Section::Other,
            });
            continue;
        }
        match section {
            None => {
                return Err(file_error(
                    Some(number),
                    "text before the first section ([属性描述] or [地块坐标])",
                ));
            }
            Some(Section::Attributes) => {
                let Some((key, value)) = line.split_once(['=', '＝']) else {
                    return Err(file_error(
                        Some(number),
                        format!("`{line}` in [属性描述] is not key=value"),
                    ));
                };
                attributes.insert(key.trim().to_owned(), (value.trim().to_owned(), number));
            }
            Some(Section::Plots) => {
                let fields = split_fields(line);
                let line = Line { number, fields };
                if line.fields.last().is_some_and(|f| f == "@") {
                    plots.push(Plot {
                        header: line,
                        points: Vec::new(),
                    });
                } else if let Some(plot) = plots.last_mut() {
                    plot.points.push(line);
                } else {
                    return Err(file_error(
                        Some(number),
                        "a point before the first plot's header line (the line ending in @)",
                    ));
                }
            }
            Some(Section::Other) => {}
        }
    }
    if !seen_plots {
        return Err(file_error(None, "no [地块坐标] section"));
    }
    let area_unit = match attributes.get("面积单位") {
        None => AreaUnit::Hectare,
        Some((value, line)) => AreaUnit::parse(value)
            .filter(|_| !value.is_empty())
            .ok_or_else(|| file_error(Some(*line), format!("unknown 面积单位 `{value}`")))?,
    };
    Ok(File {
        attributes,
        plots,
        area_unit,
    })
}

/// Northings in China, in metres from the equator (south of 9°N there is no plot to offer).
fn is_northing(v: f64) -> bool {
    (1_000_000.0..10_000_000.0).contains(&v)
}

/// Eastings: without the zone prefix below 1 000 000 m, with it from zone 13 on.
fn is_easting(v: f64) -> bool {
    (0.0..1_000_000.0).contains(&v) || (13_000_000.0..46_000_000.0).contains(&v)
}

/// What each easting must look like, given the file's zone.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ZoneCheck {
    /// The coordinate system was given to the reader: nothing to check.
    None,
    /// No zone number in front.
    NoPrefix,
    /// This zone number in front.
    Prefix(u32),
}

/// The geodetic datums the format names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Datum {
    Cgcs2000,
    Xian1980,
    Beijing1954,
}

impl Datum {
    fn parse(text: &str) -> Option<Datum> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if t.contains("2000") || t.contains("CGCS") {
            Some(Datum::Cgcs2000)
        } else if t.contains("西安")
            || t.contains("XIAN")
            || t.contains("1980")
            || t.starts_with("80")
        {
            Some(Datum::Xian1980)
        } else if t.contains("北京")
            || t.contains("BEIJING")
            || t.contains("1954")
            || t.starts_with("54")
        {
            Some(Datum::Beijing1954)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Datum::Cgcs2000 => "CGCS2000",
            Datum::Xian1980 => "Xian 1980",
            Datum::Beijing1954 => "Beijing 1954",
        }
    }

    /// The first EPSG code of the family: (3-degree with prefix, 3-degree without, 6-degree
    /// with, 6-degree without), in zone or central-meridian order.
    fn first_codes(self) -> [u32; 4] {
        match self {
            Datum::Cgcs2000 => [4513, 4534, 4491, 4502],
            Datum::Xian1980 => [2349, 2370, 2327, 2338],
            Datum::Beijing1954 => [2401, 2422, 21413, 21453],
        }
    }
}

/// The EPSG code of a datum's Gauss-Krüger zone of this width (3 or 6 degrees) and central
/// meridian, with or without the zone number before the eastings; `None` for a zone China
/// does not use.
fn epsg_code(datum: Datum, width: u32, cm: u32, prefix: bool) -> Option<u32> {
    if !(75..=135).contains(&cm) {
        return None;
    }
    let on_grid = match width {
        3 => cm.is_multiple_of(3),
        _ => (cm + 3).is_multiple_of(6),
    };
    if !on_grid {
        return None;
    }
    let [p3, n3, p6, n6] = datum.first_codes();
    Some(match (width, prefix) {
        (3, true) => p3 + cm / 3 - 25,
        (3, false) => n3 + (cm - 75) / 3,
        (_, true) => p6 + (cm + 3) / 6 - 13,
        (_, false) => n6 + (cm - 75) / 6,
    })
}

/// The Gauss-Krüger system of a datum, zone width, central meridian and zone prefix.
fn gauss_kruger(datum: Datum, width: u32, cm: u32, prefix: bool) -> Result<Crs, FormatError> {
    let family = format!(
        "{} {width}-degree Gauss-Kruger, central meridian {cm}E, {} zone prefix",
        datum.name(),
        if prefix { "with" } else { "without" }
    );
    let code = epsg_code(datum, width, cm, prefix)
        .ok_or_else(|| FormatError::UnsupportedCrs(format!("{family}: no such zone in China")))?;
    Crs::from_epsg(code).map_err(|_| FormatError::UnsupportedCrs(format!("{family} (EPSG:{code})")))
}

impl File {
    fn attribute(&self, key: &str) -> Option<(&str, usize)> {
        self.attributes
            .get(key)
            .map(|(v, line)| (v.as_str(), *line))
            .filter(|(v, _)| !v.is_empty())
    }

    /// Adds to a refusal of the coordinate system that the file's own 转换参数, if it has
    /// any, were not applied (see the module docs).
    fn note_parameters(&self, error: FormatError) -> FormatError {
        match (error, self.attribute("转换参数")) {
            (FormatError::UnsupportedCrs(reason), Some((params, line)))
                if params.bytes().any(|b| b.is_ascii_digit() && b != b'0') =>
            {
                FormatError::UnsupportedCrs(format!(
                    "{reason}. The file's 转换参数={params} (line {line}) are not applied: \
                     the format does not say in which direction and convention they are"
                ))
            }
            (error, _) => error,
        }
    }

    /// X and Y of the first point line whose coordinates are numbers.
    fn first_point(&self) -> Option<(f64, f64)> {
        self.plots.iter().flat_map(|p| &p.points).find_map(|line| {
            let x = line.fields.get(2)?.parse::<f64>().ok()?;
            let y = line.fields.get(3)?.parse::<f64>().ok()?;
            Some((x, y))
        })
    }

    /// The coordinate system the header describes, and what the eastings must look like.
    fn crs(&self, first_easting: Option<f64>) -> Result<(Crs, ZoneCheck), FormatError> {
        let missing =
            |what: &str| FormatError::MissingCrs(format!("the boundary-point file ({what})"));
        let (system, line) = self
            .attribute("坐标系")
            .ok_or_else(|| missing("no 坐标系"))?;
        let datum = Datum::parse(system)
            .ok_or_else(|| FormatError::UnsupportedCrs(format!("坐标系={system} (line {line})")))?;
        if let Some((projection, line)) = self.attribute("投影类型") {
            let p = projection.replace(['-', '—', ' '], "");
            if !p.contains("高斯克吕格") && !p.to_ascii_lowercase().contains("gauss") {
                return Err(FormatError::UnsupportedCrs(format!(
                    "投影类型={projection} (line {line}): only Gauss-Kruger is read"
                )));
            }
        }
        if let Some((unit, line)) = self.attribute("计量单位")
            && unit != "米"
            && !unit.eq_ignore_ascii_case("m")
        {
            return Err(file_error(
                Some(line),
                format!("计量单位={unit}: coordinates must be in metres (米)"),
            ));
        }
        let width = match self.attribute("几度分带") {
            None => None,
            Some((w, line)) => match w.trim_end_matches(['度', '°']).trim() {
                "3" => Some(3),
                "6" => Some(6),
                _ => return Err(file_error(Some(line), format!("几度分带={w}: not 3 or 6"))),
            },
        };
        let prefix_zone = first_easting
            .filter(|e| *e >= 1_000_000.0)
            .map(|e| (e / 1_000_000.0).floor() as u32);
        // 带号 names a zone, or (as some write it) the central meridian.
        let zone_text = self.attribute("带号");
        let (zone, cm) = match zone_text {
            Some((text, line)) => {
                let n: u32 = text
                    .parse()
                    .map_err(|_| file_error(Some(line), format!("带号={text} is not a number")))?;
                if n >= 75 {
                    (None, Some(n))
                } else {
                    (Some(n), None)
                }
            }
            None => (prefix_zone, None),
        };
        let width = width.unwrap_or(match zone {
            Some(13..=23) => 6,
            _ => 3,
        });
        let cm = match (cm, zone) {
            (Some(cm), _) => cm,
            (None, Some(zone)) if width == 3 => zone.saturating_mul(3),
            (None, Some(zone)) => zone.saturating_mul(6).saturating_sub(3),
            (None, None) => {
                return Err(missing("no 带号, and the eastings carry no zone number"));
            }
        };
        let zone_number = if width == 3 {
            cm / 3
        } else {
            cm.saturating_add(3) / 6
        };
        if let (Some(found), Some((text, line))) = (prefix_zone, zone_text)
            && found != zone_number
        {
            return Err(file_error(
                Some(line),
                format!(
                    "带号={text} is zone {zone_number}, but the eastings start with zone {found}"
                ),
            ));
        }
        let prefix = prefix_zone.is_some();
        let crs = gauss_kruger(datum, width, cm, prefix)?;
        let check = if prefix {
            ZoneCheck::Prefix(zone_number)
        } else {
            ZoneCheck::NoPrefix
        };
        Ok((crs, check))
    }
}

/// Units of 地块面积.
#[derive(Debug, Clone, Copy, PartialEq)]
enum AreaUnit {
    Hectare,
    SquareMetre,
    Mu,
}

impl AreaUnit {
    fn parse(text: &str) -> Option<AreaUnit> {
        match text.trim() {
            "" | "公顷" | "ha" | "hm2" | "hm²" => Some(AreaUnit::Hectare),
            "平方米" | "m2" | "m²" | "㎡" => Some(AreaUnit::SquareMetre),
            "亩" => Some(AreaUnit::Mu),
            _ => None,
        }
    }

    fn square_metres(self, value: f64) -> f64 {
        match self {
            AreaUnit::Hectare => value * 10_000.0,
            AreaUnit::SquareMetre => value,
            AreaUnit::Mu => value * 10_000.0 / 15.0,
        }
    }
}

/// A stated area: its value and the unit written after it, if any.
fn parse_area(text: &str) -> Result<Option<(f64, Option<AreaUnit>)>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("地块面积 `{text}` is not an area");
    let value: f64 = number.parse().map_err(|_| bad())?;
    if !value.is_finite() || value < 0.0 {
        return Err(bad());
    }
    let unit = if unit.trim().is_empty() {
        None
    } else {
        Some(AreaUnit::parse(unit).ok_or_else(bad)?)
    };
    Ok((value > 0.0).then_some((value, unit)))
}

/// The geometry a plot's points make.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Polygon,
    Line,
    Point,
}

/// Points of one ring (or line), with the line of its first point.
#[derive(Debug)]
struct Run {
    label: String,
    line: usize,
    points: Vec<(f64, f64)>,
}

impl Run {
    fn is_closed(&self) -> bool {
        self.points.len() >= 4 && self.points.first() == self.points.last()
    }
}

impl Plot {
    fn record(
        &self,
        number: usize,
        finisher: &Finisher<'_>,
        swapped: bool,
        zone: ZoneCheck,
        area_unit: AreaUnit,
    ) -> Record {
        let fields = &self.header.fields;
        let attrs = &fields[..fields.len() - 1];
        // 记录图形属性 anchors the fields around it (see the module docs).
        let at = attrs
            .iter()
            .enumerate()
            .skip(2)
            .find(|(_, f)| matches!(f.as_str(), "面" | "线" | "点"))
            .map_or(4, |(i, _)| i);
        let field = |i: Option<usize>| {
            i.and_then(|i| attrs.get(i))
                .map(String::as_str)
                .filter(|s| !s.is_empty())
        };
        let code = field(at.checked_sub(2).filter(|&i| i >= 2));
        let name = field(at.checked_sub(1).filter(|&i| i >= 2));
        let sheet = field(Some(at + 1));
        let land_use = field(Some(at + 2));
        let class_code = field(Some(at + 3));
        let fail = |line: usize, reason: String| {
            finisher.error_with_code(
                number,
                code.map(str::to_owned),
                format!("line {line}: {reason}"),
            )
        };
        let header_line = self.header.number;
        let kind = match field(Some(at)) {
            None | Some("面") => Kind::Polygon,
            Some("线") => Kind::Line,
            Some("点") => Kind::Point,
            Some(other) => {
                return fail(
                    header_line,
                    format!("记录图形属性 `{other}` is not 面, 线 or 点"),
                );
            }
        };
        let declared = match field(Some(0)).map(str::parse::<usize>) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                return fail(
                    header_line,
                    format!("界址点数 `{}` is not a number", attrs[0]),
                );
            }
        };
        let area = match parse_area(field(Some(1)).unwrap_or_default()) {
            Ok(area) => area,
            Err(reason) => return fail(header_line, reason),
        };
        let runs = match self.runs(swapped, zone) {
            Ok(runs) => runs,
            Err((line, reason)) => return fail(line, reason),
        };
        let total: usize = runs.iter().map(|r| r.points.len()).sum();
        if total == 0 {
            return fail(header_line, "the plot has no points".to_owned());
        }
        let closing = runs.iter().filter(|r| r.is_closed()).count();
        if let Some(n) = declared
            && n != 0
            && n != total
            && n != total - closing
        {
            return fail(
                header_line,
                format!("界址点数 is {n}, but the plot has {total} point lines"),
            );
        }
        let (geometry, planar_area) = match kind {
            Kind::Polygon => match polygons(runs) {
                Ok((value, area)) => (value, Some(area)),
                Err((line, reason)) => return fail(line, reason),
            },
            Kind::Line => match lines(runs) {
                Ok(value) => (value, None),
                Err((line, reason)) => return fail(line, reason),
            },
            Kind::Point => (points(runs), None),
        };

        let mut properties = Map::new();
        let mut put = |key: &str, value: Option<&str>| {
            if let Some(value) = value {
                properties.insert(key.to_owned(), Value::String(value.to_owned()));
            }
        };
        put("code", code);
        put("name", name);
        put("land_use", land_use);
        put("地类编码", class_code);
        put("图幅号", sheet);
        if let Some((value, unit)) = area {
            let unit = unit.unwrap_or_else(|| match planar_area {
                // A bare value that is the plot's own area in square metres is one.
                Some(planar) if planar > 0.0 && ((value - planar) / planar).abs() <= 0.05 => {
                    AreaUnit::SquareMetre
                }
                _ => area_unit,
            });
            let m2 = (unit.square_metres(value) * 100.0).round() / 100.0;
            if let Some(n) = Number::from_f64(m2) {
                properties.insert("area_m2".to_owned(), Value::Number(n));
            }
        }
        let mut record = finisher.finish(
            number,
            RawFeature {
                id: None,
                geometry: Some(geometry),
                properties,
            },
        );
        if let Err(e) = &mut record.result {
            e.reason = format!("line {header_line}: {}", e.reason);
        }
        record
    }

    /// The points, as runs of one 圈号 cut where a ring closes, in (easting, northing).
    fn runs(&self, swapped: bool, zone: ZoneCheck) -> Result<Vec<Run>, (usize, String)> {
        let mut runs: Vec<Run> = Vec::new();
        for line in &self.points {
            let at = line.number;
            let f = &line.fields;
            if f.len() < 4 {
                return Err((
                    at,
                    format!("a point line has {} field(s), not 点号,圈号,X,Y", f.len()),
                ));
            }
            let coordinate = |i: usize, axis: &str| -> Result<f64, (usize, String)> {
                f[i].parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        (
                            at,
                            format!("point {}: {axis} `{}` is not a number", f[0], f[i]),
                        )
                    })
            };
            let (x, y) = (coordinate(2, "X")?, coordinate(3, "Y")?);
            let (northing, easting) = if swapped { (y, x) } else { (x, y) };
            check_easting(easting, zone)
                .map_err(|reason| (at, format!("point {}: {reason}", f[0])))?;
            let label = &f[1];
            match runs.last_mut() {
                Some(run) if run.label == *label && !run.is_closed() => {
                    run.points.push((easting, northing));
                }
                _ => runs.push(Run {
                    label: label.clone(),
                    line: at,
                    points: vec![(easting, northing)],
                }),
            }
        }
        Ok(runs)
    }
}

fn check_easting(easting: f64, zone: ZoneCheck) -> Result<(), String> {
    match zone {
        ZoneCheck::None => Ok(()),
        ZoneCheck::NoPrefix if easting < 1_000_000.0 => Ok(()),
        ZoneCheck::NoPrefix => Err(format!(
            "Y {easting} carries a zone number, unlike the file's first point"
        )),
        ZoneCheck::Prefix(zone) => {
            let found = (easting / 1_000_000.0).floor();
            if found == f64::from(zone) {
                Ok(())
            } else {
                Err(format!("Y {easting} is not in the file's zone {zone}"))
            }
        }
    }
}

fn position((x, y): (f64, f64)) -> Position {
    Position::from(vec![x, y])
}

fn ring_of(run: &Run) -> LineString<f64> {
    run.points.iter().map(|&(x, y)| Coord { x, y }).collect()
}

/// Whether ring `inner` lies inside ring `outer`: no vertex outside it, not all on its edge.
fn inside(inner: &LineString<f64>, outer: &Polygon<f64>) -> bool {
    let mut strictly = false;
    for c in inner.coords() {
        match outer.coordinate_position(c) {
            CoordPos::Outside => return false,
            CoordPos::Inside => strictly = true,
            CoordPos::OnBoundary => {}
        }
    }
    strictly
}

/// Polygon rings nested by containment (see the module docs), and the planar area.
fn polygons(mut runs: Vec<Run>) -> Result<(GeometryValue, f64), (usize, String)> {
    for run in &mut runs {
        if run.points.first() != run.points.last() {
            let first = run.points[0];
            run.points.push(first);
        }
        let mut distinct = run.points.clone();
        distinct.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        distinct.dedup();
        if distinct.len() < 3 {
            return Err((
                run.line,
                format!(
                    "ring {} has {} distinct point(s), fewer than the 3 of an area",
                    run.label,
                    distinct.len()
                ),
            ));
        }
    }
    let rings: Vec<LineString<f64>> = runs.iter().map(ring_of).collect();
    let shapes: Vec<Polygon<f64>> = rings
        .iter()
        .map(|r| Polygon::new(r.clone(), vec![]))
        .collect();
    // Largest first, so that every ring's container comes before it.
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| {
        shapes[b]
            .unsigned_area()
            .partial_cmp(&shapes[a].unsigned_area())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    // For each ring: its depth and the exterior it belongs to.
    let mut depth = vec![0usize; runs.len()];
    let mut owner = vec![0usize; runs.len()];
    let mut placed: Vec<usize> = Vec::new();
    for &i in &order {
        // The smallest ring already placed that contains this one is its parent.
        let parent = placed
            .iter()
            .rev()
            .copied()
            .find(|&p| inside(&rings[i], &shapes[p]));
        match parent {
            Some(p) if depth[p].is_multiple_of(2) => {
                depth[i] = depth[p] + 1;
                owner[i] = p;
            }
            Some(p) => {
                depth[i] = depth[p] + 1;
                owner[i] = i;
            }
            None => owner[i] = i,
        }
        placed.push(i);
    }
    // Exteriors in file order, each with its holes in file order.
    let mut polygons: Vec<Vec<Vec<Position>>> = Vec::new();
    let mut area = 0.0;
    for i in (0..runs.len()).filter(|&i| depth[i].is_multiple_of(2)) {
        let mut polygon = vec![runs[i].points.iter().copied().map(position).collect()];
        area += shapes[i].unsigned_area();
        for h in (0..runs.len()).filter(|&h| !depth[h].is_multiple_of(2) && owner[h] == i) {
            polygon.push(runs[h].points.iter().copied().map(position).collect());
            area -= shapes[h].unsigned_area();
        }
        polygons.push(polygon);
    }
    let value = match <[_; 1]>::try_from(polygons) {
        Ok([only]) => GeometryValue::Polygon { coordinates: only },
        Err(many) => GeometryValue::MultiPolygon { coordinates: many },
    };
    Ok((value, area))
}

fn lines(runs: Vec<Run>) -> Result<GeometryValue, (usize, String)> {
    let mut lines = Vec::with_capacity(runs.len());
    for run in runs {
        if run.points.len() < 2 {
            return Err((run.line, format!("line {} has a single point", run.label)));
        }
        lines.push(run.points.into_iter().map(position).collect::<Vec<_>>());
    }
    Ok(match <[_; 1]>::try_from(lines) {
        Ok([only]) => GeometryValue::LineString { coordinates: only },
        Err(many) => GeometryValue::MultiLineString { coordinates: many },
    })
}

fn points(runs: Vec<Run>) -> GeometryValue {
    let mut all: Vec<Position> = runs
        .into_iter()
        .flat_map(|r| r.points)
        .map(position)
        .collect();
    if all.len() == 1 {
        GeometryValue::Point {
            coordinates: all.remove(0),
        }
    } else {
        GeometryValue::MultiPoint { coordinates: all }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_section_name_is_what_encoding_rs_writes() {
        let (bytes, _, _) = encoding_rs::GBK.encode("[属性描述]");
        assert_eq!(&bytes[..], ATTRIBUTES_GBK);
    }

    #[test]
    fn epsg_codes_of_the_zone_families() {
        // Each checked with `projinfo EPSG:n` (PROJ 9).
        let code = |d, w, cm, p| epsg_code(d, w, cm, p);
        assert_eq!(code(Datum::Cgcs2000, 3, 105, true), Some(4523));
        assert_eq!(code(Datum::Cgcs2000, 3, 105, false), Some(4544));
        assert_eq!(code(Datum::Cgcs2000, 6, 105, true), Some(4496));
        assert_eq!(code(Datum::Cgcs2000, 6, 105, false), Some(4507));
        assert_eq!(code(Datum::Xian1980, 6, 111, true), Some(2333));
        assert_eq!(code(Datum::Xian1980, 3, 75, false), Some(2370));
        assert_eq!(code(Datum::Beijing1954, 3, 117, false), Some(2436));
        assert_eq!(code(Datum::Beijing1954, 6, 135, false), Some(21463));
        assert_eq!(code(Datum::Cgcs2000, 6, 102, false), None);
        assert_eq!(code(Datum::Cgcs2000, 3, 72, false), None);
    }

    #[test]
    fn datum_names() {
        for (text, datum) in [
            ("2000国家大地坐标系", Datum::Cgcs2000),
            ("CGCS2000", Datum::Cgcs2000),
            ("1980西安坐标系", Datum::Xian1980),
            ("80国家大地坐标系", Datum::Xian1980),
            ("西安80", Datum::Xian1980),
            ("1954北京坐标系", Datum::Beijing1954),
            ("北京54", Datum::Beijing1954),
        ] {
            assert_eq!(Datum::parse(text), Some(datum), "{text}");
        }
        assert_eq!(Datum::parse("地方坐标系"), None);
    }

    #[test]
    fn areas_with_and_without_units() {
        assert_eq!(parse_area("0.0452"), Ok(Some((0.0452, None))));
        assert_eq!(
            parse_area("0.7655公顷"),
            Ok(Some((0.7655, Some(AreaUnit::Hectare))))
        );
        assert_eq!(
            parse_area("452.1 平方米"),
            Ok(Some((452.1, Some(AreaUnit::SquareMetre))))
        );
        assert_eq!(parse_area("0"), Ok(None));
        assert_eq!(parse_area(""), Ok(None));
        assert!(parse_area("abc").is_err());
        assert!(parse_area("12 acres").is_err());
        assert!(parse_area("-3").is_err());
    }
}
