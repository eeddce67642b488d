//! Mapbox Vector Tile encoding: query, clip, simplify, encode.
//!
//! For each requested layer the tile's buffered extent is looked up in the
//! layer's R-tree; every candidate is projected to tile units, simplified with
//! a tolerance of [`SIMPLIFY_TOLERANCE`] units (1/8 of a screen pixel on a
//! 512 px tile: no visible change), clipped to the tile plus [`BUFFER`],
//! snapped to the integer grid and oriented as the MVT spec asks (exterior
//! rings clockwise in tile units).
//!
//! Plots far below a pixel would bloat low-zoom tiles, so below
//! [`PLOT_DETAIL_MINZOOM`] the `plots` layer carries clusters instead: one
//! point per occupied cell of a [`CLUSTER_CELL`]-unit grid, with the number of
//! plots, how many are available, their total area, the extent they cover
//! and the radius of the disc that shows them (see [`cluster_radius_px`]).
//! The point is the plots' mean position, moved inwards just enough that the
//! disc stays inside its cell: discs never overlap, within a tile or across
//! tiles, at any zoom. A cluster depends only on the plots of its own cell,
//! so a write changes only the tile that holds the plot, and the tile cache
//! can evict exactly. The same clusters stand in for the shapes in a tile
//! that would otherwise exceed [`MAX_TILE_BYTES`]. Factories appear from
//! [`FACTORY_MINZOOM`].

use geo::{Coord, MultiPolygon};
use mvt::{GeomData, GeomEncoder, GeomType, Tile};

use crate::atlas::Atlas;
use crate::clip::{ClipWindow, clip_ring, orient_ring, simplify_ring, snap_ring};
use crate::error::TileError;
use crate::index::{Entry, LayerIndex, Slot, WorldShape};
use crate::model::{Attributes, LayerKind, PlotAttrs, PlotStatus, key_flags, key_value};
use crate::schema::{Field, FieldValue};
use crate::search::{AttributeFilter, FeatureTest};
use crate::tile_filter::TileFilter;
use crate::tile_math::{BUFFER, EXTENT, TileId};

/// Simplification tolerance in tile units.
pub const SIMPLIFY_TOLERANCE: f64 = 0.5;
/// Lowest zoom at which plots are drawn with their own shapes.
pub const PLOT_DETAIL_MINZOOM: u8 = 12;
/// Lowest zoom at which factories are drawn.
pub const FACTORY_MINZOOM: u8 = 12;
/// Size of a cluster cell below [`PLOT_DETAIL_MINZOOM`], in tile units: 64
/// screen pixels, as a 4096-unit tile is drawn 512 pixels wide. The largest
/// disc (see [`cluster_radius_px`]) with its outline fits in it.
pub const CLUSTER_CELL: u32 = 512;
/// Width of the outline around a cluster's disc, in screen pixels; styles
/// draw it so (`circle-stroke-width`).
pub const CLUSTER_OUTLINE_PX: u32 = 2;
/// Tile units per screen pixel.
const UNITS_PER_PX: u32 = EXTENT / 512;

/// Radius in screen pixels of the disc that shows a cluster of `count`
/// plots, without its outline: carried in the tiles as `radius`, so that
/// every style draws discs of the size the server kept apart.
pub fn cluster_radius_px(count: u64) -> u32 {
    match count {
        0..=9 => 12,
        10..=99 => 16,
        100..=999 => 21,
        _ => 26,
    }
}
/// Largest tile drawn with plot shapes, in bytes: beyond it the tile's plots
/// are drawn as aggregates (a tile this large takes seconds on a slow
/// mobile connection and strains the browser's tile parser).
pub const MAX_TILE_BYTES: usize = 500_000;

const WINDOW: ClipWindow = ClipWindow {
    min: -(BUFFER as f64),
    max: (EXTENT + BUFFER) as f64,
};

/// What the clusters of the `plots` layer carry below
/// [`PLOT_DETAIL_MINZOOM`], besides `area_mu` (for TileJSON).
pub const PLOT_CLUSTER_FIELDS: &[(&str, &str)] = &[
    ("cluster", "Boolean (clusters below zoom 12)"),
    ("count", "Number (clusters)"),
    ("available", "Number (clusters)"),
    (
        "radius",
        "Number (clusters: disc radius in screen pixels, outline of 2 px apart; discs so drawn never overlap)",
    ),
    ("west", "Number (clusters: extent of the plots, to zoom to)"),
    ("south", "Number (clusters)"),
    ("east", "Number (clusters)"),
    ("north", "Number (clusters)"),
];

/// Lowest zoom at which park names are carried: below it thousands of parks
/// would fill a tile with names no map can print (the 4,897 parks of the
/// benchmark made a z4 tile of 680 KB).
pub const PARK_LABEL_MINZOOM: u8 = 8;

/// Lowest zoom at which a layer's tiles carry its label points.
pub fn label_minzoom(layer: LayerKind) -> u8 {
    layer.spec().label_minzoom
}

/// The MVT layer that holds a polygon layer's label points (see
/// [`Entry::world_label`]), if the layer has one.
pub fn label_layer_name(layer: LayerKind) -> Option<&'static str> {
    layer.spec().label_layer
}

fn put_number(feature: &mut mvt::Feature, key: &str, value: Option<f64>) {
    if let Some(v) = value {
        feature.add_tag_double(key, v);
    }
}

fn put_text(feature: &mut mvt::Feature, key: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        feature.add_tag_string(key, v);
    }
}

/// Writes one property as its spec declares it; unset values and empty
/// text are left out.
fn put_value(feature: &mut mvt::Feature, field: &Field, value: FieldValue<'_>) {
    match value {
        FieldValue::Text(text) => put_text(feature, field.name, Some(text)),
        FieldValue::Number(v) => {
            let v = match field.tile_decimals {
                Some(decimals) => {
                    let scale = 10f64.powi(i32::from(decimals));
                    (v * scale).round() / scale
                }
                None => v,
            };
            put_number(feature, field.name, Some(v));
        }
        FieldValue::Integer(v) => feature.add_tag_uint(field.name, v),
        FieldValue::Boolean(v) => feature.add_tag_bool(field.name, v),
        FieldValue::List(items) => {
            let joined = items.join(",");
            put_text(feature, field.name, Some(&joined));
        }
    }
}

/// Writes the properties the layer's spec marks for tiles.
fn write_properties<A: Attributes>(attrs: &A, feature: &mut mvt::Feature) {
    for field in A::SPEC.tile_fields() {
        if let Some(value) = attrs.value(field.name) {
            put_value(feature, field, value);
        }
    }
}

/// Writes what a label point carries besides the code: what styles print
/// and sort by.
fn write_label_properties<A: Attributes>(attrs: &A, feature: &mut mvt::Feature) {
    for name in A::SPEC.label_fields {
        if let (Some(field), Some(value)) = (A::SPEC.field(name), attrs.value(name)) {
            put_value(feature, field, value);
        }
    }
}

/// Encodes the polygons of a feature for one tile, or `None` when nothing of
/// them is left in the tile.
fn encode_area(world: &MultiPolygon<f64>, tile: TileId) -> Result<Option<GeomData>, TileError> {
    let mut encoder = GeomEncoder::<i32>::new(GeomType::Polygon);
    let mut any = false;
    let mut last_point: Option<(i32, i32)> = None;
    for polygon in &world.0 {
        let mut rings: Vec<Vec<(i32, i32)>> = Vec::new();
        let all_rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (i, ring) in all_rings.enumerate() {
            let coords = &ring.0[..ring.0.len().saturating_sub(1)];
            // Snap to the grid first, as PostGIS's ST_AsMVTGeom does, so that
            // clipping starts from the vertices the tile will hold.
            let units: Vec<Coord<f64>> = coords
                .iter()
                .map(|c| {
                    let p = tile.to_tile_units(*c);
                    Coord {
                        x: p.x.round(),
                        y: p.y.round(),
                    }
                })
                .collect();
            let clipped = clip_ring(&simplify_ring(units, SIMPLIFY_TOLERANCE), WINDOW);
            match snap_ring(&clipped) {
                Some(mut snapped) => {
                    orient_ring(&mut snapped, i == 0);
                    rings.push(snapped);
                }
                // Without its exterior a polygon is gone; a vanished hole is just dropped.
                None if i == 0 => break,
                None => {}
            }
        }
        for mut ring in rings {
            any = true;
            // The encoder leaves out a ring's MoveTo when the ring starts where
            // the previous one ended, which decoders read as a broken ring.
            if ring.first() == last_point.as_ref() {
                ring.rotate_left(1);
            }
            last_point = ring.last().copied();
            for (x, y) in ring {
                encoder
                    .add_point(x, y)
                    .map_err(|e| TileError::Encode(e.to_string()))?;
            }
            encoder
                .complete_geom()
                .map_err(|e| TileError::Encode(e.to_string()))?;
        }
    }
    if !any {
        return Ok(None);
    }
    encoder
        .encode()
        .map(Some)
        .map_err(|e| TileError::Encode(e.to_string()))
}

fn encode_point(world: Coord<f64>, tile: TileId) -> Result<Option<GeomData>, TileError> {
    let p = tile.to_tile_units(world);
    if !WINDOW.contains(p) {
        return Ok(None);
    }
    GeomEncoder::<i32>::new(GeomType::Point)
        .point(p.x.round() as i32, p.y.round() as i32)
        .and_then(|e| e.encode())
        .map(Some)
        .map_err(|e| TileError::Encode(e.to_string()))
}

fn encode_geometry<A>(entry: &Entry<A>, tile: TileId) -> Result<Option<GeomData>, TileError> {
    match &entry.world {
        WorldShape::Point(c) => encode_point(*c, tile),
        WorldShape::Area(mp) => encode_area(mp, tile),
    }
}

/// Adds one MVT layer with every feature of `index` in the tile that passes
/// `test` (all of them without one), and for polygon layers a layer of label
/// points: each feature's label is in the one tile that holds its label
/// point, so a polygon across tiles is named once.
fn add_feature_layer<A: Attributes + AttributeFilter>(
    mvt_tile: &mut Tile,
    index: &LayerIndex<A>,
    tile: TileId,
    test: Option<&FeatureTest>,
) -> Result<(), TileError> {
    let mut layer = mvt_tile.create_layer(A::LAYER.as_str());
    // Sorted by id so that a tile's bytes depend only on the data, not on tree
    // order; the ids come from the index's flat array, as reading them from
    // the features would miss the cache at each comparison.
    let mut found: Vec<(u64, Slot)> = Vec::new();
    match test {
        None => index.for_each_in_bbox(tile.lonlat_bounds(BUFFER), |candidate| {
            found.push((index.id_of(candidate.slot), candidate.slot));
        }),
        Some(test) => index.for_each_in_bbox(tile.lonlat_bounds(BUFFER), |candidate| {
            if test.keeps_key(candidate.key)
                && test.matches(candidate.key, || {
                    index.entry_of(candidate.slot).map(|e| &e.feature.attrs)
                })
            {
                found.push((index.id_of(candidate.slot), candidate.slot));
            }
        }),
    }
    found.sort_unstable_by_key(|&(id, _)| id);
    let label_name = label_layer_name(A::LAYER).filter(|_| tile.z() >= label_minzoom(A::LAYER));
    let mut labelled = Vec::new();
    for entry in found
        .into_iter()
        .filter_map(|(_, slot)| index.entry_of(slot))
    {
        let Some(geometry) = encode_geometry(entry, tile)? else {
            continue;
        };
        let mut feature = layer.into_feature(geometry);
        feature.set_id(entry.feature.id);
        feature.add_tag_string("code", &entry.feature.code);
        write_properties(&entry.feature.attrs, &mut feature);
        layer = feature.into_layer();
        if label_name.is_some() && tile.holds(entry.world_label) {
            labelled.push(entry);
        }
    }
    if layer.num_features() > 0 {
        mvt_tile
            .add_layer(layer)
            .map_err(|e| TileError::Encode(e.to_string()))?;
    }
    if let (Some(name), false) = (label_name, labelled.is_empty()) {
        let mut labels = mvt_tile.create_layer(name);
        for entry in labelled {
            let Some(point) = encode_point(entry.world_label, tile)? else {
                continue;
            };
            let mut feature = labels.into_feature(point);
            feature.set_id(entry.feature.id);
            feature.add_tag_string("code", &entry.feature.code);
            write_label_properties(&entry.feature.attrs, &mut feature);
            labels = feature.into_layer();
        }
        mvt_tile
            .add_layer(labels)
            .map_err(|e| TileError::Encode(e.to_string()))?;
    }
    Ok(())
}

/// What a cluster cell accumulates.
#[derive(Clone, Copy)]
struct Cluster {
    sum_x: f64,
    sum_y: f64,
    count: u64,
    available: u64,
    area_mu: f64,
    /// The members' extent in lon/lat: west, south, east, north.
    extent: [f64; 4],
}

impl Default for Cluster {
    fn default() -> Self {
        Self {
            sum_x: 0.0,
            sum_y: 0.0,
            count: 0,
            available: 0,
            area_mu: 0.0,
            extent: [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
        }
    }
}

/// Cells a tile side holds.
const CELLS_PER_SIDE: usize = (EXTENT / CLUSTER_CELL) as usize;

/// Where a cluster's disc is drawn, in tile units: the members' mean
/// position, moved into the part of its cell (`cell_min` to `cell_min +
/// CLUSTER_CELL`) where the disc of `radius_px` and its outline stay whole.
fn disc_centre(mean: f64, cell_min: u32, radius_px: u32) -> i32 {
    let margin = (radius_px + CLUSTER_OUTLINE_PX) * UNITS_PER_PX;
    let low = f64::from(cell_min + margin);
    let high = f64::from(cell_min + CLUSTER_CELL - margin);
    mean.round().clamp(low, high) as i32
}

/// Rounds a coordinate to about 10 cm: enough to frame a cluster.
fn six_decimals(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Adds the clustered `plots` layer used below [`PLOT_DETAIL_MINZOOM`]. A plot
/// counts in the tile and cell that hold its centroid, so no plot is counted
/// twice.
fn add_plot_clusters(
    mvt_tile: &mut Tile,
    index: &LayerIndex<PlotAttrs>,
    tile: TileId,
    test: Option<&FeatureTest>,
) -> Result<(), TileError> {
    // Status, area and extent come from the R-tree's search keys and boxes
    // and the anchor from the entry, so the features themselves are never
    // read: each would be a cache miss, and they were most of the time of a
    // low-zoom tile.
    let mut cells = [Cluster::default(); CELLS_PER_SIDE * CELLS_PER_SIDE];
    index.for_each_in_bbox(tile.lonlat_bounds(0), |candidate| {
        if let Some(test) = test
            && !(test.keeps_key(candidate.key)
                && test.matches(candidate.key, || {
                    index.entry_of(candidate.slot).map(|e| &e.feature.attrs)
                }))
        {
            return;
        }
        let Some(entry) = index.entry_of(candidate.slot) else {
            return;
        };
        if !tile.holds(entry.world_anchor) {
            return;
        }
        let p = tile.to_tile_units(entry.world_anchor);
        let (column, row) = (
            p.x as usize / CLUSTER_CELL as usize,
            p.y as usize / CLUSTER_CELL as usize,
        );
        let c = &mut cells[column * CELLS_PER_SIDE + row];
        c.sum_x += p.x;
        c.sum_y += p.y;
        c.count += 1;
        c.area_mu += f64::from(key_value(candidate.key));
        if key_flags(candidate.key) & PlotStatus::Available.bit() != 0 {
            c.available += 1;
        }
        let (min, max) = (candidate.bbox.min(), candidate.bbox.max());
        c.extent = [
            c.extent[0].min(min.x),
            c.extent[1].min(min.y),
            c.extent[2].max(max.x),
            c.extent[3].max(max.y),
        ];
    });
    if cells.iter().all(|c| c.count == 0) {
        return Ok(());
    }
    let mut layer = mvt_tile.create_layer(LayerKind::Plots.as_str());
    // Column-major order, so a tile's bytes depend only on the data.
    for (i, c) in cells.iter().enumerate().filter(|(_, c)| c.count > 0) {
        let n = c.count as f64;
        let radius = cluster_radius_px(c.count);
        let (column, row) = ((i / CELLS_PER_SIDE) as u32, (i % CELLS_PER_SIDE) as u32);
        let x = disc_centre(c.sum_x / n, column * CLUSTER_CELL, radius);
        let y = disc_centre(c.sum_y / n, row * CLUSTER_CELL, radius);
        let geometry = GeomEncoder::<i32>::new(GeomType::Point)
            .point(x, y)
            .and_then(|e| e.encode())
            .map_err(|e| TileError::Encode(e.to_string()))?;
        let mut feature = layer.into_feature(geometry);
        feature.add_tag_bool("cluster", true);
        feature.add_tag_uint("count", c.count);
        feature.add_tag_uint("available", c.available);
        feature.add_tag_double("area_mu", c.area_mu.round());
        feature.add_tag_uint("radius", u64::from(radius));
        for (key, value) in ["west", "south", "east", "north"].into_iter().zip(c.extent) {
            feature.add_tag_double(key, six_decimals(value));
        }
        layer = feature.into_layer();
    }
    mvt_tile
        .add_layer(layer)
        .map_err(|e| TileError::Encode(e.to_string()))
}

/// How the `plots` layer of a tile is drawn.
#[derive(Clone, Copy, PartialEq)]
enum PlotDrawing {
    Shapes,
    Clusters,
}

impl Atlas {
    /// Encodes the requested layers of one tile as a Mapbox Vector Tile
    /// (extent 4096, buffer 64). Returns an empty vector when the tile holds
    /// no feature.
    ///
    /// No tile is larger than [`MAX_TILE_BYTES`] because of its plots: where
    /// plots are too many to draw one by one, the tile draws them as
    /// aggregates, as below [`PLOT_DETAIL_MINZOOM`].
    pub fn encode_tile(&self, layers: &[LayerKind], tile: TileId) -> Result<Vec<u8>, TileError> {
        self.encode_filtered_tile(layers, tile, &TileFilter::default())
    }

    /// As [`Atlas::encode_tile`], keeping only the plots and factories that
    /// pass `filter`; aggregates count the kept plots only.
    pub fn encode_filtered_tile(
        &self,
        layers: &[LayerKind],
        tile: TileId,
        filter: &TileFilter,
    ) -> Result<Vec<u8>, TileError> {
        let drawing = if tile.z() >= PLOT_DETAIL_MINZOOM {
            PlotDrawing::Shapes
        } else {
            PlotDrawing::Clusters
        };
        let bytes = self.encode_layers(layers, tile, drawing, filter)?;
        if bytes.len() > MAX_TILE_BYTES
            && drawing == PlotDrawing::Shapes
            && layers.contains(&LayerKind::Plots)
        {
            // Rare (the densest park of the 1,000,000-plot benchmark makes
            // 476 KB at z12), so the shapes are encoded first and thrown
            // away only here, rather than every tile being counted first.
            return self.encode_layers(layers, tile, PlotDrawing::Clusters, filter);
        }
        Ok(bytes)
    }

    fn encode_layers(
        &self,
        layers: &[LayerKind],
        tile: TileId,
        plots: PlotDrawing,
        filter: &TileFilter,
    ) -> Result<Vec<u8>, TileError> {
        if layers.is_empty() {
            return Err(TileError::NoLayers);
        }
        let plot_test = filter.plot_test();
        let factory_test = filter.factory_test();
        let mut mvt_tile = Tile::new(EXTENT);
        for layer in layers {
            match layer {
                LayerKind::Parks => add_feature_layer(&mut mvt_tile, &self.parks, tile, None)?,
                LayerKind::Plots if plots == PlotDrawing::Shapes => {
                    add_feature_layer(&mut mvt_tile, &self.plots, tile, plot_test.as_ref())?
                }
                LayerKind::Plots => {
                    add_plot_clusters(&mut mvt_tile, &self.plots, tile, plot_test.as_ref())?
                }
                LayerKind::Factories if tile.z() >= FACTORY_MINZOOM => {
                    add_feature_layer(&mut mvt_tile, &self.factories, tile, factory_test.as_ref())?
                }
                LayerKind::Factories => {}
                LayerKind::Pois => add_feature_layer(&mut mvt_tile, &self.pois, tile, None)?,
                LayerKind::Offices if tile.z() >= layer.spec().minzoom => {
                    add_feature_layer(&mut mvt_tile, &self.offices, tile, None)?
                }
                LayerKind::Offices => {}
            }
        }
        if mvt_tile.num_layers() == 0 {
            return Ok(Vec::new());
        }
        mvt_tile
            .to_bytes()
            .map_err(|e| TileError::Encode(e.to_string()))
    }
}
