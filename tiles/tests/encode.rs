//! Tiles encoded from the generated and the demo data, decoded with an
//! independent decoder (`mvt-reader`) and checked against the model.
//!
//! Expectations are computed here from the model, not from the engine: the
//! Web Mercator projection is written out again (with a different but equal
//! formula), clipping is checked against `geo`'s boolean intersection, and
//! cluster counts against a plain count of centroids per tile.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::f64::consts::{FRAC_PI_4, PI};

use geo::{
    Area, BooleanOps, BoundingRect, Centroid, Coord, Intersects, LineString, MapCoords,
    MultiPolygon, Polygon, Rect,
};
use mvt_reader::Reader;
use mvt_reader::feature::Value;
use proptest::prelude::*;
use siteatlas_fixtures::{Dataset, GeneratorConfig, demo, generate};
use siteatlas_tiles::geojson_io::feature_from_geojson;
use siteatlas_tiles::index::LayerIndex;
use siteatlas_tiles::{
    Atlas, Attributes, Factory, Feature, LandUse, LayerKind, Office, Park, Plot, PlotAttrs,
    PlotStatus, Poi, Shape, TileId,
};

const EXTENT: f64 = 4096.0;
const BUFFER: f64 = 64.0;
const WINDOW_MIN: f64 = -BUFFER;
const WINDOW_MAX: f64 = EXTENT + BUFFER;
/// Centre of the first generated area (Wenjiang).
const WJ: (f64, f64) = (103.846, 30.712);
/// Square metres per mu.
const M2_PER_MU: f64 = 666.67;
/// Earth radius of spherical Web Mercator, m.
const MERCATOR_R: f64 = 6_378_137.0;

// ---------------------------------------------------------------------------
// Independent projection and tile arithmetic
// ---------------------------------------------------------------------------

/// Normalised Web Mercator, y down: the Gudermannian form ln(tan(pi/4 + phi/2)).
fn world(lon: f64, lat: f64) -> Coord<f64> {
    let phi = lat.to_radians();
    Coord {
        x: (lon + 180.0) / 360.0,
        y: 0.5 - (FRAC_PI_4 + phi / 2.0).tan().ln() / (2.0 * PI),
    }
}

/// Inverse of [`world`].
fn lonlat(w: Coord<f64>) -> Coord<f64> {
    Coord {
        x: w.x * 360.0 - 180.0,
        y: (2.0 * (PI * (1.0 - 2.0 * w.y)).exp().atan() - PI / 2.0).to_degrees(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Tile {
    z: u8,
    x: u32,
    y: u32,
}

impl Tile {
    fn n(self) -> f64 {
        (1u64 << self.z) as f64
    }

    fn id(self) -> TileId {
        TileId::new(self.z.into(), self.x, self.y).expect("a tile that exists")
    }

    fn containing(z: u8, lon: f64, lat: f64) -> Tile {
        let w = world(lon, lat);
        let n = (1u64 << z) as f64;
        Tile {
            z,
            x: (w.x * n).floor() as u32,
            y: (w.y * n).floor() as u32,
        }
    }

    /// Tiles of zoom `z` over a lon/lat box.
    fn covering(z: u8, b: Rect<f64>) -> Vec<Tile> {
        let nw = Tile::containing(z, b.min().x, b.max().y);
        let se = Tile::containing(z, b.max().x, b.min().y);
        (nw.x..=se.x)
            .flat_map(|x| (nw.y..=se.y).map(move |y| Tile { z, x, y }))
            .collect()
    }

    /// The tile and its eight neighbours (those that exist).
    fn with_neighbours(self) -> Vec<Tile> {
        let max = (1i64 << self.z) - 1;
        let mut tiles = Vec::new();
        for dx in -1i64..=1 {
            for dy in -1i64..=1 {
                let (x, y) = (self.x as i64 + dx, self.y as i64 + dy);
                if (0..=max).contains(&x) && (0..=max).contains(&y) {
                    tiles.push(Tile {
                        z: self.z,
                        x: x as u32,
                        y: y as u32,
                    });
                }
            }
        }
        tiles
    }

    /// World coordinates to this tile's units.
    fn units_of_world(self, w: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (w.x * self.n() - self.x as f64) * EXTENT,
            y: (w.y * self.n() - self.y as f64) * EXTENT,
        }
    }

    /// Tile units back to lon/lat.
    fn to_lonlat(self, u: Coord<f64>) -> Coord<f64> {
        lonlat(Coord {
            x: (u.x / EXTENT + self.x as f64) / self.n(),
            y: (u.y / EXTENT + self.y as f64) / self.n(),
        })
    }

    /// Metres per tile unit at a latitude.
    fn metres_per_unit(self, lat: f64) -> f64 {
        2.0 * PI * MERCATOR_R * lat.to_radians().cos() / (EXTENT * self.n())
    }
}

fn window() -> MultiPolygon<f64> {
    let r = Rect::new(
        Coord {
            x: WINDOW_MIN,
            y: WINDOW_MIN,
        },
        Coord {
            x: WINDOW_MAX,
            y: WINDOW_MAX,
        },
    );
    MultiPolygon(vec![r.to_polygon()])
}

fn in_window(c: Coord<f64>) -> bool {
    (WINDOW_MIN..=WINDOW_MAX).contains(&c.x) && (WINDOW_MIN..=WINDOW_MAX).contains(&c.y)
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

struct DecodedLayer {
    name: String,
    features: Vec<mvt_reader::feature::Feature<f64>>,
}

/// Decodes a tile's feature layers, leaving out the label layers (see
/// [`decode_all`]).
fn decode(bytes: &[u8]) -> Vec<DecodedLayer> {
    decode_all(bytes)
        .into_iter()
        .filter(|l| !l.name.ends_with("_labels"))
        .collect()
}

/// Decodes a tile with `mvt-reader`, checking the layer metadata on the way.
fn decode_all(bytes: &[u8]) -> Vec<DecodedLayer> {
    let reader = Reader::new(bytes.to_vec()).expect("the tile parses as a vector tile");
    let metadata = reader.get_layer_metadata().expect("layer metadata");
    metadata
        .into_iter()
        .map(|m| {
            assert_eq!(m.version, 2, "layer {} version", m.name);
            assert_eq!(m.extent, 4096, "layer {} extent", m.name);
            let features = reader
                .get_features_as::<f64>(m.layer_index)
                .expect("features decode");
            // The reader skips features without a geometry type: none may be missing.
            assert_eq!(
                features.len(),
                m.feature_count,
                "layer {} feature count",
                m.name
            );
            DecodedLayer {
                name: m.name,
                features,
            }
        })
        .collect()
}

/// Twice the signed area of a closed ring (shoelace, in the ring's own axes).
fn ring_area2(ring: &LineString<f64>) -> f64 {
    ring.0
        .windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

fn ring_perimeter(ring: &LineString<f64>) -> f64 {
    ring.0
        .windows(2)
        .map(|w| ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2)).sqrt())
        .sum()
}

fn perimeter(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(ring_perimeter)
        .sum()
}

/// Euclidean distance from a point to polygons, 0 inside.
fn distance_to_polygons(p: Coord<f64>, mp: &MultiPolygon<f64>) -> f64 {
    if mp.intersects(&geo::Point(p)) {
        return 0.0;
    }
    distance_to_edges(p, mp)
}

/// Length of the rings' edges that run along the line x = `at` (or y = `at`).
fn length_along(mp: &MultiPolygon<f64>, at: f64, vertical: bool) -> f64 {
    let on = |c: Coord<f64>| (if vertical { c.x } else { c.y } - at).abs() < 1e-6;
    mp.0.iter()
        .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
        .flat_map(|ring| ring.0.windows(2))
        .filter(|w| on(w[0]) && on(w[1]))
        .map(|w| ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2)).sqrt())
        .sum()
}

/// The polygons of a decoded polygon feature.
fn decoded_polygons(geometry: &geo::Geometry<f64>) -> MultiPolygon<f64> {
    match geometry {
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        geo::Geometry::MultiPolygon(mp) => mp.clone(),
        other => panic!("expected a polygon, decoded {other:?}"),
    }
}

/// The single point of a decoded point feature.
fn decoded_point(geometry: &geo::Geometry<f64>) -> Coord<f64> {
    match geometry {
        geo::Geometry::Point(p) => p.0,
        geo::Geometry::MultiPoint(mp) if mp.0.len() == 1 => mp.0[0].0,
        other => panic!("expected one point, decoded {other:?}"),
    }
}

/// What the MVT spec asks of polygon geometry: integer coordinates in the
/// buffered tile, closed rings of at least three corners, exterior rings with
/// a positive shoelace area in tile coordinates (y down), holes negative.
fn check_polygon_rings(mp: &MultiPolygon<f64>, what: &str) {
    assert!(!mp.0.is_empty(), "{what}: no polygon");
    for (i, polygon) in mp.0.iter().enumerate() {
        let rings = std::iter::once((true, polygon.exterior()))
            .chain(polygon.interiors().iter().map(|r| (false, r)));
        for (exterior, ring) in rings {
            assert!(
                ring.0.len() >= 4,
                "{what}: polygon {i} ring {ring:?} has under 3 corners"
            );
            assert_eq!(ring.0.first(), ring.0.last(), "{what}: ring not closed");
            for c in &ring.0 {
                assert!(in_window(*c), "{what}: {c:?} outside [-64, 4160]");
                assert!(
                    c.x.fract() == 0.0 && c.y.fract() == 0.0,
                    "{what}: {c:?} not integral"
                );
            }
            let a2 = ring_area2(ring);
            if exterior {
                assert!(
                    a2 > 0.0,
                    "{what}: exterior ring of polygon {i} has area {}",
                    a2 / 2.0
                );
            } else {
                assert!(
                    a2 < 0.0,
                    "{what}: interior ring of polygon {i} has area {}",
                    a2 / 2.0
                );
            }
        }
    }
}

/// Area lost or gained by snapping to the grid (each corner moves at most
/// half a unit on each axis) and by simplifying with a half-unit tolerance.
fn snap_tolerance(perimeter: f64) -> f64 {
    1.25 * perimeter + 2.0
}

// ---------------------------------------------------------------------------
// The model, as the tests expect to see it in a tile
// ---------------------------------------------------------------------------

enum WorldGeom {
    Area(MultiPolygon<f64>),
    Point(Coord<f64>),
}

struct Expected {
    id: u64,
    code: String,
    geom: WorldGeom,
    bbox: Rect<f64>,
    lat: f64,
    area_m2: Option<f64>,
    props: HashMap<String, Value>,
}

fn text(props: &mut HashMap<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        props.insert(key.into(), Value::String(v.into()));
    }
}

fn number(props: &mut HashMap<String, Value>, key: &str, value: Option<f64>) {
    if let Some(v) = value {
        props.insert(key.into(), Value::Double(v));
    }
}

fn expected<A: Attributes>(
    f: &Feature<A>,
    props: HashMap<String, Value>,
    area_m2: Option<f64>,
) -> Expected {
    let (geom, bbox) = match &f.shape {
        Shape::Point(p) => {
            let w = world(p.x(), p.y());
            (WorldGeom::Point(w), Rect::new(w, w))
        }
        Shape::Area(mp) => {
            let w = mp.map_coords(|c| world(c.x, c.y));
            let bbox = w.bounding_rect().expect("an area has a box");
            (WorldGeom::Area(w), bbox)
        }
    };
    let mut props = props;
    props.insert("code".into(), Value::String(f.code.clone()));
    Expected {
        id: f.id,
        code: f.code.clone(),
        geom,
        bbox,
        lat: f.anchor().y(),
        area_m2,
        props,
    }
}

fn expected_plot(p: &Plot) -> Expected {
    let a = &p.attrs;
    let mut props = HashMap::new();
    text(&mut props, "name", Some(&a.name));
    text(&mut props, "status", Some(a.status.as_str()));
    text(&mut props, "land_use", Some(a.land_use.as_str()));
    number(&mut props, "area_mu", Some(a.area_m2 / M2_PER_MU));
    number(&mut props, "price_wan_per_mu", a.price_wan_per_mu);
    text(&mut props, "park", a.park.as_deref());
    expected(p, props, Some(a.area_m2))
}

fn expected_park(p: &Park) -> Expected {
    let a = &p.attrs;
    let mut props = HashMap::new();
    text(&mut props, "name", Some(&a.name));
    text(&mut props, "level", a.level.map(|l| l.as_str()));
    text(&mut props, "industries", Some(&a.industries.join(",")));
    text(&mut props, "district", a.district.as_deref());
    expected(p, props, None)
}

fn expected_factory(f: &Factory) -> Expected {
    let a = &f.attrs;
    let mut props = HashMap::new();
    text(&mut props, "name", Some(&a.name));
    text(&mut props, "status", Some(a.status.as_str()));
    text(&mut props, "park", a.park.as_deref());
    if let Some(floors) = a.floors {
        props.insert("floors".into(), Value::UInt(floors.into()));
    }
    number(&mut props, "clear_height_m", a.clear_height_m);
    number(&mut props, "floor_load_kn_m2", a.floor_load_kn_m2);
    number(&mut props, "available_area_m2", a.available_area_m2);
    number(&mut props, "rent_yuan_m2_month", a.rent_yuan_m2_month);
    expected(f, props, None)
}

fn expected_office(o: &Office) -> Expected {
    let a = &o.attrs;
    let mut props = HashMap::new();
    text(&mut props, "name", Some(&a.name));
    text(&mut props, "park", a.park.as_deref());
    text(&mut props, "kind", Some(a.kind.as_str()));
    text(&mut props, "grade", a.grade.map(|g| g.as_str()));
    text(&mut props, "status", Some(a.status.as_str()));
    text(&mut props, "fit_out", a.fit_out.map(|f| f.as_str()));
    number(&mut props, "available_area_m2", a.available_area_m2);
    number(&mut props, "rent_yuan_m2_month", a.rent_yuan_m2_month);
    number(&mut props, "metro_distance_m", a.metro_distance_m);
    expected(o, props, None)
}

fn expected_poi(p: &Poi) -> Expected {
    let mut props = HashMap::new();
    text(&mut props, "name", Some(&p.attrs.name));
    text(&mut props, "kind", Some(p.attrs.kind.as_str()));
    expected(p, props, None)
}

/// Properties must be exactly the expected ones; `area_mu` may be rounded to
/// one decimal.
fn check_properties(decoded: &HashMap<String, Value>, want: &HashMap<String, Value>, what: &str) {
    let mut keys: Vec<&String> = decoded.keys().collect();
    let mut want_keys: Vec<&String> = want.keys().collect();
    keys.sort();
    want_keys.sort();
    assert_eq!(keys, want_keys, "{what}: property names");
    for (key, value) in want {
        match (key.as_str(), value, &decoded[key]) {
            ("area_mu", Value::Double(w), Value::Double(d)) => {
                assert!(
                    (w - d).abs() <= 0.05 + 1e-9,
                    "{what}: area_mu {d}, model {w}"
                );
            }
            (_, w, d) => assert_eq!(d, w, "{what}: property {key}"),
        }
    }
}

/// A model held twice: in an [`Atlas`] and as the expectations per layer.
struct Fixture {
    atlas: Atlas,
    layers: BTreeMap<LayerKind, Vec<Expected>>,
    /// Each plot's centroid in world coordinates, for clusters.
    plot_centroids: Vec<(Coord<f64>, bool, f64)>,
}

impl Fixture {
    fn new(data: Dataset) -> Fixture {
        let mut layers = BTreeMap::new();
        layers.insert(
            LayerKind::Parks,
            data.parks.iter().map(expected_park).collect(),
        );
        layers.insert(
            LayerKind::Plots,
            data.plots.iter().map(expected_plot).collect(),
        );
        layers.insert(
            LayerKind::Factories,
            data.factories.iter().map(expected_factory).collect(),
        );
        layers.insert(
            LayerKind::Pois,
            data.pois.iter().map(expected_poi).collect(),
        );
        layers.insert(
            LayerKind::Offices,
            data.offices.iter().map(expected_office).collect(),
        );
        let plot_centroids = data
            .plots
            .iter()
            .map(|p| {
                let c = p.shape.as_area().unwrap().centroid().unwrap();
                (
                    world(c.x(), c.y()),
                    p.attrs.status == PlotStatus::Available,
                    p.attrs.area_m2 / M2_PER_MU,
                )
            })
            .collect();
        Fixture {
            atlas: atlas_of(data),
            layers,
            plot_centroids,
        }
    }

    fn encode(&self, layers: &[LayerKind], tile: Tile) -> Vec<u8> {
        self.atlas
            .encode_tile(layers, tile.id())
            .unwrap_or_else(|e| panic!("tile {tile:?}: {e}"))
    }
}

/// A generated dataset of `plots` plots.
fn dataset(seed: u64, plots: usize) -> Dataset {
    let data = generate(GeneratorConfig { seed, plots });
    assert_eq!(data.plots.len(), plots);
    data
}

fn atlas_of(data: Dataset) -> Atlas {
    Atlas {
        parks: LayerIndex::bulk_load(data.parks),
        plots: LayerIndex::bulk_load(data.plots),
        factories: LayerIndex::bulk_load(data.factories),
        pois: LayerIndex::bulk_load(data.pois),
        offices: LayerIndex::bulk_load(data.offices),
    }
}

fn demo_layer<A: Attributes>(geojson: &str) -> Vec<Feature<A>> {
    let collection: geojson::FeatureCollection = geojson.parse().expect("demo GeoJSON parses");
    collection
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| feature_from_geojson::<A>(i as u64 + 1, f).expect("demo feature is valid"))
        .collect()
}

fn demo_dataset() -> Dataset {
    Dataset {
        parks: demo_layer(demo::PARKS),
        plots: demo_layer(demo::PLOTS),
        factories: demo_layer(demo::FACTORIES),
        pois: demo_layer(demo::POIS),
        offices: demo_layer(demo::OFFICES),
    }
}

// ---------------------------------------------------------------------------
// Checking one detailed tile (zoom 12 and above)
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Stats {
    tiles: usize,
    features: usize,
    clipped: usize,
    /// Plots wholly inside a tile at z14-16: relative area error against the
    /// projected model polygon, and against the geodesic area.
    inside_rel_err: f64,
    inside_geodesic_rel_err: f64,
    inside_checked: usize,
    /// Sides of clipped features checked to be cut at the buffer line.
    cut_edges: usize,
    seen: HashMap<LayerKind, HashSet<u64>>,
}

/// Decodes a detailed tile (z >= 12) and checks every feature in it against
/// the model, and that every feature the tile must show is there.
fn check_detailed_tile(fx: &Fixture, requested: &[LayerKind], tile: Tile, stats: &mut Stats) {
    assert!(tile.z >= 12);
    let bytes = fx.encode(requested, tile);
    let decoded = if bytes.is_empty() {
        Vec::new()
    } else {
        decode(&bytes)
    };
    stats.tiles += 1;

    // Layers: requested ones only, each once, in the requested order.
    let names: Vec<&str> = decoded.iter().map(|l| l.name.as_str()).collect();
    let order: Vec<&str> = requested
        .iter()
        .map(|l| l.as_str())
        .filter(|n| names.contains(n))
        .collect();
    assert_eq!(
        names, order,
        "tile {tile:?}: layers {names:?} for request {requested:?}"
    );
    if !bytes.is_empty() {
        assert!(!decoded.is_empty(), "a non-empty tile has a layer");
    }

    let window = window();
    // The tile's buffered window, grown by one unit, in world coordinates.
    let pad = (BUFFER + 1.0) / EXTENT;
    let world_window = Rect::new(
        Coord {
            x: (tile.x as f64 - pad) / tile.n(),
            y: (tile.y as f64 - pad) / tile.n(),
        },
        Coord {
            x: (tile.x as f64 + 1.0 + pad) / tile.n(),
            y: (tile.y as f64 + 1.0 + pad) / tile.n(),
        },
    );

    for &layer in requested {
        let model = &fx.layers[&layer];
        let decoded_layer = decoded.iter().find(|l| l.name == layer.as_str());
        let mut by_id: HashMap<u64, &mvt_reader::feature::Feature<f64>> = HashMap::new();
        if let Some(l) = decoded_layer {
            assert!(
                !l.features.is_empty(),
                "tile {tile:?}: empty layer {}",
                l.name
            );
            for f in &l.features {
                let id =
                    f.id.unwrap_or_else(|| panic!("tile {tile:?}: {layer} feature without id"));
                assert!(
                    by_id.insert(id, f).is_none(),
                    "tile {tile:?}: {layer} id {id} twice"
                );
            }
        }
        let mut matched = 0;
        for m in model {
            let touches = m.bbox.min().x <= world_window.max().x
                && m.bbox.max().x >= world_window.min().x
                && m.bbox.min().y <= world_window.max().y
                && m.bbox.max().y >= world_window.min().y;
            if !touches {
                continue;
            }
            let what = format!(
                "tile {}/{}/{} {layer} {} ({})",
                tile.z, tile.x, tile.y, m.id, m.code
            );
            let got = by_id.get(&m.id);
            if got.is_some() {
                matched += 1;
            }
            match &m.geom {
                WorldGeom::Point(w) => {
                    let u = tile.units_of_world(*w);
                    let inside = in_window(u);
                    match got {
                        None => assert!(
                            !(WINDOW_MIN + 1e-6..=WINDOW_MAX - 1e-6).contains(&u.x)
                                || !(WINDOW_MIN + 1e-6..=WINDOW_MAX - 1e-6).contains(&u.y),
                            "{what}: point at {u:?} is missing"
                        ),
                        Some(f) => {
                            let near_window = (u.x - u.x.clamp(WINDOW_MIN, WINDOW_MAX)).abs()
                                < 1e-6
                                && (u.y - u.y.clamp(WINDOW_MIN, WINDOW_MAX)).abs() < 1e-6;
                            assert!(
                                inside || near_window,
                                "{what}: point at {u:?} is outside the tile"
                            );
                            let p = decoded_point(&f.geometry);
                            assert!(
                                (p.x - u.x).abs() <= 0.5 + 1e-6 && (p.y - u.y).abs() <= 0.5 + 1e-6,
                                "{what}: decoded {p:?}, model {u:?}"
                            );
                            check_properties(f.properties.as_ref().unwrap(), &m.props, &what);
                            stats.features += 1;
                        }
                    }
                }
                WorldGeom::Area(w) => {
                    let units = w.map_coords(|c| tile.units_of_world(c));
                    let wholly_inside = units
                        .0
                        .iter()
                        .flat_map(|p| p.exterior().0.iter())
                        .all(|c| in_window(*c));
                    let clipped = if wholly_inside {
                        units.clone()
                    } else {
                        units.intersection(&window)
                    };
                    let want_area = clipped.unsigned_area();
                    let tolerance = snap_tolerance(perimeter(&clipped));
                    let Some(f) = got else {
                        assert!(
                            want_area <= tolerance,
                            "{what}: missing, though {want_area:.1} units² of it are in the tile"
                        );
                        continue;
                    };
                    stats.features += 1;
                    check_properties(f.properties.as_ref().unwrap(), &m.props, &what);
                    let polys = decoded_polygons(&f.geometry);
                    check_polygon_rings(&polys, &what);
                    let got_area = polys.unsigned_area();
                    assert!(
                        (got_area - want_area).abs() <= tolerance,
                        "{what}: decoded area {got_area}, clipped model {want_area} (± {tolerance:.1})"
                    );
                    // Every decoded corner lies on or in the model, to the snapping
                    // (a corner made by the cut may move a little more: it lies on
                    // an edge whose ends were snapped, and is snapped itself).
                    for c in polys.0.iter().flat_map(|p| p.exterior().0.iter()) {
                        let on_line = [c.x, c.y]
                            .iter()
                            .any(|v| *v == WINDOW_MIN || *v == WINDOW_MAX);
                        let off = distance_to_polygons(*c, &units);
                        let allowed = if on_line { 1.25 } else { 0.75 };
                        assert!(
                            off <= allowed,
                            "{what}: decoded corner {c:?} is {off} units off the model"
                        );
                    }
                    // The decoded box is the model's box, to the snapping; where
                    // the clipped model runs along the buffer line, so does the tile.
                    let (gb, mb) = (
                        polys.bounding_rect().unwrap(),
                        units.bounding_rect().unwrap(),
                    );
                    for (g, m, line, side) in [
                        (gb.min().x, mb.min().x, WINDOW_MIN, "west"),
                        (gb.min().y, mb.min().y, WINDOW_MIN, "north"),
                        (gb.max().x, mb.max().x, WINDOW_MAX, "east"),
                        (gb.max().y, mb.max().y, WINDOW_MAX, "south"),
                    ] {
                        assert!(
                            (WINDOW_MIN..=WINDOW_MAX).contains(&g),
                            "{what}: {side} edge beyond the buffer"
                        );
                        let vertical = side == "west" || side == "east";
                        if length_along(&clipped, line, vertical) >= 2.0 {
                            assert_eq!(g, line, "{what}: {side} edge not cut at the buffer line");
                            stats.cut_edges += 1;
                        } else if wholly_inside {
                            assert!(
                                (g - m).abs() <= 0.5 + 1e-6,
                                "{what}: {side} edge at {g}, model {m}"
                            );
                        }
                    }
                    if wholly_inside {
                        assert_eq!(polys.0.len(), units.0.len(), "{what}: polygon count");
                        // Every decoded corner is a model corner, snapped.
                        let corners: Vec<Coord<f64>> = units
                            .0
                            .iter()
                            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                            .flat_map(|r| r.0.iter().copied())
                            .collect();
                        for c in polys.0.iter().flat_map(|p| p.exterior().0.iter()) {
                            let near = corners.iter().any(|k| {
                                (k.x - c.x).abs() <= 0.5 + 1e-6 && (k.y - c.y).abs() <= 0.5 + 1e-6
                            });
                            assert!(near, "{what}: decoded corner {c:?} is no model corner");
                        }
                        if let (Some(area_m2), 14..=16) = (m.area_m2, tile.z) {
                            let inner =
                                units.0.iter().flat_map(|p| p.exterior().0.iter()).all(|c| {
                                    (0.0..=EXTENT).contains(&c.x) && (0.0..=EXTENT).contains(&c.y)
                                });
                            if inner {
                                let rel = (got_area - want_area).abs() / want_area;
                                stats.inside_rel_err = stats.inside_rel_err.max(rel);
                                let m2 = got_area * tile.metres_per_unit(m.lat).powi(2);
                                let rel_geo = (m2 - area_m2).abs() / area_m2;
                                stats.inside_geodesic_rel_err =
                                    stats.inside_geodesic_rel_err.max(rel_geo);
                                stats.inside_checked += 1;
                                assert!(
                                    rel <= 0.01,
                                    "{what}: decoded area {got_area}, projected {want_area}"
                                );
                                assert!(
                                    rel_geo <= 0.02,
                                    "{what}: {m2} m² decoded, {area_m2} m² geodesic"
                                );
                            }
                        }
                    } else {
                        stats.clipped += 1;
                    }
                    stats.seen.entry(layer).or_default().insert(m.id);
                }
            }
        }
        // Every decoded id is a model feature that touches the tile.
        assert_eq!(
            matched,
            by_id.len(),
            "tile {tile:?}: {layer} holds ids not near the tile"
        );
    }
}

// ---------------------------------------------------------------------------
// Tests on generated data
// ---------------------------------------------------------------------------

fn first_area_box(data: &Dataset) -> Rect<f64> {
    data.parks
        .iter()
        .filter(|p| p.code.starts_with("WJ-"))
        .map(|p| p.shape.bbox())
        .reduce(|a, b| {
            Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })
        .expect("the first area has parks")
}

#[test]
fn detailed_tiles_of_the_first_area_decode_to_the_model() {
    let data = dataset(20261126, 20_000);
    let area = first_area_box(&data);
    let fx = Fixture::new(data);
    let mut stats = Stats::default();
    for z in 12..=16 {
        for tile in Tile::covering(z, area) {
            check_detailed_tile(&fx, &LayerKind::ALL, tile, &mut stats);
        }
    }
    // Some tiles must only show plots, in another order of layers.
    for tile in Tile::covering(15, area).into_iter().step_by(7) {
        check_detailed_tile(&fx, &[LayerKind::Pois, LayerKind::Plots], tile, &mut stats);
    }
    eprintln!(
        "{} tiles, {} features ({} clipped, {} sides cut); {} plots wholly inside at z14-16: max area error {:.3} % projected, {:.3} % geodesic",
        stats.tiles,
        stats.features,
        stats.clipped,
        stats.cut_edges,
        stats.inside_checked,
        stats.inside_rel_err * 100.0,
        stats.inside_geodesic_rel_err * 100.0
    );
    assert!(
        stats.clipped > 100,
        "plots and parks crossing tile edges were checked"
    );
    assert!(
        stats.cut_edges > 100,
        "cuts at the buffer line were checked"
    );
    assert!(
        stats.inside_checked > 1000,
        "plots inside tiles were checked"
    );
    // Every plot of the first area showed up at z16.
    let wj_plots = fx.layers[&LayerKind::Plots]
        .iter()
        .filter(|p| p.code.starts_with("WJ-"))
        .count();
    assert!(wj_plots > 500);
    let seen = &stats.seen[&LayerKind::Plots];
    for p in fx.layers[&LayerKind::Plots]
        .iter()
        .filter(|p| p.code.starts_with("WJ-"))
    {
        assert!(seen.contains(&p.id), "plot {} never appeared", p.code);
    }
}

#[test]
fn demo_tiles_decode_to_the_demo_data() {
    let fx = Fixture::new(demo_dataset());
    let parks_extent = fx.atlas.extent(LayerKind::Parks).unwrap();
    assert!(parks_extent.width() > 1.0, "three areas far apart");
    let mut stats = Stats::default();
    for z in 12..=16 {
        let mut tiles: Vec<Tile> = fx.layers[&LayerKind::Parks]
            .iter()
            .flat_map(|p| Tile::covering(z, expand_lonlat(world_rect_to_lonlat(p.bbox), 0.003)))
            .collect();
        tiles.sort();
        tiles.dedup();
        for tile in tiles {
            check_detailed_tile(&fx, &LayerKind::ALL, tile, &mut stats);
        }
    }
    // Every demo feature appeared in some tile.
    for layer in LayerKind::ALL {
        let seen = stats.seen.get(&layer).cloned().unwrap_or_default();
        for f in &fx.layers[&layer] {
            if let WorldGeom::Area(_) = f.geom {
                assert!(seen.contains(&f.id), "{layer} {} never appeared", f.code);
            }
        }
    }
    assert!(stats.features > 500);
}

fn world_rect_to_lonlat(r: Rect<f64>) -> Rect<f64> {
    Rect::new(lonlat(r.min()), lonlat(r.max()))
}

fn expand_lonlat(r: Rect<f64>, by: f64) -> Rect<f64> {
    Rect::new(
        Coord {
            x: r.min().x - by,
            y: r.min().y - by,
        },
        Coord {
            x: r.max().x + by,
            y: r.max().y + by,
        },
    )
}

#[test]
fn demo_points_of_interest_keep_their_positions() {
    let fx = Fixture::new(demo_dataset());
    let mut found = 0;
    for poi in &fx.layers[&LayerKind::Pois] {
        let WorldGeom::Point(w) = poi.geom else {
            unreachable!()
        };
        let ll = lonlat(w);
        for z in [8, 12, 16] {
            let tile = Tile::containing(z, ll.x, ll.y);
            let decoded = decode(&fx.encode(&[LayerKind::Pois], tile));
            assert_eq!(decoded.len(), 1);
            let f = decoded[0]
                .features
                .iter()
                .find(|f| f.id == Some(poi.id))
                .unwrap_or_else(|| panic!("poi {} missing at z{z}", poi.code));
            let p = decoded_point(&f.geometry);
            let u = tile.units_of_world(w);
            assert!((0.0..=EXTENT).contains(&p.x) && (0.0..=EXTENT).contains(&p.y));
            assert!((p.x - u.x).abs() <= 0.5 + 1e-9 && (p.y - u.y).abs() <= 0.5 + 1e-9);
            check_properties(f.properties.as_ref().unwrap(), &poi.props, &poi.code);
            found += 1;
        }
    }
    assert_eq!(found, 3 * fx.layers[&LayerKind::Pois].len());
}

#[test]
fn below_zoom_12_plots_are_clusters_counting_centroids_in_the_tile() {
    let data = dataset(5, 20_000);
    let fx = Fixture::new(data);
    let total_area_mu: f64 = fx.plot_centroids.iter().map(|c| c.2).sum();
    for z in 0..=11u8 {
        // What each tile must count: plots by the tile holding their centroid.
        let mut want: BTreeMap<(u32, u32), (u64, u64, f64)> = BTreeMap::new();
        let n = (1u64 << z) as f64;
        for &(w, available, mu) in &fx.plot_centroids {
            let e = want
                .entry(((w.x * n).floor() as u32, (w.y * n).floor() as u32))
                .or_default();
            e.0 += 1;
            e.1 += u64::from(available);
            e.2 += mu;
        }
        let (mut sum_count, mut sum_mu) = (0, 0.0);
        for (&(x, y), &(count, available, mu)) in &want {
            let tile = Tile { z, x, y };
            let decoded = decode(&fx.encode(&[LayerKind::Plots, LayerKind::Factories], tile));
            // No factories below their zoom.
            let names: Vec<&str> = decoded.iter().map(|l| l.name.as_str()).collect();
            assert_eq!(names, ["plots"], "tile {tile:?}");
            let (mut got_count, mut got_available, mut got_mu) = (0, 0, 0.0);
            let clusters = &decoded[0].features;
            assert!(
                clusters.len() <= 8 * 8,
                "one cluster per 512-unit cell at most"
            );
            for c in clusters {
                assert_eq!(c.id, None, "clusters have no feature id");
                let p = decoded_point(&c.geometry);
                assert!(
                    (0.0..=EXTENT).contains(&p.x) && (0.0..=EXTENT).contains(&p.y),
                    "{p:?}"
                );
                let props = c.properties.as_ref().unwrap();
                assert_eq!(props.get("cluster"), Some(&Value::Bool(true)));
                let uint = |k: &str| match props.get(k) {
                    Some(Value::UInt(v)) => *v,
                    other => panic!("{k}: {other:?}"),
                };
                let count = uint("count");
                assert!(count >= 1);
                assert!(uint("available") <= count);
                got_count += count;
                got_available += uint("available");
                got_mu += match props.get("area_mu") {
                    Some(Value::Double(v)) => *v,
                    other => panic!("area_mu: {other:?}"),
                };
            }
            assert_eq!(got_count, count, "tile {tile:?}: plots counted");
            assert_eq!(
                got_available, available,
                "tile {tile:?}: available plots counted"
            );
            // Each cluster's area is rounded to the mu.
            assert!(
                (got_mu - mu).abs() <= 0.5 * clusters.len() as f64 + 1e-6,
                "tile {tile:?}: {got_mu} mu in clusters, {mu} in plots"
            );
            sum_count += got_count;
            sum_mu += got_mu;
        }
        assert_eq!(
            sum_count,
            fx.plot_centroids.len() as u64,
            "z{z}: every plot counted once"
        );
        assert!((sum_mu - total_area_mu).abs() / total_area_mu < 1e-3);
    }
    // At zoom 12 the plots layer holds polygons with ids again.
    let tile = Tile::containing(12, WJ.0, WJ.1);
    let decoded = decode(&fx.encode(&[LayerKind::Plots], tile));
    assert!(decoded[0].features.iter().all(|f| f.id.is_some()
        && matches!(
            f.geometry,
            geo::Geometry::MultiPolygon(_) | geo::Geometry::Polygon(_)
        )));
}

/// Radius of a cluster's disc in screen pixels, as the tiles document it.
fn expected_radius(count: u64) -> u64 {
    match count {
        0..10 => 12,
        10..100 => 16,
        100..1000 => 21,
        _ => 26,
    }
}

#[test]
fn cluster_discs_never_overlap_and_frame_their_plots() {
    let data = dataset(11, 30_000);
    let fx = Fixture::new(data);
    let outline_px = 2.0;
    for z in 5..=11u8 {
        let centre = Tile::containing(z, WJ.0, WJ.1);
        // Every disc of the tile and its neighbours, in screen pixels of this
        // zoom (a tile is 512 wide), with its radius.
        let mut discs: Vec<(Coord<f64>, f64)> = Vec::new();
        for tile in centre.with_neighbours() {
            let decoded = decode(&fx.encode(&[LayerKind::Plots], tile));
            let Some(layer) = decoded.first() else {
                continue;
            };
            // The plots of each 512-unit cell, by their centroids.
            let mut members: HashMap<(u32, u32), Vec<Coord<f64>>> = HashMap::new();
            for &(w, _, _) in &fx.plot_centroids {
                let u = tile.units_of_world(w);
                if (0.0..EXTENT).contains(&u.x) && (0.0..EXTENT).contains(&u.y) {
                    let cell = ((u.x / 512.0) as u32, (u.y / 512.0) as u32);
                    members.entry(cell).or_default().push(lonlat(w));
                }
            }
            for c in &layer.features {
                let props = c.properties.as_ref().unwrap();
                let uint = |k: &str| match props.get(k) {
                    Some(Value::UInt(v)) => *v,
                    other => panic!("{k}: {other:?}"),
                };
                let double = |k: &str| match props.get(k) {
                    Some(Value::Double(v)) => *v,
                    other => panic!("{k}: {other:?}"),
                };
                let count = uint("count");
                let radius = uint("radius");
                assert_eq!(radius, expected_radius(count), "radius of {count} plots");
                let p = decoded_point(&c.geometry);
                let cell = ((p.x / 512.0) as u32, (p.y / 512.0) as u32);
                let inside = &members[&cell];
                assert_eq!(inside.len() as u64, count, "tile {tile:?} cell {cell:?}");
                // The disc and its outline stay inside the cell.
                let margin = (radius as f64 + outline_px) * 8.0;
                for v in [p.x, p.y] {
                    let offset = v - (v / 512.0).floor() * 512.0;
                    assert!(
                        offset >= margin - 1e-9 && offset <= 512.0 - margin + 1e-9,
                        "tile {tile:?}: disc at {p:?} of radius {radius} leaves its cell"
                    );
                }
                // The extent frames every member (to the rounding of six decimals).
                let (w, s, e, n) = (
                    double("west"),
                    double("south"),
                    double("east"),
                    double("north"),
                );
                assert!(w <= e && s <= n);
                for m in inside {
                    assert!(
                        m.x >= w - 1e-6 && m.x <= e + 1e-6 && m.y >= s - 1e-6 && m.y <= n + 1e-6,
                        "tile {tile:?}: plot at {m:?} outside the cluster's extent {w},{s},{e},{n}"
                    );
                }
                let screen = Coord {
                    x: tile.x as f64 * 512.0 + p.x / 8.0,
                    y: tile.y as f64 * 512.0 + p.y / 8.0,
                };
                discs.push((screen, radius as f64 + outline_px));
            }
        }
        assert!(discs.len() > 1, "z{z}: a few clusters to compare");
        for (i, (a, ra)) in discs.iter().enumerate() {
            for (b, rb) in &discs[i + 1..] {
                let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                assert!(
                    d >= ra + rb - 1e-9,
                    "z{z}: discs at {a:?} and {b:?} overlap"
                );
            }
        }
    }
}

/// Distance from a point to the nearest edge of any ring of `mp`.
fn distance_to_edges(p: Coord<f64>, mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter()
        .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
        .flat_map(|ring| ring.0.windows(2))
        .map(|w| {
            let (a, b) = (w[0], w[1]);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let t = (((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
            ((a.x + t * dx - p.x).powi(2) + (a.y + t * dy - p.y).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The largest distance from the edges of a point inside the largest
/// polygon of `mp`, found on a 60 x 60 grid: at most the true pole's.
fn grid_pole_distance(mp: &MultiPolygon<f64>) -> (f64, f64) {
    let largest =
        mp.0.iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
            .unwrap();
    let b = largest.bounding_rect().unwrap();
    let mut best: f64 = 0.0;
    for i in 1..60 {
        for j in 1..60 {
            let p = Coord {
                x: b.min().x + b.width() * i as f64 / 60.0,
                y: b.min().y + b.height() * j as f64 / 60.0,
            };
            if largest.intersects(&geo::Point(p)) {
                best = best.max(distance_to_edges(p, mp));
            }
        }
    }
    (best, b.width().max(b.height()))
}

#[test]
fn polygons_are_labelled_once_at_the_point_farthest_from_their_edges() {
    let mut data = demo_dataset();
    // A U-shaped plot: its centroid lies outside it, in the notch.
    let mut u = data.plots[0].clone();
    let (x, y) = (104.07, 30.62);
    u.id = 999_001;
    u.code = "U-SHAPE".into();
    u.shape = Shape::polygon(Polygon::new(
        LineString::from(vec![
            (x, y),
            (x + 0.006, y),
            (x + 0.006, y + 0.006),
            (x + 0.004, y + 0.006),
            (x + 0.004, y + 0.002),
            (x + 0.002, y + 0.002),
            (x + 0.002, y + 0.006),
            (x, y + 0.006),
            (x, y),
        ]),
        vec![],
    ))
    .unwrap();
    data.plots.push(u);
    let fx = Fixture::new(data);
    let mut checked = 0;
    for (layer, name) in [
        (LayerKind::Parks, "park_labels"),
        (LayerKind::Plots, "plot_labels"),
        (LayerKind::Factories, "factory_labels"),
        (LayerKind::Offices, "office_labels"),
    ] {
        for z in [13u8, 16] {
            let features = &fx.layers[&layer];
            let mut tiles: Vec<Tile> = features
                .iter()
                .flat_map(|f| Tile::covering(z, world_rect_to_lonlat(f.bbox)))
                .collect();
            tiles.sort();
            tiles.dedup();
            let mut labels: HashMap<u64, Vec<(Tile, Coord<f64>)>> = HashMap::new();
            for &tile in &tiles {
                for l in decode_all(&fx.encode(&[layer], tile)) {
                    if l.name != name {
                        continue;
                    }
                    for f in l.features {
                        let u = decoded_point(&f.geometry);
                        let w = Coord {
                            x: (tile.x as f64 + u.x / EXTENT) / tile.n(),
                            y: (tile.y as f64 + u.y / EXTENT) / tile.n(),
                        };
                        let props = f.properties.as_ref().unwrap();
                        assert!(props.contains_key("code") && props.contains_key("name"));
                        labels.entry(f.id.unwrap()).or_default().push((tile, w));
                    }
                }
            }
            let unit = 1.0 / (EXTENT * (1u64 << z) as f64);
            for f in features {
                let WorldGeom::Area(mp) = &f.geom else {
                    continue;
                };
                let found = labels.get(&f.id).map(Vec::as_slice).unwrap_or_default();
                assert_eq!(found.len(), 1, "{} at z{z}: labelled {found:?}", f.code);
                let p = found[0].1;
                // Inside (to the half unit the tile grid snaps to).
                let inside = mp.intersects(&geo::Point(p));
                let d = distance_to_edges(p, mp);
                assert!(
                    inside || d <= unit,
                    "{} at z{z}: label {p:?} outside",
                    f.code
                );
                // As far from the edges as the best of a fine grid, less
                // the precision asked of polylabel and the snap.
                let (grid, size) = grid_pole_distance(mp);
                assert!(
                    d >= grid - size / 16.0 - unit,
                    "{} at z{z}: label {d:e} from the edges, the grid finds {grid:e}",
                    f.code
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked} labels checked");
    // Below zoom 8 no park names: a low-zoom tile holds parks by the thousand.
    let parks = &fx.layers[&LayerKind::Parks];
    for z in [4u8, 7] {
        for tile in Tile::covering(z, world_rect_to_lonlat(parks[0].bbox)) {
            let layers = decode_all(&fx.encode(&[LayerKind::Parks], tile));
            assert!(layers.iter().all(|l| l.name == "parks"), "z{z}");
        }
    }
}

#[test]
fn tiles_without_features_are_empty() {
    let data = dataset(1, 2_000);
    let factory = data.factories[0].anchor();
    let fx = Fixture::new(data);
    // Lhasa is far from every generated area.
    for z in [0u8, 6, 10, 14, 16] {
        let far = Tile::containing(z, 91.1, 29.65);
        if z >= 6 {
            assert!(fx.encode(&LayerKind::ALL, far).is_empty(), "z{z}");
        }
        // Factories are not drawn below zoom 12, wherever they are.
        let over = Tile::containing(z, factory.x(), factory.y());
        let factories = fx.encode(&[LayerKind::Factories], over);
        assert_eq!(factories.is_empty(), z < 12, "z{z} factories");
    }
    assert!(
        fx.atlas
            .encode_tile(&[], Tile::containing(10, WJ.0, WJ.1).id())
            .is_err()
    );
}

#[test]
fn tiles_of_the_dense_area_stay_under_500_kb_at_every_zoom() {
    let fx = Fixture::new(dataset(20261126, 200_000));
    let mut sizes = Vec::new();
    for z in 0..=16u8 {
        let mut largest = 0;
        for tile in Tile::containing(z, WJ.0, WJ.1).with_neighbours() {
            let bytes = fx.encode(&LayerKind::ALL, tile);
            // Still a valid tile.
            let layers = decode(&bytes);
            if tile == Tile::containing(z, WJ.0, WJ.1) {
                assert!(layers.iter().any(|l| l.name == "plots"), "z{z} shows plots");
            }
            assert!(
                bytes.len() < 500 * 1024,
                "tile {tile:?}: {} bytes",
                bytes.len()
            );
            largest = largest.max(bytes.len());
        }
        sizes.push((z, largest));
    }
    eprintln!("largest tile per zoom (bytes): {sizes:?}");
}

#[test]
fn plots_too_many_to_draw_one_by_one_are_drawn_as_clusters() {
    // 22,500 plots of 20 m x 20 m on a 25 m grid, with long names: far denser
    // than any park, 6 MB of shapes in one z12 tile.
    let (side, step_m) = (150, 25.0);
    let m_per_deg_lat = 110_900.0;
    let m_per_deg_lon = m_per_deg_lat * WJ.1.to_radians().cos();
    let mut plots = Vec::new();
    for i in 0..side {
        for j in 0..side {
            let lon = WJ.0 + (i as f64 * step_m) / m_per_deg_lon;
            let lat = WJ.1 + (j as f64 * step_m) / m_per_deg_lat;
            let (w, h) = (20.0 / m_per_deg_lon, 20.0 / m_per_deg_lat);
            let ring = LineString::from(vec![
                (lon, lat),
                (lon + w, lat),
                (lon + w, lat + h),
                (lon, lat + h),
                (lon, lat),
            ]);
            let id = (i * side + j + 1) as u64;
            let mut attrs = plot_attrs();
            attrs.name = format!("高新技术产业园区标准地第{id}号地块（东区二期）");
            let shape = Shape::area(MultiPolygon(vec![Polygon::new(ring, vec![])])).unwrap();
            plots.push(Plot::new(id, format!("HD-{id:06}"), shape, attrs).unwrap());
        }
    }
    let fx = Fixture::new(Dataset {
        plots,
        ..Dataset::default()
    });
    let centre = (WJ.0 + 0.018, WJ.1 + 0.016);
    for z in 12..=16u8 {
        for tile in Tile::containing(z, centre.0, centre.1).with_neighbours() {
            let bytes = fx.encode(&[LayerKind::Plots], tile);
            assert!(
                bytes.len() <= siteatlas_tiles::encode::MAX_TILE_BYTES,
                "tile {tile:?}: {} bytes",
                bytes.len()
            );
            if bytes.is_empty() {
                continue;
            }
            let decoded = decode(&bytes);
            let features = &decoded[0].features;
            let clustered = features.iter().all(|f| f.id.is_none());
            assert!(
                clustered || features.iter().all(|f| f.id.is_some()),
                "tile {tile:?} mixes clusters and shapes"
            );
            if clustered {
                // Every plot whose centroid is in the tile, counted once.
                let n = (1u64 << z) as f64;
                let want = fx
                    .plot_centroids
                    .iter()
                    .filter(|(w, _, _)| {
                        (w.x * n).floor() as u32 == tile.x && (w.y * n).floor() as u32 == tile.y
                    })
                    .count() as u64;
                let got: u64 = features
                    .iter()
                    .map(|f| match f.properties.as_ref().unwrap().get("count") {
                        Some(Value::UInt(c)) => *c,
                        other => panic!("count: {other:?}"),
                    })
                    .sum();
                assert_eq!(got, want, "tile {tile:?}");
            }
        }
        let centre_tile = Tile::containing(z, centre.0, centre.1);
        let decoded = decode(&fx.encode(&[LayerKind::Plots], centre_tile));
        let shapes = decoded[0].features.iter().all(|f| f.id.is_some());
        // At z12 the 22,500 plots cannot be drawn one by one; from z16 (about
        // 450 plots a tile) they are.
        match z {
            12 => assert!(!shapes, "z12 draws clusters"),
            16 => assert!(shapes, "z16 draws shapes"),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Rings touching at a corner
// ---------------------------------------------------------------------------

fn plot_attrs() -> PlotAttrs {
    PlotAttrs {
        park: None,
        name: "test".into(),
        status: PlotStatus::Available,
        land_use: LandUse::Industrial,
        area_m2: 0.0,
        price_wan_per_mu: None,
        plot_ratio_min: None,
        plot_ratio_max: None,
        building_density_max: None,
        green_ratio_max: None,
        height_limit_m: None,
        investment_intensity_wan_per_mu: None,
        tax_per_mu_wan: None,
        energy_per_mu_tce_max: None,
        power_kva: None,
        water: None,
        gas: None,
        steam: None,
        ..Default::default()
    }
}

/// The tile the synthetic shapes are drawn in.
fn test_tile() -> Tile {
    Tile::containing(14, WJ.0, WJ.1)
}

/// A closed lon/lat ring from an open ring in tile units.
fn ring_from_units(tile: Tile, open: &[(f64, f64)]) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = open
        .iter()
        .map(|&(x, y)| tile.to_lonlat(Coord { x, y }))
        .collect();
    coords.push(coords[0]);
    LineString(coords)
}

fn units_polygon(exterior: &[(f64, f64)], holes: &[&[(f64, f64)]]) -> Polygon<f64> {
    let ring = |open: &[(f64, f64)]| {
        let mut c: Vec<Coord<f64>> = open.iter().map(|&(x, y)| Coord { x, y }).collect();
        c.push(c[0]);
        LineString(c)
    };
    Polygon::new(ring(exterior), holes.iter().map(|h| ring(h)).collect())
}

/// A polygon in tile units: exterior and holes, each an open ring.
type UnitsPolygon = (Vec<(f64, f64)>, Vec<Vec<(f64, f64)>>);

/// Encodes one plot drawn in tile units and decodes its feature, if any.
fn encode_one(tile: Tile, polygons: &[UnitsPolygon]) -> Option<MultiPolygon<f64>> {
    let mp = MultiPolygon(
        polygons
            .iter()
            .map(|(ext, holes)| {
                Polygon::new(
                    ring_from_units(tile, ext),
                    holes.iter().map(|h| ring_from_units(tile, h)).collect(),
                )
            })
            .collect(),
    );
    let plot = Plot::new(
        1,
        "T-1",
        Shape::area(mp).expect("valid shape"),
        plot_attrs(),
    )
    .unwrap();
    let atlas = Atlas {
        plots: LayerIndex::bulk_load([plot]),
        ..Atlas::default()
    };
    let bytes = atlas.encode_tile(&[LayerKind::Plots], tile.id()).unwrap();
    if bytes.is_empty() {
        return None;
    }
    let decoded = decode(&bytes);
    assert_eq!(decoded.len(), 1);
    assert_eq!(decoded[0].name, "plots");
    assert_eq!(decoded[0].features.len(), 1);
    let f = &decoded[0].features[0];
    assert_eq!(f.id, Some(1));
    let polys = decoded_polygons(&f.geometry);
    check_polygon_rings(&polys, "synthetic plot");
    Some(polys)
}

#[test]
fn parts_touching_at_a_corner_decode_whole() {
    let tile = test_tile();
    // Two squares; the second starts where the first ends, (1000, 2000).
    let a = vec![
        (1000.0, 1000.0),
        (2000.0, 1000.0),
        (2000.0, 2000.0),
        (1000.0, 2000.0),
    ];
    let b = vec![
        (1000.0, 2000.0),
        (1000.0, 3000.0),
        (0.0, 3000.0),
        (0.0, 2000.0),
    ];
    let got = encode_one(tile, &[(a, vec![]), (b, vec![])]).expect("in the tile");
    assert_eq!(got.0.len(), 2);
    for p in &got.0 {
        assert_eq!(p.exterior().0.len(), 5, "{p:?}");
        assert_eq!(p.unsigned_area(), 1_000_000.0, "{p:?}");
    }

    // A hole that starts where the exterior ends, touching it at one corner.
    let exterior = vec![
        (1000.0, 1000.0),
        (3000.0, 1000.0),
        (3000.0, 3000.0),
        (1000.0, 3000.0),
    ];
    let hole = vec![(1000.0, 3000.0), (2000.0, 2000.0), (1500.0, 2000.0)];
    let want = units_polygon(&exterior, &[&hole]).unsigned_area();
    let got = encode_one(tile, &[(exterior, vec![hole])]).expect("in the tile");
    assert_eq!(got.0.len(), 1);
    assert_eq!(got.0[0].interiors().len(), 1);
    assert_eq!(got.unsigned_area(), want);
}

// ---------------------------------------------------------------------------
// Property tests: random quads inside and across the tile
// ---------------------------------------------------------------------------

/// A convex quad: four corners on the two diagonals of a rotated rectangle,
/// each at its own distance from the centre (diagonals crossing inside make
/// a quadrilateral convex).
fn quad(cx: f64, cy: f64, hw: f64, hh: f64, angle: f64, s: [f64; 4]) -> Vec<(f64, f64)> {
    let (sin, cos) = angle.sin_cos();
    [(hw, hh), (-hw, hh), (-hw, -hh), (hw, -hh)]
        .iter()
        .zip(s)
        .map(|(&(x, y), k)| (cx + k * (x * cos - y * sin), cy + k * (x * sin + y * cos)))
        .collect()
}

fn arrange(mut ring: Vec<(f64, f64)>, start: usize, reverse: bool) -> Vec<(f64, f64)> {
    let n = ring.len();
    ring.rotate_left(start % n);
    if reverse {
        ring.reverse();
    }
    ring
}

fn quad_strategy(centre: std::ops::Range<f64>) -> impl Strategy<Value = Vec<(f64, f64)>> {
    (
        centre.clone(),
        centre,
        2.0f64..1500.0,
        2.0f64..1500.0,
        0.0f64..std::f64::consts::FRAC_PI_2,
        prop::array::uniform4(0.2f64..1.0),
        0usize..4,
        any::<bool>(),
    )
        .prop_map(|(cx, cy, hw, hh, angle, s, start, reverse)| {
            arrange(quad(cx, cy, hw, hh, angle, s), start, reverse)
        })
}

/// Checks a decoded plot against the model drawn in tile units.
fn check_against_units(
    model: &MultiPolygon<f64>,
    got: Option<MultiPolygon<f64>>,
) -> Result<(), TestCaseError> {
    let clipped = model.intersection(&window());
    let want = clipped.unsigned_area();
    let tolerance = snap_tolerance(perimeter(&clipped));
    let bbox = model.bounding_rect().unwrap();
    let far = bbox.max().x < WINDOW_MIN - 1.0
        || bbox.min().x > WINDOW_MAX + 1.0
        || bbox.max().y < WINDOW_MIN - 1.0
        || bbox.min().y > WINDOW_MAX + 1.0;
    match got {
        None => {
            prop_assert!(
                want <= tolerance,
                "missing, though {want} units² are in the tile"
            );
        }
        Some(polys) => {
            prop_assert!(!far, "a shape outside the tile was encoded");
            let area = polys.unsigned_area();
            prop_assert!(
                (area - want).abs() <= tolerance,
                "decoded area {area}, clipped model {want} (± {tolerance})"
            );
            for c in polys.0.iter().flat_map(|p| p.exterior().0.iter()) {
                prop_assert!(in_window(*c));
            }
        }
    }
    Ok(())
}

fn as_units_multipolygon(polygons: &[UnitsPolygon]) -> MultiPolygon<f64> {
    MultiPolygon(
        polygons
            .iter()
            .map(|(e, h)| units_polygon(e, &h.iter().map(|h| h.as_slice()).collect::<Vec<_>>()))
            .collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        // An integration test has no lib.rs to keep regressions beside; a
        // failure prints its shrunk case instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A quad inside the tile comes back with its area and one polygon;
    /// one across the edge comes back cut to the buffer.
    #[test]
    fn a_quad_encodes_and_decodes_with_its_clipped_area(ring in quad_strategy(-1500.0..5600.0)) {
        let tile = test_tile();
        let model = as_units_multipolygon(&[(ring.clone(), vec![])]);
        let got = encode_one(tile, &[(ring.clone(), vec![])]);
        if let Some(polys) = &got {
            let ring_inside = ring.iter().all(|&(x, y)| in_window(Coord { x, y }));
            if ring_inside {
                prop_assert_eq!(polys.0.len(), 1);
            }
        }
        check_against_units(&model, got)?;
    }

    /// A quad with a quad hole: exterior positive, hole negative, area the difference.
    #[test]
    fn a_quad_with_a_hole_keeps_the_hole(
        ring in quad_strategy(-800.0..4900.0),
        scale in 0.2f64..0.7,
        start in 0usize..4,
        reverse in any::<bool>(),
    ) {
        let tile = test_tile();
        let (cx, cy) = ring.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0 / 4.0, a.1 + p.1 / 4.0));
        let hole: Vec<(f64, f64)> = ring.iter().map(|&(x, y)| (cx + (x - cx) * scale, cy + (y - cy) * scale)).collect();
        let hole = arrange(hole, start, reverse);
        let shape = vec![(ring.clone(), vec![hole.clone()])];
        let model = as_units_multipolygon(&shape);
        let got = encode_one(tile, &shape);
        if let Some(polys) = &got {
            let hole_poly = units_polygon(&hole, &[]);
            let hole_inside = hole.iter().all(|&(x, y)| in_window(Coord { x, y }));
            if hole_inside && hole_poly.unsigned_area() > snap_tolerance(ring_perimeter(hole_poly.exterior())) {
                prop_assert_eq!(polys.0.iter().map(|p| p.interiors().len()).sum::<usize>(), 1);
            }
        }
        check_against_units(&model, got)?;
    }

    /// Two quads apart from each other: one feature with both parts.
    #[test]
    fn two_quads_make_one_feature_with_two_parts(
        split in 0.0f64..4096.0,
        a in (2.0f64..700.0, 2.0f64..700.0, 0.0f64..1.5, prop::array::uniform4(0.2f64..1.0), -1000.0f64..5000.0),
        b in (2.0f64..700.0, 2.0f64..700.0, 0.0f64..1.5, prop::array::uniform4(0.2f64..1.0), -1000.0f64..5000.0),
    ) {
        let tile = test_tile();
        let make = |(hw, hh, angle, s, cy): (f64, f64, f64, [f64; 4], f64), side: f64| {
            let reach = (hw * hw + hh * hh).sqrt();
            quad(split + side * (reach + 1.0), cy, hw, hh, angle, s)
        };
        let shape = vec![(make(a, -1.0), vec![]), (make(b, 1.0), vec![])];
        let model = as_units_multipolygon(&shape);
        let got = encode_one(tile, &shape);
        if let Some(polys) = &got {
            let surviving = model
                .0
                .iter()
                .filter(|p| {
                    let c = MultiPolygon(vec![(*p).clone()]).intersection(&window());
                    c.unsigned_area() > snap_tolerance(perimeter(&c))
                })
                .count();
            prop_assert!(polys.0.len() >= surviving, "{} parts decoded, {surviving} expected", polys.0.len());
            prop_assert!(polys.0.len() <= 2);
        }
        check_against_units(&model, got)?;
    }
}
