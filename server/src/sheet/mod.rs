//! The site sheet (地块推介书): one A4 page per site, typeset in-process with
//! Typst from `template.typ` (compiled into the binary), the map drawn as SVG
//! from the index ([`map`]), a QR code to the site's card, the park's
//! incentive rules ([`policy`]) and a panorama thumbnail. Fonts are the
//! system's Noto Sans CJK; without it there is no sheet, rather than one of
//! empty boxes.

pub mod fields;
pub mod map;
pub mod policy;

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::{Map, Value};
use siteatlas_tiles::{Atlas, LayerKind};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::{FontSlot, Fonts};

pub use fields::{Row, sheet_layer, site_layers};
pub use policy::PolicyLine;

/// The sheet's layout; its data comes from `/data.json`, its pictures from
/// `/map.svg`, `/qr.svg` and `/panorama.jpg`.
const TEMPLATE: &str = include_str!("template.typ");

/// Why a sheet could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The font every word is set in is not installed.
    #[error(
        "the site sheet needs the font \"{0}\" (Debian package fonts-noto-cjk), which this server does not have"
    )]
    MissingFont(&'static str),
    /// Typst refused the document.
    #[error("typesetting the site sheet failed: {0}")]
    Typeset(String),
    /// The link did not fit in a QR code.
    #[error("the card's link does not fit in a QR code: {0}")]
    Qr(String),
}

/// What a sheet says, as the template reads it.
#[derive(Debug, Clone, Serialize)]
pub struct SheetData {
    /// The layer's name (地块, 标准厂房).
    pub layer_name: String,
    /// The site's name, or its code when it has none.
    pub name: String,
    /// The site's code.
    pub code: String,
    /// The park's name, or empty.
    pub park: String,
    /// The status, in Chinese.
    pub status: String,
    /// Figures and planning indicators.
    pub indicators: Vec<Row>,
    /// Power, water, gas, steam.
    pub utilities: Vec<Row>,
    /// The park's incentive rules for the site's layer.
    pub policies: Vec<PolicyLine>,
    /// Who to call, if anyone is named.
    pub contact: Option<String>,
    /// The site's card online, also in the QR code.
    pub url: String,
    /// The day the sheet was made, YYYY-MM-DD.
    pub date: String,
    /// Whether `/panorama.jpg` is there.
    pub panorama: bool,
}

/// A site as read from the index for its sheet.
pub struct SiteSheet {
    /// What the sheet says; the route adds the policies, link and panorama.
    pub data: SheetData,
    /// The park's code, for its incentive rules.
    pub park_code: Option<String>,
    /// The map, SVG.
    pub map_svg: String,
}

fn text(props: &Map<String, Value>, key: &str) -> Option<String> {
    props
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Reads a site of a layer with sheets from the index: `None` when there is
/// no such site (or the layer has no sheets).
pub fn read_site(atlas: &Atlas, layer: LayerKind, id: u64) -> Option<SiteSheet> {
    let (layer_name, fields) = sheet_layer(layer)?;
    let (feature, _) = crate::features::geojson_feature(atlas, layer, id)?;
    let props = feature.properties.unwrap_or_default();
    let site = map::item_of(atlas, layer, id)?;
    let park_code = text(&props, "park");
    let park = park_code.as_deref().and_then(|code| {
        atlas
            .parks
            .iter()
            .find(|e| e.feature.code == code)
            .and_then(|e| crate::features::geojson_feature(atlas, LayerKind::Parks, e.feature.id))
            .and_then(|(f, _)| f.properties)
    });
    // The site's own contact (free text), else the park's investment officer.
    let contact = text(&props, "contact").or_else(|| {
        let officer = park.as_ref()?.get("contact")?;
        let name = officer.get("name")?.as_str()?;
        let phone = officer.get("phone")?.as_str()?;
        Some(format!("{name} {phone}"))
    });
    let code = text(&props, "code").unwrap_or_else(|| site.code.clone());
    let data = SheetData {
        layer_name: layer_name.to_owned(),
        name: text(&props, "name").unwrap_or_else(|| code.clone()),
        code,
        park: park
            .as_ref()
            .and_then(|p| text(p, "name"))
            .or_else(|| park_code.clone())
            .unwrap_or_default(),
        status: text(&props, "status")
            .map(|s| fields::value_label(&s).to_owned())
            .unwrap_or_default(),
        indicators: fields::rows(&fields, &props, fields::Section::Indicators),
        utilities: fields::rows(&fields, &props, fields::Section::Utilities),
        policies: Vec::new(),
        contact,
        url: String::new(),
        date: String::new(),
        panorama: false,
    };
    let map_svg = map::draw(atlas, &site);
    Some(SiteSheet {
        data,
        park_code,
        map_svg,
    })
}

/// A QR code of a link, as SVG.
pub fn qr_svg(link: &str) -> Result<String, SheetError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(link, qrcode::EcLevel::M)
        .map_err(|e| SheetError::Qr(e.to_string()))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(false)
        .build())
}

/// The font of every word on the sheet.
pub const FONT: &str = map::FONT;

/// Typst's library and the system's fonts, found once: a search of the
/// system's font folders takes longer than typesetting a sheet.
struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<FontSlot>,
}

fn typesetter() -> &'static Typesetter {
    static TYPESETTER: OnceLock<Typesetter> = OnceLock::new();
    TYPESETTER.get_or_init(|| {
        let Fonts { book, fonts } = Fonts::searcher().include_system_fonts(true).search();
        Typesetter {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(book),
            fonts,
        }
    })
}

/// One sheet's document: the template and its files.
struct SheetWorld {
    typesetter: &'static Typesetter,
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

fn file_id(path: &str) -> FileId {
    FileId::new(None, VirtualPath::new(path))
}

impl World for SheetWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.typesetter.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &self.typesetter.book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| FileError::NotFound(id.vpath().as_rootless_path().into()))
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.typesetter.fonts.get(index)?.get()
    }
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

/// A sheet's pictures beside its data.
pub struct Pictures {
    /// The map, SVG.
    pub map_svg: String,
    /// The QR code, SVG.
    pub qr_svg: String,
    /// The panorama thumbnail, JPEG.
    pub panorama_jpeg: Option<Vec<u8>>,
}

/// Typesets a sheet as a one-page PDF.
pub fn render(data: &SheetData, pictures: Pictures) -> Result<Vec<u8>, SheetError> {
    let typesetter = typesetter();
    if typesetter
        .book
        .select_family(&FONT.to_lowercase())
        .next()
        .is_none()
    {
        return Err(SheetError::MissingFont(FONT));
    }
    let json = serde_json::to_vec(data).map_err(|e| SheetError::Typeset(e.to_string()))?;
    let mut files = vec![
        (file_id("/data.json"), Bytes::new(json)),
        (
            file_id("/map.svg"),
            Bytes::new(pictures.map_svg.into_bytes()),
        ),
        (file_id("/qr.svg"), Bytes::new(pictures.qr_svg.into_bytes())),
    ];
    if let Some(jpeg) = pictures.panorama_jpeg {
        files.push((file_id("/panorama.jpg"), Bytes::new(jpeg)));
    }
    let world = SheetWorld {
        typesetter,
        main: Source::new(file_id("/sheet.typ"), TEMPLATE.to_owned()),
        files,
    };
    let document = typst::compile::<PagedDocument>(&world).output;
    // Typst memoises across compilations in a process-wide cache; a server
    // making sheets for days would keep every one. What the last few sheets
    // did not use goes.
    typst::comemo::evict(10);
    let document = document.map_err(|errors| {
        SheetError::Typeset(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
        SheetError::Typeset(
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
