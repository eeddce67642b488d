//! Errors: whole-file problems ([`FormatError`]) and per-feature problems ([`FeatureError`]).

use thiserror::Error;

/// A problem with the file as a whole: nothing can be read from it.
#[derive(Debug, Error)]
pub enum FormatError {
    /// The bytes are not any format this crate reads.
    #[error(
        "unrecognised file: not GeoJSON, GeoJSON Sequence, zipped Shapefile, GeoPackage or \
         boundary-point coordinate file"
    )]
    UnknownFormat,
    /// The GeoJSON text does not parse, or is not a Feature or FeatureCollection.
    #[error("invalid GeoJSON: {0}")]
    GeoJson(String),
    /// The zip archive is damaged or truncated.
    #[error("invalid zip archive: {0}")]
    Zip(String),
    /// The zip holds no `.shp` file.
    #[error("the zip archive holds no Shapefile (.shp)")]
    NoShapefile,
    /// A format that land departments use and that is not read here: CAD drawings, KML,
    /// File Geodatabases, MapInfo tables. GDAL converts each to a GeoPackage.
    #[error(
        "{0} is not read directly: convert it to a GeoPackage with GDAL \
         (`ogr2ogr -f GPKG plots.gpkg <file>`, naming the layer if there are several) and import that"
    )]
    ConvertFirst(&'static str),
    /// A Shapefile lacks one of its mandatory parts.
    #[error("Shapefile `{layer}` has no {part} file in the archive")]
    MissingPart {
        /// Layer (file stem) of the Shapefile.
        layer: String,
        /// The missing part, e.g. `.dbf`.
        part: &'static str,
    },
    /// The file holds several layers and none was chosen.
    #[error("the file holds several layers ({}); choose one with the `layer` option", .layers.join(", "))]
    SeveralLayers {
        /// The layers found.
        layers: Vec<String>,
    },
    /// The requested layer is not in the file.
    #[error("no layer `{wanted}` in the file (layers: {})", .layers.join(", "))]
    UnknownLayer {
        /// The layer asked for.
        wanted: String,
        /// The layers found.
        layers: Vec<String>,
    },
    /// The file holds no feature layer at all.
    #[error("the GeoPackage holds no feature table")]
    NoLayer,
    /// A Shapefile part is damaged; `record` is 1-based when known.
    #[error("Shapefile `{layer}`{}: {reason}", .record.map(|n| format!(", record {n}")).unwrap_or_default())]
    Shapefile {
        /// Layer (file stem) of the Shapefile.
        layer: String,
        /// 1-based record number, when the damage is in one record.
        record: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// The `.cpg` names a text encoding we do not know.
    #[error("Shapefile `{layer}`: unknown attribute encoding `{label}` in the .cpg file")]
    UnknownEncoding {
        /// Layer (file stem) of the Shapefile.
        layer: String,
        /// The `.cpg` content.
        label: String,
    },
    /// The GeoPackage cannot be read.
    #[error("GeoPackage{}: {reason}", .table.as_ref().map(|t| format!(" table `{t}`")).unwrap_or_default())]
    GeoPackage {
        /// The feature table, when the problem is in one.
        table: Option<String>,
        /// What is wrong.
        reason: String,
    },
    /// A boundary-point coordinate file (界址点坐标) is malformed; `line` is 1-based when known.
    #[error("boundary-point file{}: {reason}", .line.map(|n| format!(", line {n}")).unwrap_or_default())]
    BoundaryPoints {
        /// The line at fault, when the problem is in one.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// The coordinate reference system is not one we can convert to WGS84.
    #[error("unsupported coordinate reference system: {0}")]
    UnsupportedCrs(String),
    /// The file does not say its coordinate reference system and none was given.
    #[error(
        "{0} does not state its coordinate reference system; pass one explicitly (e.g. EPSG:4527)"
    )]
    MissingCrs(String),
    /// The field-mapping file is invalid.
    #[error("invalid field mapping: {0}")]
    Mapping(String),
    /// A temporary file could not be written (GeoPackage reading needs one).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Why one feature could not be read; the rest of the file is still read.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("record {number}{}: {reason}", .layer.as_ref().map(|l| format!(" of layer `{l}`")).unwrap_or_default())]
pub struct FeatureError {
    /// 1-based record number within the layer, in file order.
    pub number: usize,
    /// The layer (GeoPackage table or Shapefile name), for multi-layer formats.
    pub layer: Option<String>,
    /// The feature's code (after field mapping), when it has one.
    pub code: Option<String>,
    /// What is wrong.
    pub reason: String,
}
