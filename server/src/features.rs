//! Typed features to and from store rows, and applying them to the index.

use geo::Rect;
use siteatlas_tiles::geojson_io::{
    feature_from_geojson, feature_from_parts, feature_to_geojson, properties,
};
use siteatlas_tiles::{
    Atlas, Attributes, FactoryAttrs, Feature, LayerKind, OfficeAttrs, ParkAttrs, PlotAttrs,
    PoiAttrs, Shape,
};

use crate::store::{NewRow, StoredGeometry, StoredRow};
use crate::unreadable::UnreadableRow;

/// A feature of any layer.
#[derive(Debug, Clone)]
pub enum AnyFeature {
    /// A park.
    Park(Feature<ParkAttrs>),
    /// A plot.
    Plot(Feature<PlotAttrs>),
    /// A factory.
    Factory(Feature<FactoryAttrs>),
    /// A point of interest.
    Poi(Feature<PoiAttrs>),
    /// An office building.
    Office(Feature<OfficeAttrs>),
}

/// Properties that are columns of their own in the store, not part of `props`.
const COLUMN_FIELDS: &[&str] = &["id", "code", "version", "updated_at"];

/// Builds a typed feature of layer `A` from a stored row: the one check
/// every row passes, whether it is loaded at start-up, applied after a write
/// or about to be written by an import (see [`validate_for_layer`]).
pub fn from_row<A: Attributes>(row: StoredRow) -> Result<Feature<A>, UnreadableRow> {
    match read_row::<A>(&row) {
        Ok(mut feature) => {
            feature.version = row.version;
            feature.updated_at = row.updated_at;
            Ok(feature)
        }
        Err(reason) => Err(UnreadableRow {
            layer: A::LAYER,
            id: row.id,
            code: row.code,
            reason,
        }),
    }
}

fn read_row<A: Attributes>(row: &StoredRow) -> Result<Feature<A>, String> {
    let shape = shape_of(row)?;
    let props: geojson::JsonObject =
        serde_json::from_str(&row.props).map_err(|e| format!("properties: {e}"))?;
    let id = u64::try_from(row.id).map_err(|_| "negative id".to_owned())?;
    feature_from_parts(id, row.code.clone(), shape, props).map_err(|e| e.to_string())
}

/// The checked geometry of a stored row, whatever its properties.
pub fn shape_of(row: &StoredRow) -> Result<Shape, String> {
    match &row.geometry {
        StoredGeometry::GeoJson(text) => {
            let geometry: geojson::Geometry = text
                .parse()
                .map_err(|e: geojson::Error| format!("geometry: {e}"))?;
            Shape::try_from(&geometry)
        }
        StoredGeometry::Wkb(bytes) => {
            use geo_traits::to_geo::ToGeoGeometry;
            let wkb = wkb::reader::read_wkb(bytes).map_err(|e| format!("geometry: {e}"))?;
            Shape::try_from(wkb.to_geometry())
        }
    }
    .map_err(|e| format!("geometry: {e}"))
}

/// The row to store for a validated feature (its id and version belong to the store).
pub fn to_row<A: Attributes>(feature: &Feature<A>) -> NewRow {
    let gj = feature_to_geojson(feature);
    let mut props = properties(feature);
    for key in COLUMN_FIELDS {
        props.remove(*key);
    }
    // Derived values are recomputed on load; storing them would let them drift.
    props.remove("area_mu");
    NewRow {
        code: feature.code.clone(),
        geometry: gj.geometry.map(|g| g.to_string()).unwrap_or_default(),
        props: serde_json::Value::Object(props).to_string(),
    }
}

/// Validates a GeoJSON feature for a layer and makes the row to store (the
/// id is a placeholder until stored). The row is read back with
/// [`from_row`], the loader's own check, so an import writes only what the
/// server can load.
pub fn validate_for_layer(
    layer: LayerKind,
    gj: &geojson::Feature,
) -> Result<(String, NewRow), String> {
    fn one<A: Attributes>(gj: &geojson::Feature) -> Result<(String, NewRow), String> {
        let f: Feature<A> = feature_from_geojson(1, gj).map_err(|e| e.to_string())?;
        let row = to_row(&f);
        let stored = StoredRow {
            id: 1,
            code: row.code.clone(),
            version: 1,
            updated_at: String::new(),
            geometry: StoredGeometry::GeoJson(row.geometry.clone()),
            props: row.props.clone(),
        };
        from_row::<A>(stored).map_err(|bad| {
            format!(
                "the feature would be stored in a form the server cannot load: {}",
                bad.reason
            )
        })?;
        Ok((f.code.clone(), row))
    }
    match layer {
        LayerKind::Parks => one::<ParkAttrs>(gj),
        LayerKind::Plots => one::<PlotAttrs>(gj),
        LayerKind::Factories => one::<FactoryAttrs>(gj),
        LayerKind::Pois => one::<PoiAttrs>(gj),
        LayerKind::Offices => one::<OfficeAttrs>(gj),
    }
}

impl AnyFeature {
    /// Converts a stored row of a layer.
    pub fn from_row(layer: LayerKind, row: StoredRow) -> Result<Self, UnreadableRow> {
        Ok(match layer {
            LayerKind::Parks => AnyFeature::Park(from_row(row)?),
            LayerKind::Plots => AnyFeature::Plot(from_row(row)?),
            LayerKind::Factories => AnyFeature::Factory(from_row(row)?),
            LayerKind::Pois => AnyFeature::Poi(from_row(row)?),
            LayerKind::Offices => AnyFeature::Office(from_row(row)?),
        })
    }

    /// The feature's id and version.
    pub fn id_and_version(&self) -> (u64, i64) {
        match self {
            AnyFeature::Park(f) => (f.id, f.version),
            AnyFeature::Plot(f) => (f.id, f.version),
            AnyFeature::Factory(f) => (f.id, f.version),
            AnyFeature::Poi(f) => (f.id, f.version),
            AnyFeature::Office(f) => (f.id, f.version),
        }
    }

    /// Puts the feature into the index; returns the bounding boxes of its old
    /// (if any) and new geometry, which bound the tiles it changes. A version
    /// the index already holds is ignored: notices arrive late, and a writer
    /// hears the notice of its own write after it has applied it.
    pub fn apply(self, atlas: &mut Atlas) -> Vec<Rect<f64>> {
        fn put<A: Attributes>(
            index: &mut siteatlas_tiles::index::LayerIndex<A>,
            f: Feature<A>,
        ) -> Vec<Rect<f64>> {
            if let Some(current) = index.get(f.id)
                && current.version >= f.version
            {
                return Vec::new();
            }
            let new_bbox = f.shape.bbox();
            let old = index.upsert(f);
            old.map(|o| o.shape.bbox())
                .into_iter()
                .chain([new_bbox])
                .collect()
        }
        match self {
            AnyFeature::Park(f) => put(&mut atlas.parks, f),
            AnyFeature::Plot(f) => put(&mut atlas.plots, f),
            AnyFeature::Factory(f) => put(&mut atlas.factories, f),
            AnyFeature::Poi(f) => put(&mut atlas.pois, f),
            AnyFeature::Office(f) => put(&mut atlas.offices, f),
        }
    }
}

/// Removes a feature from the index; returns its bounding box if it was there.
pub fn remove(atlas: &mut Atlas, layer: LayerKind, id: u64) -> Option<Rect<f64>> {
    siteatlas_tiles::with_layer_index_mut!(atlas, layer, |index| index
        .remove(id)
        .map(|f| f.shape.bbox()))
}

/// Stored rows of one layer, read: the features, and the rows that are not.
#[derive(Debug, Default)]
pub struct ParsedRows {
    /// Rows that make valid features.
    pub features: Vec<AnyFeature>,
    /// Rows left out, and why.
    pub unreadable: Vec<UnreadableRow>,
}

/// Parses stored rows of one layer; a row that is not a valid feature is set
/// apart, never an error for the others.
pub fn parse_rows(layer: LayerKind, rows: Vec<StoredRow>) -> ParsedRows {
    let mut parsed = ParsedRows {
        features: Vec::with_capacity(rows.len()),
        unreadable: Vec::new(),
    };
    for row in rows {
        match AnyFeature::from_row(layer, row) {
            Ok(f) => parsed.features.push(f),
            Err(bad) => parsed.unreadable.push(bad),
        }
    }
    parsed
}

/// Builds one layer's index from all its features (an R-tree bulk load).
pub fn rebuild_layer(atlas: &mut Atlas, layer: LayerKind, features: Vec<AnyFeature>) {
    macro_rules! build {
        ($variant:ident) => {
            siteatlas_tiles::index::LayerIndex::bulk_load(features.into_iter().filter_map(|f| {
                match f {
                    AnyFeature::$variant(f) => Some(f),
                    _ => None,
                }
            }))
        };
    }
    match layer {
        LayerKind::Parks => atlas.parks = build!(Park),
        LayerKind::Plots => atlas.plots = build!(Plot),
        LayerKind::Factories => atlas.factories = build!(Factory),
        LayerKind::Pois => atlas.pois = build!(Poi),
        LayerKind::Offices => atlas.offices = build!(Office),
    }
}

/// One feature as a GeoJSON feature, if it exists.
pub fn geojson_feature(
    atlas: &Atlas,
    layer: LayerKind,
    id: u64,
) -> Option<(geojson::Feature, i64)> {
    fn one<A: Attributes>(
        index: &siteatlas_tiles::index::LayerIndex<A>,
        id: u64,
    ) -> Option<(geojson::Feature, i64)> {
        index.get(id).map(|f| (feature_to_geojson(f), f.version))
    }
    siteatlas_tiles::with_layer_index!(atlas, layer, |index| one(index, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_of(feature: &AnyFeature) -> NewRow {
        match feature {
            AnyFeature::Park(f) => to_row(f),
            AnyFeature::Plot(f) => to_row(f),
            AnyFeature::Factory(f) => to_row(f),
            AnyFeature::Poi(f) => to_row(f),
            AnyFeature::Office(f) => to_row(f),
        }
    }

    /// Every feature the import accepts is read back by the loader as the
    /// very feature that was validated: the demo data and real outlines in
    /// every ring orientation, with departments' field names and codes.
    #[test]
    fn what_the_import_writes_the_loader_reads_back_unchanged() {
        use siteatlas_fixtures::demo;
        let real = siteatlas_formats::read(
            include_bytes!("../../fixtures/real/helsinki_outlines.geojson"),
            &siteatlas_formats::ReadOptions::default(),
        )
        .expect("the real outlines read");
        let real: Vec<geojson::Feature> = real
            .records
            .into_iter()
            .map(|r| r.result.expect("a readable outline"))
            .collect();
        assert!(real.len() > 900);
        let mut layers: Vec<(LayerKind, Vec<geojson::Feature>)> = [
            (LayerKind::Parks, demo::PARKS),
            (LayerKind::Plots, demo::PLOTS),
            (LayerKind::Factories, demo::FACTORIES),
            (LayerKind::Pois, demo::POIS),
            (LayerKind::Offices, demo::OFFICES),
        ]
        .into_iter()
        .map(|(layer, text)| {
            let collection: geojson::FeatureCollection = text.parse().expect("demo GeoJSON");
            (layer, collection.features)
        })
        .collect();
        layers.push((LayerKind::Plots, real));
        for (layer, features) in layers {
            for gj in &features {
                let (code, row) = validate_for_layer(layer, gj)
                    .unwrap_or_else(|e| panic!("{layer} {:?}: {e}", gj.properties));
                let loaded = AnyFeature::from_row(
                    layer,
                    StoredRow {
                        id: 7,
                        code: code.clone(),
                        version: 1,
                        updated_at: String::new(),
                        geometry: StoredGeometry::GeoJson(row.geometry.clone()),
                        props: row.props.clone(),
                    },
                )
                .unwrap_or_else(|bad| panic!("{layer} {code}: {}", bad.reason));
                let again = row_of(&loaded);
                assert_eq!(again.code, row.code);
                assert_eq!(again.geometry, row.geometry, "{layer} {code}");
                // serde_json reads a float back within one unit in the last
                // place; anything more would be a change.
                let props = |text: &str| -> serde_json::Map<String, serde_json::Value> {
                    serde_json::from_str(text).expect("stored properties")
                };
                let (before, after) = (props(&row.props), props(&again.props));
                assert_eq!(
                    before.keys().collect::<Vec<_>>(),
                    after.keys().collect::<Vec<_>>(),
                    "{layer} {code}"
                );
                for (key, value) in &before {
                    match (value.as_f64(), after[key].as_f64()) {
                        (Some(a), Some(b)) if value.is_f64() => assert!(
                            (a - b).abs() <= 4.0 * f64::EPSILON * a.abs(),
                            "{layer} {code} {key}: {a} became {b}"
                        ),
                        _ => assert_eq!(value, &after[key], "{layer} {code} {key}"),
                    }
                }
            }
        }
    }
}
