//! What each layer says about itself: its fields with their type, unit,
//! labels and roles, and the sections of its card.
//!
//! A layer's [`LayerSpec`] is the one description the rest of the system
//! reads: the tile encoder writes the fields marked [`Field::tile`], TileJSON
//! lists them, the server's `/api/schema`, OpenAPI and OGC collections are
//! generated from it, the import maps the Chinese column names it lists, and
//! the web app builds its filters panel, card and comparison from
//! `/api/schema`. Each layer module pairs its attributes struct with its spec
//! and [`Attributes::value`](crate::model::Attributes::value), which reads a
//! field by name; the tests of this module check that the three agree.

use serde::Serialize;

use crate::model::LayerKind;

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// A real number (with a unit).
    Number,
    /// A whole number.
    Integer,
    /// Yes or no.
    Boolean,
    /// One word of a closed vocabulary ([`Field::choices`]).
    Choice,
    /// A list of words (industries).
    List,
    /// A calendar date or month, `YYYY-MM-DD` or `YYYY-MM`.
    Date,
    /// A structured value (a contact, a list of enterprises): shown on the
    /// card, never filtered.
    Object,
}

/// How searches and tile filters may constrain a field, with the query
/// parameter names they take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Filter {
    /// One or more of the field's choices, comma separated.
    Choice {
        /// Query parameter.
        param: &'static str,
    },
    /// A lower and an upper bound.
    Range {
        /// Parameter of the lower bound.
        min: &'static str,
        /// Parameter of the upper bound.
        max: &'static str,
    },
    /// A lower bound only (clear height at least).
    AtLeast {
        /// Query parameter.
        param: &'static str,
    },
    /// An upper bound only (rent at most).
    AtMost {
        /// Query parameter.
        param: &'static str,
    },
    /// Must be yes (`dual_power_feed=true`).
    Flag {
        /// Query parameter.
        param: &'static str,
    },
}

impl Filter {
    /// The query parameters this filter takes.
    pub fn params(&self) -> Vec<&'static str> {
        match *self {
            Filter::Choice { param }
            | Filter::AtLeast { param }
            | Filter::AtMost { param }
            | Filter::Flag { param } => vec![param],
            Filter::Range { min, max } => vec![min, max],
        }
    }
}

/// One attribute of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Field {
    /// Property name in the API, tiles and store.
    pub name: &'static str,
    /// Kind of value.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Unit in Chinese (万元/亩), if the value has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// Unit in English (10k yuan/mu).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_en: Option<&'static str>,
    /// Label in Chinese.
    pub label_zh: &'static str,
    /// Label in English.
    pub label_en: &'static str,
    /// The card section ([`Section::id`]) that shows it.
    pub section: &'static str,
    /// The words a [`FieldType::Choice`] or [`FieldType::List`] may hold
    /// (empty: any word).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub choices: &'static [&'static str],
    /// Chinese labels of the choices, in the same order.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub choice_labels_zh: &'static [&'static str],
    /// English labels of the choices, in the same order.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub choice_labels_en: &'static [&'static str],
    /// Shown to everyone (false: staff only).
    pub public: bool,
    /// Carried in vector tiles.
    pub tile: bool,
    /// Decimals kept in tiles (None: as stored).
    #[serde(skip)]
    pub tile_decimals: Option<u8>,
    /// Matched by the place search.
    pub searchable: bool,
    /// How searches and tiles may filter on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    /// Officers may change it (`PATCH /api/{layer}/{id}`).
    pub editable: bool,
    /// Derived by the model (a plot's area in mu): never imported or edited.
    pub derived: bool,
    /// Column names department files use for it, mapped on import.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub import_names: &'static [&'static str],
}

impl Field {
    const fn new(
        name: &'static str,
        kind: FieldType,
        label_zh: &'static str,
        label_en: &'static str,
    ) -> Self {
        Field {
            name,
            kind,
            unit: None,
            unit_en: None,
            label_zh,
            label_en,
            section: "overview",
            choices: &[],
            choice_labels_zh: &[],
            choice_labels_en: &[],
            public: true,
            tile: false,
            tile_decimals: None,
            searchable: false,
            filter: None,
            editable: true,
            derived: false,
            import_names: &[],
        }
    }

    /// A text field.
    pub const fn text(name: &'static str, zh: &'static str, en: &'static str) -> Self {
        Self::new(name, FieldType::Text, zh, en)
    }
    /// A number.
    pub const fn number(name: &'static str, zh: &'static str, en: &'static str) -> Self {
        Self::new(name, FieldType::Number, zh, en)
    }
    /// A whole number.
    pub const fn integer(name: &'static str, zh: &'static str, en: &'static str) -> Self {
        Self::new(name, FieldType::Integer, zh, en)
    }
    /// Yes or no.
    pub const fn boolean(name: &'static str, zh: &'static str, en: &'static str) -> Self {
        Self::new(name, FieldType::Boolean, zh, en)
    }
    /// A date or month.
    pub const fn date(name: &'static str, zh: &'static str, en: &'static str) -> Self {
        Self::new(name, FieldType::Date, zh, en)
    }
    /// A list of words.
    pub const fn list(name: &'static str, zh: &'static str, en: &'static str) -> Self {
        Self::new(name, FieldType::List, zh, en)
    }
    /// A structured value.
    pub const fn object(name: &'static str, zh: &'static str, en: &'static str) -> Self {
        Self::new(name, FieldType::Object, zh, en)
    }
    /// One word of `choices`, labelled in Chinese by `labels_zh`.
    pub const fn choice(
        name: &'static str,
        zh: &'static str,
        en: &'static str,
        choices: &'static [&'static str],
        labels_zh: &'static [&'static str],
    ) -> Self {
        let mut f = Self::new(name, FieldType::Choice, zh, en);
        f.choices = choices;
        f.choice_labels_zh = labels_zh;
        f
    }
    /// With English labels for its choices.
    pub const fn labels_en(mut self, labels: &'static [&'static str]) -> Self {
        self.choice_labels_en = labels;
        self
    }
    /// With its unit, in Chinese and English.
    pub const fn unit(mut self, zh: &'static str, en: &'static str) -> Self {
        self.unit = Some(zh);
        self.unit_en = Some(en);
        self
    }
    /// Shown in the card section `id`.
    pub const fn section(mut self, id: &'static str) -> Self {
        self.section = id;
        self
    }
    /// Carried in vector tiles.
    pub const fn tile(mut self) -> Self {
        self.tile = true;
        self
    }
    /// Carried in vector tiles, rounded to `decimals`.
    pub const fn tile_rounded(mut self, decimals: u8) -> Self {
        self.tile = true;
        self.tile_decimals = Some(decimals);
        self
    }
    /// Matched by the place search.
    pub const fn searchable(mut self) -> Self {
        self.searchable = true;
        self
    }
    /// Filtered as `filter` says.
    pub const fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }
    /// Staff only.
    pub const fn staff_only(mut self) -> Self {
        self.public = false;
        self
    }
    /// Set by the model or the workflow, not by an attribute edit.
    pub const fn read_only(mut self) -> Self {
        self.editable = false;
        self
    }
    /// Derived by the model: never imported or edited.
    pub const fn derived(mut self) -> Self {
        self.derived = true;
        self.editable = false;
        self
    }
    /// Column names of department files that mean this field.
    pub const fn import(mut self, names: &'static [&'static str]) -> Self {
        self.import_names = names;
        self
    }
}

/// A group of fields on a card, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Identifier the fields refer to.
    pub id: &'static str,
    /// Heading in Chinese.
    pub label_zh: &'static str,
    /// Heading in English.
    pub label_en: &'static str,
}

/// What geometry a layer's features have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometryKind {
    /// Polygons and multipolygons.
    Polygon,
    /// Points.
    Point,
    /// Either: a footprint where one is surveyed, else a point.
    PolygonOrPoint,
}

/// A layer's description of itself.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LayerSpec {
    /// The layer.
    pub layer: LayerKind,
    /// Name in Chinese (地块).
    pub label_zh: &'static str,
    /// Name in English.
    pub label_en: &'static str,
    /// One line for TileJSON and OGC.
    pub description: &'static str,
    /// Geometry of its features.
    pub geometry: GeometryKind,
    /// Whether it holds sites an investor can take (plots, factories,
    /// offices): these have cards with sheets, compare and match.
    pub carrier: bool,
    /// Lowest zoom its tiles carry it.
    pub minzoom: u8,
    /// Its layer of label points in tiles, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_layer: Option<&'static str>,
    /// Lowest zoom its label points are carried.
    pub label_minzoom: u8,
    /// Fields its label points carry besides `code`.
    pub label_fields: &'static [&'static str],
    /// Card sections, in order.
    pub sections: &'static [Section],
    /// Its fields, in card order.
    pub fields: &'static [Field],
}

impl LayerSpec {
    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Names of every field the model owns (the rest of a feature's
    /// properties are kept as they came, in `extra`).
    pub fn field_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields.iter().map(|f| f.name)
    }

    /// The fields tiles carry, in order.
    pub fn tile_fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        self.fields.iter().filter(|f| f.tile)
    }

    /// Every query parameter its declared filters take.
    pub fn filter_params(&self) -> impl Iterator<Item = (&'static Field, &'static str)> + '_ {
        self.fields
            .iter()
            .filter_map(|f| f.filter.map(|filter| (f, filter)))
            .flat_map(|(f, filter)| filter.params().into_iter().map(move |p| (f, p)))
    }
}

/// A field's value, read from a feature's attributes by name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// Text, a date or a choice's word.
    Text(&'a str),
    /// A number.
    Number(f64),
    /// A whole number.
    Integer(u64),
    /// Yes or no.
    Boolean(bool),
    /// A list of words.
    List(&'a [String]),
}

impl FieldValue<'_> {
    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            FieldValue::Number(v) => Some(v),
            FieldValue::Integer(v) => Some(v as f64),
            _ => None,
        }
    }
}

/// Every layer's description, in drawing order.
pub fn layers() -> [&'static LayerSpec; LayerKind::ALL.len()] {
    LayerKind::ALL.map(LayerKind::spec)
}
