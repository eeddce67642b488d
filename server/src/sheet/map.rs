//! The sheet's map: the site among its neighbours, drawn as SVG straight from
//! the in-memory index (there are no basemap tiles to print from). The park's
//! outline, the sites of every site layer coloured by status, points of
//! interest with their names, the nearest highway exit beyond the frame as a
//! pointer at its edge, a legend, a scale bar and a north arrow.

use std::fmt::Write;

use geo::{Coord, MultiPolygon, Rect};
use siteatlas_tiles::Atlas;
use siteatlas_tiles::index::{LayerIndex, WorldShape};
use siteatlas_tiles::model::{Attributes, LayerKind};
use siteatlas_tiles::tile_math::world_to_lonlat;

use super::fields::{site_layers, value_label};

/// Width and height of the drawing, SVG units (9:8, as the sheet prints it).
pub const WIDTH: f64 = 900.0;
/// See [`WIDTH`].
pub const HEIGHT: f64 = 800.0;
/// The font of every word on the sheet.
pub const FONT: &str = "Noto Sans CJK SC";
/// Earth's circumference at the equator, m: metres per world unit at latitude 0.
const EQUATOR_M: f64 = 40_075_016.686;
/// The smallest frame, metres across: a small site still shows its neighbours.
const MIN_FRAME_M: f64 = 2_500.0;
/// The frame is this many times the site's size.
const FRAME_PER_SITE: f64 = 3.2;
/// How far beyond the frame a highway exit is still pointed at, m.
const EXIT_REACH_M: f64 = 30_000.0;

/// Fill colours of sites by status, for every site layer's vocabulary.
const STATUS_COLOURS: &[(&str, &str)] = &[
    ("available", "#1f9d55"),
    ("reserved", "#f0a020"),
    ("negotiating", "#2f74d0"),
    ("transferred", "#8a94a0"),
    ("withdrawn", "#c8cdd3"),
    ("vacant", "#2b8a9e"),
    ("partial", "#5c7cfa"),
    ("occupied", "#868e96"),
];

const POI_COLOURS: &[(&str, &str)] = &[
    ("highway_exit", "#1c6dd0"),
    ("rail_freight", "#6d4c41"),
    ("port", "#00838f"),
    ("airport", "#3949ab"),
    ("substation", "#e8a000"),
    ("wastewater", "#2e7d32"),
];

fn colour(table: &[(&str, &'static str)], key: &str) -> &'static str {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("#9aa5b1", |(_, c)| c)
}

/// A feature as the map draws it: its projected shape and the words it needs.
#[derive(Debug, Clone)]
pub struct Item {
    /// Its layer.
    pub layer: LayerKind,
    /// Its id.
    pub id: u64,
    /// Its code.
    pub code: String,
    /// Its name, or empty.
    pub name: String,
    /// Its `status`, or empty.
    pub status: String,
    /// Its `kind` (points of interest), or empty.
    pub kind: String,
    /// Shape in normalised Web Mercator.
    pub world: WorldShape,
    /// Where its name goes, in normalised Web Mercator.
    pub label: Coord<f64>,
}

fn item<A: Attributes>(layer: LayerKind, entry: &siteatlas_tiles::index::Entry<A>) -> Item {
    // Read by name, as every layer spells them, so a new layer needs no code here.
    let attrs = serde_json::to_value(&entry.feature.attrs).unwrap_or_default();
    let text = |key: &str| {
        attrs
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    Item {
        layer,
        id: entry.feature.id,
        code: entry.feature.code.clone(),
        name: text("name"),
        status: text("status"),
        kind: text("kind"),
        world: entry.world.clone(),
        label: entry.world_label,
    }
}

fn in_box<A: Attributes>(index: &LayerIndex<A>, layer: LayerKind, bbox: Rect<f64>) -> Vec<Item> {
    index.in_bbox(bbox).map(|e| item(layer, e)).collect()
}

/// The features of a layer whose boxes meet a lon/lat box.
pub fn items_in(atlas: &Atlas, layer: LayerKind, bbox: Rect<f64>) -> Vec<Item> {
    siteatlas_tiles::with_layer_index!(atlas, layer, |index| in_box(index, layer, bbox))
}

/// One feature, if it exists.
pub fn item_of(atlas: &Atlas, layer: LayerKind, id: u64) -> Option<Item> {
    siteatlas_tiles::with_layer_index!(atlas, layer, |index| index
        .entry(id)
        .map(|e| item(layer, e)))
}

fn world_box(shape: &WorldShape) -> Option<Rect<f64>> {
    use geo::BoundingRect;
    match shape {
        WorldShape::Point(c) => Some(Rect::new(*c, *c)),
        WorldShape::Area(mp) => mp.bounding_rect(),
    }
}

/// The map's frame in normalised Web Mercator, and the conversions to SVG.
struct Frame {
    min: Coord<f64>,
    /// SVG units per world unit.
    scale: f64,
    /// Metres per SVG unit.
    metres_per_unit: f64,
}

impl Frame {
    fn around(site: &Item) -> Frame {
        let bbox = world_box(&site.world).unwrap_or_else(|| Rect::new(site.label, site.label));
        let centre = bbox.center();
        let (_, lat) = world_to_lonlat(centre.x, centre.y);
        let metres_per_world = EQUATOR_M * lat.to_radians().cos();
        let min_width = MIN_FRAME_M / metres_per_world;
        let width =
            (bbox.width().max(bbox.height() * WIDTH / HEIGHT) * FRAME_PER_SITE).max(min_width);
        let height = width * HEIGHT / WIDTH;
        let scale = WIDTH / width;
        Frame {
            min: Coord {
                x: centre.x - width / 2.0,
                y: centre.y - height / 2.0,
            },
            scale,
            metres_per_unit: metres_per_world / scale,
        }
    }

    fn to_svg(&self, c: Coord<f64>) -> (f64, f64) {
        (
            (c.x - self.min.x) * self.scale,
            (c.y - self.min.y) * self.scale,
        )
    }

    fn contains(&self, c: Coord<f64>) -> bool {
        let (x, y) = self.to_svg(c);
        (0.0..=WIDTH).contains(&x) && (0.0..=HEIGHT).contains(&y)
    }

    /// The lon/lat box of the frame grown by `margin_m` on every side.
    fn lonlat_box(&self, margin_m: f64) -> Rect<f64> {
        let m = margin_m / self.metres_per_unit / self.scale;
        let (w, n) = world_to_lonlat(self.min.x - m, self.min.y - m);
        let (e, s) = world_to_lonlat(
            self.min.x + WIDTH / self.scale + m,
            self.min.y + HEIGHT / self.scale + m,
        );
        Rect::new(Coord { x: w, y: s }, Coord { x: e, y: n })
    }

    fn path(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for polygon in mp {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for (i, c) in ring.coords().enumerate() {
                    let (x, y) = self.to_svg(*c);
                    let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
                }
                d.push('Z');
            }
        }
        d
    }
}

/// Text made safe for XML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A length of a few round metres that fits in `max_m`, for the scale bar.
fn scale_length(max_m: f64) -> f64 {
    [
        10_000.0, 5_000.0, 2_000.0, 1_000.0, 500.0, 200.0, 100.0, 50.0, 20.0, 10.0,
    ]
    .into_iter()
    .find(|l| *l <= max_m)
    .unwrap_or(10.0)
}

fn distance_text(m: f64) -> String {
    if m >= 1_000.0 {
        format!("{:.1} km", m / 1_000.0)
    } else {
        format!("{m:.0} m")
    }
}

/// The map of a site as an SVG document.
pub fn draw(atlas: &Atlas, site: &Item) -> String {
    let frame = Frame::around(site);
    let bbox = frame.lonlat_box(0.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" font-family="{FONT}"><defs><clipPath id="frame"><rect width="{WIDTH}" height="{HEIGHT}"/></clipPath></defs><rect width="{WIDTH}" height="{HEIGHT}" fill="#eef1f4"/><g clip-path="url(#frame)">"##
    );
    // Parks: a light ground and a dashed outline.
    let parks = items_in(atlas, LayerKind::Parks, bbox);
    for park in &parks {
        if let WorldShape::Area(mp) = &park.world {
            let _ = write!(
                svg,
                r##"<path d="{}" fill="#fbfcfd" stroke="#51667a" stroke-width="2.5" stroke-dasharray="10 6" fill-rule="evenodd"/>"##,
                frame.path(mp)
            );
        }
    }
    // Every site layer's sites, coloured by status; the legend lists the statuses shown.
    let mut statuses: Vec<String> = Vec::new();
    for layer in site_layers() {
        for other in items_in(atlas, layer, bbox) {
            if other.layer == site.layer && other.id == site.id {
                continue;
            }
            if let WorldShape::Area(mp) = &other.world {
                let _ = write!(
                    svg,
                    r##"<path d="{}" fill="{}" fill-opacity="0.6" stroke="#ffffff" stroke-width="1.5" fill-rule="evenodd"/>"##,
                    frame.path(mp),
                    colour(STATUS_COLOURS, &other.status)
                );
                if !statuses.contains(&other.status) {
                    statuses.push(other.status.clone());
                }
            }
        }
    }
    // The site itself, on top.
    if let WorldShape::Area(mp) = &site.world {
        let _ = write!(
            svg,
            r##"<path d="{}" fill="{}" fill-opacity="0.9" stroke="#d6336c" stroke-width="5" stroke-linejoin="round" fill-rule="evenodd"/>"##,
            frame.path(mp),
            colour(STATUS_COLOURS, &site.status)
        );
    }
    // Where the site's code goes: above the site, clear of it.
    let site_box = world_box(&site.world).unwrap_or_else(|| Rect::new(site.label, site.label));
    let (sx0, sy0) = frame.to_svg(site_box.min());
    let (sx1, sy1) = frame.to_svg(site_box.max());
    let (cx, cy) = ((sx0 + sx1) / 2.0, (sy0 + sy1) / 2.0);
    let small = (sx1 - sx0).max(sy1 - sy0) < 40.0;
    if small {
        // A site a few pixels wide is ringed, so the eye finds it.
        let _ = write!(
            svg,
            r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="26" fill="none" stroke="#d6336c" stroke-width="4"/>"##
        );
    }
    let label_y = if small { cy - 48.0 } else { sy0 - 24.0 }.max(24.0);
    // Park names, where their label point is in the frame and clear of the site's.
    for park in &parks {
        if !frame.contains(park.label) || park.name.is_empty() {
            continue;
        }
        let (x, y) = frame.to_svg(park.label);
        if (y - label_y).abs() < 60.0 && (x - cx).abs() < 320.0
            || (y - cy).abs() < 40.0 && (x - cx).abs() < 320.0
        {
            continue;
        }
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="{y:.1}" font-size="20" fill="#51667a" text-anchor="middle" stroke="#ffffff" stroke-width="4" paint-order="stroke">{}</text>"##,
            escape(&park.name)
        );
    }
    // Points of interest with their names; the nearest highway exit beyond
    // the frame as a pointer on its edge.
    let mut nearest_exit: Option<(f64, Item)> = None;
    for poi in items_in(atlas, LayerKind::Pois, frame.lonlat_box(EXIT_REACH_M)) {
        let WorldShape::Point(at) = poi.world else {
            continue;
        };
        if frame.contains(at) {
            let (x, y) = frame.to_svg(at);
            let name = if poi.name.is_empty() {
                value_label(&poi.kind).to_owned()
            } else {
                poi.name.clone()
            };
            let _ = write!(
                svg,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="9" fill="{}" stroke="#ffffff" stroke-width="3"/><text x="{:.1}" y="{:.1}" font-size="18" fill="#1d2b36" stroke="#ffffff" stroke-width="4" paint-order="stroke">{}</text>"##,
                colour(POI_COLOURS, &poi.kind),
                x + 13.0,
                y + 6.0,
                escape(&name)
            );
        } else if poi.kind == "highway_exit" {
            let (x, y) = frame.to_svg(at);
            let d = ((x - WIDTH / 2.0).powi(2) + (y - HEIGHT / 2.0).powi(2)).sqrt()
                * frame.metres_per_unit;
            if nearest_exit.as_ref().is_none_or(|(best, _)| d < *best) {
                nearest_exit = Some((d, poi));
            }
        }
    }
    if let Some((metres, exit)) = nearest_exit
        && metres <= EXIT_REACH_M
        && let WorldShape::Point(at) = exit.world
    {
        let (x, y) = frame.to_svg(at);
        let (dx, dy) = (x - WIDTH / 2.0, y - HEIGHT / 2.0);
        // Where the line from the centre leaves the frame, a little inside.
        let t = ((WIDTH / 2.0 - 40.0) / dx.abs()).min((HEIGHT / 2.0 - 40.0) / dy.abs());
        let (px, py) = (WIDTH / 2.0 + dx * t, HEIGHT / 2.0 + dy * t);
        let angle = dy.atan2(dx).to_degrees();
        let anchor = if dx < 0.0 { "start" } else { "end" };
        let (tx, ty) = (
            px - dx.signum() * 4.0,
            py + if dy < 0.0 { 40.0 } else { -26.0 },
        );
        let _ = write!(
            svg,
            r##"<g transform="translate({px:.1} {py:.1}) rotate({angle:.1})"><path d="M18 0 L-10 -13 L-4 0 L-10 13 Z" fill="{}" stroke="#ffffff" stroke-width="2"/></g><text x="{tx:.1}" y="{ty:.1}" font-size="18" fill="#1d2b36" text-anchor="{anchor}" stroke="#ffffff" stroke-width="4" paint-order="stroke">{} {}</text>"##,
            colour(POI_COLOURS, "highway_exit"),
            escape(if exit.name.is_empty() {
                value_label("highway_exit")
            } else {
                &exit.name
            }),
            distance_text(metres)
        );
    }
    // The site's code, in a box above it.
    let code = escape(&site.code);
    let box_w = 14.0 * code.chars().count() as f64 + 20.0;
    let _ = write!(
        svg,
        r##"<rect x="{:.1}" y="{:.1}" width="{box_w:.1}" height="32" rx="5" fill="#ffffff" stroke="#d6336c" stroke-width="2.5"/><text x="{cx:.1}" y="{:.1}" font-size="20" font-weight="bold" fill="#d6336c" text-anchor="middle">{code}</text>"##,
        cx - box_w / 2.0,
        label_y - 16.0,
        label_y + 7.0,
    );
    svg.push_str("</g>");
    legend(&mut svg, &statuses);
    scale_bar(&mut svg, frame.metres_per_unit);
    north_arrow(&mut svg);
    let _ = write!(
        svg,
        r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="none" stroke="#51667a" stroke-width="2"/></svg>"##
    );
    svg
}

fn legend(svg: &mut String, statuses: &[String]) {
    let mut entries: Vec<(&str, &str, &str)> = vec![("#ffffff", "#d6336c", "本地块/厂房")];
    for (status, fill) in STATUS_COLOURS {
        if statuses.iter().any(|s| s == status) {
            entries.push((fill, "#ffffff", value_label(status)));
        }
    }
    let height = 14.0 + 26.0 * entries.len() as f64;
    let _ = write!(
        svg,
        r##"<rect x="12" y="{:.1}" width="170" height="{height:.1}" rx="6" fill="#ffffff" fill-opacity="0.92" stroke="#c3ccd5"/>"##,
        HEIGHT - 12.0 - height
    );
    for (i, (fill, stroke, text)) in entries.iter().enumerate() {
        let y = HEIGHT - 12.0 - height + 10.0 + 26.0 * i as f64;
        let _ = write!(
            svg,
            r##"<rect x="24" y="{y:.1}" width="22" height="16" fill="{fill}" stroke="{stroke}" stroke-width="2.5"/><text x="56" y="{:.1}" font-size="16" fill="#1d2b36">{}</text>"##,
            y + 14.0,
            escape(text)
        );
    }
}

fn scale_bar(svg: &mut String, metres_per_unit: f64) {
    let metres = scale_length(WIDTH / 4.0 * metres_per_unit);
    let length = metres / metres_per_unit;
    let (x1, y) = (WIDTH - 24.0, HEIGHT - 26.0);
    let x0 = x1 - length;
    let _ = write!(
        svg,
        r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="40" rx="5" fill="#ffffff" fill-opacity="0.92"/><path d="M{x0:.1} {:.1} V{y:.1} H{x1:.1} V{:.1}" fill="none" stroke="#1d2b36" stroke-width="3"/><text x="{:.1}" y="{:.1}" font-size="16" fill="#1d2b36" text-anchor="middle">{}</text>"##,
        x0 - 12.0,
        y - 30.0,
        length + 24.0,
        y - 10.0,
        y - 10.0,
        (x0 + x1) / 2.0,
        y - 8.0,
        distance_text(metres)
    );
}

fn north_arrow(svg: &mut String) {
    let (x, y) = (WIDTH - 42.0, 46.0);
    let _ = write!(
        svg,
        r##"<circle cx="{x}" cy="{y}" r="32" fill="#ffffff" fill-opacity="0.92" stroke="#c3ccd5"/><path d="M{x} {:.1} L{:.1} {:.1} L{x} {:.1} Z" fill="#1d2b36"/><path d="M{x} {:.1} L{:.1} {:.1} L{x} {:.1} Z" fill="#8a94a0"/><text x="{x}" y="{:.1}" font-size="13" font-weight="bold" fill="#1d2b36" text-anchor="middle">北 N</text>"##,
        y - 24.0,
        x + 10.0,
        y + 8.0,
        y + 2.0,
        y - 24.0,
        x - 10.0,
        y + 8.0,
        y + 2.0,
        y + 24.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_bar_takes_a_round_length_that_fits() {
        assert_eq!(scale_length(320.0), 200.0);
        assert_eq!(scale_length(1_000.0), 1_000.0);
        assert_eq!(scale_length(3.0), 10.0);
        assert_eq!(distance_text(1_500.0), "1.5 km");
        assert_eq!(distance_text(200.0), "200 m");
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(escape("A&B <c>"), "A&amp;B &lt;c&gt;");
    }
}
