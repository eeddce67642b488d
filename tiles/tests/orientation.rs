//! Ring orientation never changes what the engine derives.
//!
//! Land departments' files come with exterior rings in either orientation
//! (every Shapefile is clockwise, RFC 7946 GeoJSON counterclockwise) and
//! holes likewise. For random polygons with holes, and multipart shapes,
//! each given in all four combinations of exterior and hole orientation, the
//! derived area, the anchor, search distances and the encoded tiles must be
//! identical, and the area must be the polygon's true area (checked here
//! against the sum of its parts, and against PostGIS in
//! `tests/tests/orientation_oracle.rs`).

use geo::{Coord, GeodesicArea, LineString, MultiPolygon, Polygon};
use proptest::prelude::*;
use siteatlas_tiles::geojson_io::feature_from_geojson;
use siteatlas_tiles::search::{Circle, SearchQuery};
use siteatlas_tiles::{Atlas, LayerKind, Plot, TileId};

/// Metres per degree of latitude, near enough to place test shapes.
const M_PER_DEG: f64 = 111_320.0;

/// A star-shaped ring around `centre`: corners at increasing angles, so it
/// is simple and counterclockwise, with radii (m) from `radii`.
fn star(centre: Coord<f64>, radii: &[f64], phase: f64) -> LineString<f64> {
    let n = radii.len();
    let cos_lat = centre.y.to_radians().cos();
    let mut coords: Vec<Coord<f64>> = radii
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let a = phase + std::f64::consts::TAU * i as f64 / n as f64;
            Coord {
                x: centre.x + r * a.cos() / (M_PER_DEG * cos_lat),
                y: centre.y + r * a.sin() / M_PER_DEG,
            }
        })
        .collect();
    coords.push(coords[0]);
    LineString(coords)
}

/// One part: an exterior star and, optionally, a hole well inside it.
#[derive(Debug, Clone)]
struct Part {
    centre: Coord<f64>,
    radii: Vec<f64>,
    hole: Option<Vec<f64>>,
    phase: f64,
}

fn part_strategy(centre: Coord<f64>) -> impl Strategy<Value = Part> {
    (
        20.0f64..2_000.0,
        prop::collection::vec(0.5f64..1.0, 4..14),
        prop::option::of(prop::collection::vec(0.1f64..0.45, 3..9)),
        0.0f64..1.0,
    )
        .prop_map(move |(size, radii, hole, phase)| Part {
            centre,
            radii: radii.iter().map(|r| r * size).collect(),
            // Every corner of the hole is nearer the centre than half the
            // exterior's smallest radius, so it lies inside.
            hole: hole.map(|h| h.iter().map(|r| r * size).collect()),
            phase,
        })
}

/// Shapes of one to three parts, far enough apart not to touch.
fn shape_strategy() -> impl Strategy<Value = Vec<Part>> {
    (100.0f64..110.0, 20.0f64..40.0, 1usize..=3).prop_flat_map(|(lon, lat, parts)| {
        let parts: Vec<_> = (0..parts)
            .map(|i| {
                part_strategy(Coord {
                    x: lon + 0.05 * i as f64,
                    y: lat,
                })
            })
            .collect();
        parts
    })
}

/// The shape with exterior and hole rings each counterclockwise or not.
fn oriented(parts: &[Part], exterior_ccw: bool, holes_ccw: bool) -> MultiPolygon<f64> {
    let turn = |mut ring: LineString<f64>, ccw: bool| {
        if !ccw {
            ring.0.reverse();
        }
        ring
    };
    MultiPolygon(
        parts
            .iter()
            .map(|p| {
                let exterior = turn(star(p.centre, &p.radii, p.phase), exterior_ccw);
                let holes = p
                    .hole
                    .iter()
                    .map(|h| turn(star(p.centre, h, p.phase + 0.1), holes_ccw))
                    .collect();
                Polygon::new(exterior, holes)
            })
            .collect(),
    )
}

/// A plot over the shape as a department's file would give it: GeoJSON with
/// no surveyed area, so the engine derives it.
fn plot(shape: &MultiPolygon<f64>) -> Plot {
    let geometry = geojson::Geometry::new(geojson::GeometryValue::from(shape));
    let feature = geojson::Feature {
        bbox: None,
        geometry: Some(geometry),
        id: None,
        properties: Some(
            serde_json::json!({"code": "P1", "status": "available", "land_use": "industrial"})
                .as_object()
                .cloned()
                .unwrap(),
        ),
        foreign_members: None,
    };
    feature_from_geojson(1, &feature).expect("a valid plot")
}

/// What the engine derives from a plot, for comparison across orientations.
#[derive(Debug, PartialEq)]
struct Derived {
    area_m2: f64,
    anchor: (f64, f64),
    distances: Vec<Option<f64>>,
    tiles: Vec<Vec<u8>>,
}

fn derive(parts: &[Part], shape: &MultiPolygon<f64>) -> Derived {
    let plot = plot(shape);
    let anchor = plot.shape.anchor();
    let area_m2 = plot.attrs.area_m2;
    let mut atlas = Atlas::default();
    atlas.plots.upsert(plot);
    // From each part's centre (inside a hole or on the plot), and from
    // outside, 3 km east.
    let mut from: Vec<Coord<f64>> = parts.iter().map(|p| p.centre).collect();
    from.push(Coord {
        x: parts[0].centre.x + 0.03,
        y: parts[0].centre.y,
    });
    let distances = from
        .iter()
        .map(|c| {
            let mut query = SearchQuery::new(LayerKind::Plots);
            query.circle = Some(Circle {
                lon: c.x,
                lat: c.y,
                radius_m: 50_000.0,
            });
            let page = atlas.search(&query).expect("search");
            page.hits.first().and_then(|h| h.distance_m)
        })
        .collect();
    let tiles = [12u8, 15, 17]
        .iter()
        .map(|z| {
            let c = parts[0].centre;
            let n = f64::from(1u32 << z);
            let x = ((c.x + 180.0) / 360.0 * n) as u32;
            let lat = c.y.to_radians();
            let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
                as u32;
            let tile = TileId::new(u32::from(*z), x, y).expect("tile");
            atlas
                .encode_tile(&[LayerKind::Plots], tile)
                .expect("encode")
        })
        .collect();
    Derived {
        area_m2,
        anchor: (anchor.x(), anchor.y()),
        distances,
        tiles,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_orientation_derives_the_same(parts in shape_strategy()) {
        let reference = derive(&parts, &oriented(&parts, true, false));
        for (exterior_ccw, holes_ccw) in [(true, true), (false, false), (false, true)] {
            let other = derive(&parts, &oriented(&parts, exterior_ccw, holes_ccw));
            prop_assert_eq!(&other, &reference, "exterior ccw {}, holes ccw {}", exterior_ccw, holes_ccw);
        }
        // The area is the exteriors' less the holes', each measured on its
        // own as a counterclockwise ring: never the rest of the Earth.
        let expected: f64 = parts
            .iter()
            .map(|p| {
                let outer = Polygon::new(star(p.centre, &p.radii, p.phase), vec![]).geodesic_area_unsigned();
                let hole = p.hole.as_ref().map_or(0.0, |h| {
                    Polygon::new(star(p.centre, h, p.phase + 0.1), vec![]).geodesic_area_unsigned()
                });
                outer - hole
            })
            .sum();
        prop_assert!(
            (reference.area_m2 - expected).abs() <= 1e-6 * expected,
            "area {} m², expected {} m²", reference.area_m2, expected
        );
        // A search from the centre of a part without a hole finds the plot at 0 m.
        if let Some(i) = parts.iter().position(|p| p.hole.is_none()) {
            prop_assert_eq!(reference.distances[i], Some(0.0));
        }
    }
}

#[test]
fn a_clockwise_square_is_its_own_size() {
    // The 100 m square of the report: clockwise, it was stored as 5.1e14 m².
    let parts = [Part {
        centre: Coord { x: 104.0, y: 30.0 },
        radii: vec![70.710_678; 4],
        hole: None,
        phase: std::f64::consts::FRAC_PI_4,
    }];
    let derived = derive(&parts, &oriented(&parts, false, false));
    assert!(
        (derived.area_m2 - 10_000.0).abs() < 50.0,
        "{}",
        derived.area_m2
    );
}
