//! The command line. Every flag can also be set by an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use siteatlas_tiles::LayerKind;

/// Site Atlas: the investment-promotion map server.
#[derive(Debug, Parser)]
#[command(name = "siteatlas", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory of the embedded store (used when no database URL is given).
    #[arg(long, env = "SITEATLAS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// PostgreSQL + PostGIS connection URL, such as postgres://user@host/db.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the map: tiles, search, OGC API - Features and the web app.
    Serve(ServeArgs),
    /// Import GeoJSON, GeoJSON Sequence, a zipped Shapefile, a GeoPackage or a boundary-point
    /// coordinate file (界址点坐标) into one layer (upsert by code, all or nothing).
    Import(ImportArgs),
    /// Create or update the store's schema, and repair stored values that an
    /// older version derived wrong (plot areas of clockwise outlines).
    Migrate(MigrateArgs),
    /// List stored rows the server cannot load (left out of the map) and
    /// plot areas that cannot be right; exits with 1 when there are any.
    Check(StoreArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage referral partners (以商招商: ambassadors, alliance members, resident firms).
    #[command(subcommand)]
    Partner(PartnerCommand),
}

/// `siteatlas partner ...`
#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Create a partner; prints its id, referral code and link path.
    Create {
        /// Name: a person, an association, a firm.
        #[arg(long)]
        name: String,
        /// ambassador (招商大使), alliance (商协会, 驻外招商中心) or resident_firm.
        #[arg(long, value_parser = ["ambassador", "alliance", "resident_firm"])]
        kind: String,
        /// The store.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List partners with their referral codes.
    List {
        /// The store.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `siteatlas migrate ...`
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Recompute wrong plot areas even if this store was checked before.
    #[arg(long)]
    pub recompute_areas: bool,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `siteatlas token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once, as the last line.
    Create {
        /// officer, promoter, admin or partner.
        #[arg(long, value_parser = ["officer", "promoter", "admin", "partner"])]
        role: String,
        /// Park code an officer may edit (repeat for several).
        #[arg(long = "park")]
        parks: Vec<String>,
        /// The partner a partner token acts for (its id, from `partner list`).
        #[arg(long)]
        partner: Option<i64>,
        /// Who holds it (recorded in the audit log).
        #[arg(long, default_value = "token")]
        name: String,
        /// The store.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by id.
    Revoke {
        /// Token id, from `token list`.
        id: i64,
        /// The store.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List tokens (never the tokens themselves).
    List {
        /// The store.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `siteatlas serve`
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SITEATLAS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Do not fill an empty store with the demo data.
    #[arg(long, env = "SITEATLAS_NO_DEMO")]
    pub no_demo: bool,
    /// Tile cache size in MiB; 0 turns the cache off.
    #[arg(long, env = "SITEATLAS_TILE_CACHE_MB", default_value_t = 256)]
    pub tile_cache_mb: usize,
    /// Largest upload (imports, panoramas), MiB.
    #[arg(long, env = "SITEATLAS_UPLOAD_LIMIT_MB", default_value_t = 200)]
    pub upload_limit_mb: usize,
    /// Directory of the built web app, served at /.
    #[arg(long, env = "SITEATLAS_WEB_DIR", default_value = "web/dist")]
    pub web_dir: PathBuf,
    /// A reverse proxy (address or CIDR network) whose X-Forwarded-For is
    /// believed; repeatable. Without one the header is never read.
    #[arg(
        long = "trusted-proxy",
        env = "SITEATLAS_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "CIDR"
    )]
    pub trusted_proxy: Vec<crate::proxy::Cidr>,
    /// A STUN or TURN server for the voice of live tours, repeatable:
    /// `stun:HOST:PORT`, or `turn:HOST:PORT username=NAME credential=SECRET`
    /// (several separated by `;` in the environment variable). None: the
    /// browsers connect directly, which works on one network only.
    #[arg(
        long = "ice-server",
        env = "SITEATLAS_ICE_SERVERS",
        value_delimiter = ';',
        value_name = "URL [username=NAME credential=SECRET]"
    )]
    pub ice_server: Vec<crate::live::IceServer>,
    /// The web map's external basemap.
    #[command(flatten)]
    pub basemap: BasemapArgs,
}

/// An optional external basemap under the web map: Tianditu with a key, or any
/// WGS84/CGCS2000 raster tiles or MapLibre style.
#[derive(Debug, Clone, Default, Args)]
pub struct BasemapArgs {
    /// A built-in basemap: `tianditu` (天地图, CGCS2000, no offset; needs --tianditu-key).
    #[arg(
        long = "basemap",
        env = "SITEATLAS_BASEMAP",
        value_parser = ["tianditu"],
        conflicts_with_all = ["basemap_tiles", "basemap_style"]
    )]
    pub preset: Option<String>,
    /// Tianditu browser key (from console.tianditu.gov.cn), for --basemap tianditu.
    #[arg(long, env = "SITEATLAS_TIANDITU_KEY")]
    pub tianditu_key: Option<String>,
    /// Tianditu's map: vector (矢量) or imagery (影像), each with its annotation layer.
    #[arg(long, env = "SITEATLAS_TIANDITU_MAP", default_value = "vector", value_parser = ["vector", "imagery"])]
    pub tianditu_map: String,
    /// XYZ raster tile URL template, e.g. https://t0.tianditu.gov.cn/img_w/wmts?...&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY
    #[arg(
        long,
        env = "SITEATLAS_BASEMAP_TILES",
        conflicts_with = "basemap_style"
    )]
    pub basemap_tiles: Option<String>,
    /// MapLibre style URL of a vector basemap.
    #[arg(long, env = "SITEATLAS_BASEMAP_STYLE")]
    pub basemap_style: Option<String>,
    /// Datum of the basemap's coordinates: wgs84, cgcs2000 (Tianditu) or gcj02 (most other Chinese providers).
    #[arg(long, env = "SITEATLAS_BASEMAP_DATUM", default_value = "wgs84", value_parser = ["wgs84", "cgcs2000", "gcj02"])]
    pub basemap_datum: String,
    /// Attribution shown for the basemap.
    #[arg(long, env = "SITEATLAS_BASEMAP_ATTRIBUTION", default_value = "")]
    pub basemap_attribution: String,
}

impl BasemapArgs {
    /// The basemap as the web app reads it from `/api/config`, or why it is refused.
    ///
    /// GCJ-02 tiles are shifted by a non-linear offset of 300-500 m in China;
    /// drawn under WGS84 plots they would put every plot beside its true
    /// place, so they are refused rather than shown wrong.
    pub fn client_config(&self) -> Result<serde_json::Value, String> {
        if self.preset.as_deref() == Some("tianditu") {
            let key = self.tianditu_key.as_deref().filter(|k| !k.trim().is_empty()).ok_or(
                "--basemap tianditu needs --tianditu-key: a browser key from console.tianditu.gov.cn",
            )?;
            return Ok(serde_json::json!({ "basemap": tianditu(key, &self.tianditu_map) }));
        }
        let basemap = match (&self.basemap_tiles, &self.basemap_style) {
            (None, None) => return Ok(serde_json::json!({ "basemap": null })),
            _ if self.basemap_datum == "gcj02" => {
                return Err("basemap refused: its datum is GCJ-02, which is offset 300-500 m from the WGS84 data; \
                     use a WGS84 or CGCS2000 source such as Tianditu"
                    .into());
            }
            (Some(tiles), _) => serde_json::json!({
                "type": "raster", "tiles": [tiles], "tileSize": 256,
                "datum": self.basemap_datum, "attribution": self.basemap_attribution,
            }),
            (None, Some(url)) => serde_json::json!({
                "type": "style", "url": url, "datum": self.basemap_datum, "attribution": self.basemap_attribution,
            }),
        };
        Ok(serde_json::json!({ "basemap": basemap }))
    }
}

/// `siteatlas import`
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Layer to import into.
    #[arg(long, value_parser = parse_layer)]
    pub layer: LayerKind,
    /// The file: GeoJSON, GeoJSON Sequence, a zipped Shapefile (.shp, .shx, .dbf, .prj, .cpg),
    /// a GeoPackage or a boundary-point coordinate file (界址点坐标). The format is read from
    /// the content.
    pub file: PathBuf,
    /// The coordinate system, when the file does not say or says wrongly: EPSG:4326, 4490, 3857,
    /// CGCS2000 Gauss-Kruger 4491-4554, Xian 1980 4610 and 2327-2390, Beijing 1954 4214,
    /// 2401-2442 and 21413-21463.
    #[arg(long, value_parser = parse_crs)]
    pub crs: Option<siteatlas_formats::Crs>,
    /// The datum shift of Xian 1980 or Beijing 1954 data to WGS84, which such data needs:
    /// dx,dy,dz (m)[,rx,ry,rz (arc-seconds),ds (ppm)], position vector as PROJ's +towgs84.
    #[arg(long, value_parser = parse_towgs84, allow_hyphen_values = true)]
    pub towgs84: Option<siteatlas_formats::Towgs84>,
    /// Field-name mapping (TOML), added to the built-in one for common Chinese names.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// A value for features whose file leaves a field out or blank, as FIELD=VALUE (repeat
    /// for several): `--default status=available --default park=WJ`.
    #[arg(long = "default", value_parser = parse_default)]
    pub defaults: Vec<(String, String)>,
    /// The layer to read from a GeoPackage or a zip with several Shapefiles.
    #[arg(long)]
    pub source_layer: Option<String>,
    /// Repair invalid geometries (unclosed rings, short holes, self-intersections) instead of
    /// refusing them; each repair is reported.
    #[arg(long)]
    pub repair: bool,
    /// Check and report only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Tianditu's Web Mercator tiles (`_w`: CGCS2000 coordinates, which agree
/// with WGS84 within centimetres) from its eight hosts, the map and the
/// annotation drawn over it.
fn tianditu(key: &str, map: &str) -> serde_json::Value {
    let (base, labels) = if map == "imagery" {
        ("img", "cia")
    } else {
        ("vec", "cva")
    };
    let key: String = key
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(char::from)
        .collect();
    let urls = |layer: &str| -> Vec<String> {
        (0..8)
            .map(|host| {
                format!(
                    "https://t{host}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0\
                     &LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles\
                     &TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
                )
            })
            .collect()
    };
    serde_json::json!({
        "type": "raster",
        "tiles": urls(base),
        "labels": urls(labels),
        "tileSize": 256,
        "maxzoom": 18,
        "datum": "cgcs2000",
        "attribution": "© 天地图 国家地理信息公共服务平台",
    })
}

fn parse_crs(s: &str) -> Result<siteatlas_formats::Crs, String> {
    s.parse()
        .map_err(|e: siteatlas_formats::FormatError| e.to_string())
}

/// `FIELD=VALUE`, for `--default`.
pub fn parse_default(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((field, value)) if !field.trim().is_empty() && !value.trim().is_empty() => {
            Ok((field.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("`{s}` is not FIELD=VALUE, e.g. status=available")),
    }
}

fn parse_towgs84(s: &str) -> Result<siteatlas_formats::Towgs84, String> {
    s.parse()
        .map_err(|e: siteatlas_formats::InvalidTowgs84| e.to_string())
}

impl ImportArgs {
    /// The import options these arguments ask for (reads the mapping file).
    pub fn options(&self) -> anyhow::Result<crate::import::ImportOptions> {
        let base = match &self.mapping {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("cannot read the mapping file {}: {e}", path.display())
                })?;
                siteatlas_formats::FieldMapping::from_toml(&text).map_err(|e| {
                    anyhow::anyhow!("the mapping file {} is not valid: {e}", path.display())
                })?
            }
            None => siteatlas_formats::FieldMapping::default(),
        };
        let mapping = crate::import::layer_mapping(base, self.layer);
        Ok(crate::import::ImportOptions {
            read: siteatlas_formats::ReadOptions {
                format: None,
                crs: self.crs,
                mapping,
                repair: self.repair,
                layer: self.source_layer.clone(),
                towgs84: self.towgs84,
                defaults: self.defaults.clone(),
            },
            dry_run: self.dry_run,
        })
    }
}

fn parse_layer(s: &str) -> Result<LayerKind, String> {
    s.parse()
        .map_err(|e: siteatlas_tiles::TileError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basemap(args: &[&str]) -> Result<serde_json::Value, String> {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            basemap: BasemapArgs,
        }
        let parsed = Only::try_parse_from(std::iter::once("x").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        parsed.basemap.client_config()
    }

    #[test]
    fn tianditu_is_its_vector_or_imagery_map_with_annotation() {
        let config = basemap(&["--basemap", "tianditu", "--tianditu-key", "abc123"]).unwrap();
        let b = &config["basemap"];
        assert_eq!(b["type"], "raster");
        assert_eq!(b["datum"], "cgcs2000");
        assert_eq!(b["tiles"].as_array().unwrap().len(), 8);
        let tile = b["tiles"][3].as_str().unwrap();
        assert!(
            tile.starts_with("https://t3.tianditu.gov.cn/vec_w/wmts?"),
            "{tile}"
        );
        assert!(
            tile.contains("LAYER=vec&")
                && tile.contains("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc123"),
            "{tile}"
        );
        assert!(b["labels"][0].as_str().unwrap().contains("/cva_w/"));

        let imagery = basemap(&[
            "--basemap",
            "tianditu",
            "--tianditu-key",
            "abc123",
            "--tianditu-map",
            "imagery",
        ])
        .unwrap();
        assert!(
            imagery["basemap"]["tiles"][0]
                .as_str()
                .unwrap()
                .contains("/img_w/")
        );
        assert!(
            imagery["basemap"]["labels"][0]
                .as_str()
                .unwrap()
                .contains("LAYER=cia&")
        );
    }

    #[test]
    fn tianditu_without_a_key_is_refused_with_the_reason() {
        let err = basemap(&["--basemap", "tianditu"]).unwrap_err();
        assert!(err.contains("--tianditu-key"), "{err}");
        // A key cannot break out of the URL.
        let config = basemap(&["--basemap", "tianditu", "--tianditu-key", "k\"&x=<y>"]).unwrap();
        assert!(
            config["basemap"]["tiles"][0]
                .as_str()
                .unwrap()
                .ends_with("tk=kxy")
        );
        assert!(basemap(&["--basemap", "tianditu", "--basemap-tiles", "https://a/{z}"]).is_err());
    }
}
