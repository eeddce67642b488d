//! Land plots (地块), with the standard-land (标准地) indicators and the
//! figures that decide a site: supply terms, handover, utility capacities
//! and limits.

use geo::GeodesicArea;
use serde::{Deserialize, Serialize};

use crate::error::ModelError;
use crate::geometry::Shape;
use crate::model::{
    Attributes, LayerKind, M2_PER_MU, check_date, check_non_negative, polygons, vocabulary,
    yes_or_no,
};
use crate::schema::{Field, FieldValue, Filter, GeometryKind, LayerSpec, Section};

vocabulary!(
    /// Where a plot stands in its transfer.
    PlotStatus {
        /// On offer.
        Available => "available",
        /// Held for an investor.
        Reserved => "reserved",
        /// Under negotiation.
        Negotiating => "negotiating",
        /// Sold (出让): off the market.
        Transferred => "transferred",
        /// Taken off the offer.
        Withdrawn => "withdrawn",
    }
);

vocabulary!(
    /// Planned land use (用地性质).
    LandUse {
        /// M1-M3.
        Industrial => "industrial",
        /// W.
        Logistics => "logistics",
        /// M0, research and new industrial land.
        Rnd => "rnd",
        /// B.
        Commercial => "commercial",
        /// Mixed use.
        Mixed => "mixed",
    }
);

vocabulary!(
    /// How land is supplied (供地方式).
    SupplyMethod {
        /// 挂牌出让: listed, sold outright for the full term.
        Listing => "listing",
        /// 弹性年期出让: a term shorter than the legal maximum.
        FlexibleTerm => "flexible_term",
        /// 先租后让: leased first, transferred once the project meets its targets.
        LeaseThenTransfer => "lease_then_transfer",
        /// 长期租赁.
        LongLease => "long_lease",
    }
);

vocabulary!(
    /// The condition land is handed over in (交地条件).
    HandoverCondition {
        /// 净地: cleared, no buildings or claims on it.
        NetLand => "net_land",
        /// 五通一平: five utilities connected and the site levelled.
        FiveConnections => "five_connections",
        /// 七通一平: seven utilities connected and the site levelled.
        SevenConnections => "seven_connections",
    }
);

/// Attributes of a land plot, with the standard-land (标准地) indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlotAttrs {
    /// Code of the park the plot belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub park: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Transfer status.
    pub status: PlotStatus,
    /// Planned land use.
    pub land_use: LandUse,
    /// Area in m²; computed geodesically from the shape when not given.
    #[serde(default)]
    pub area_m2: f64,
    /// Asking price, 万元/亩.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_wan_per_mu: Option<f64>,
    /// Minimum plot ratio (容积率).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot_ratio_min: Option<f64>,
    /// Maximum plot ratio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot_ratio_max: Option<f64>,
    /// Maximum building density (0-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building_density_max: Option<f64>,
    /// Maximum green ratio (0-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub green_ratio_max: Option<f64>,
    /// Height limit, m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height_limit_m: Option<f64>,
    /// Minimum investment intensity (投资强度), 万元/亩.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub investment_intensity_wan_per_mu: Option<f64>,
    /// Minimum tax per mu (亩均税收), 万元/亩/year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_per_mu_wan: Option<f64>,
    /// Power capacity available, kVA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_kva: Option<f64>,
    /// Water supply at the boundary.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "yes_or_no"
    )]
    pub water: Option<bool>,
    /// Gas supply at the boundary.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "yes_or_no"
    )]
    pub gas: Option<bool>,
    /// Steam supply at the boundary.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "yes_or_no"
    )]
    pub steam: Option<bool>,
    /// Maximum energy use per mu (亩均能耗), tonnes of standard coal per mu per year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_per_mu_tce_max: Option<f64>,
    /// How the land is supplied (供地方式).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supply_method: Option<SupplyMethod>,
    /// Term of the land-use right (出让年限), years.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supply_term_years: Option<f64>,
    /// Starting price of the listing (起始价), 万元/亩.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_price_wan_per_mu: Option<f64>,
    /// Benchmark land price (基准地价), 万元/亩.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benchmark_price_wan_per_mu: Option<f64>,
    /// Condition the land is handed over in (交地条件).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover_condition: Option<HandoverCondition>,
    /// When it is handed over (交地时间), `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover_date: Option<String>,
    /// Water supply capacity at the boundary, t/day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub water_capacity_t_per_day: Option<f64>,
    /// Gas supply capacity, m³/hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gas_capacity_m3_per_hour: Option<f64>,
    /// Steam supply capacity, t/hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steam_capacity_t_per_hour: Option<f64>,
    /// Sewage capacity, t/day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sewage_capacity_t_per_day: Option<f64>,
    /// Supply voltage, kV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_voltage_kv: Option<f64>,
    /// Fed from two independent circuits (双回路).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "yes_or_no"
    )]
    pub dual_power_feed: Option<bool>,
    /// Emission limits (排放要求), as the department words them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emission_limits: Option<String>,
    /// Industries the plot is meant for (准入产业); empty: not restricted.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::model::word_list"
    )]
    pub industries_allowed: Vec<String>,
    /// Industries barred (禁止类产业).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::model::word_list"
    )]
    pub industries_barred: Vec<String>,
}

impl Default for PlotAttrs {
    /// An available industrial plot with nothing else known.
    fn default() -> Self {
        PlotAttrs {
            park: None,
            name: String::new(),
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
            power_kva: None,
            water: None,
            gas: None,
            steam: None,
            energy_per_mu_tce_max: None,
            supply_method: None,
            supply_term_years: None,
            starting_price_wan_per_mu: None,
            benchmark_price_wan_per_mu: None,
            handover_condition: None,
            handover_date: None,
            water_capacity_t_per_day: None,
            gas_capacity_m3_per_hour: None,
            steam_capacity_t_per_hour: None,
            sewage_capacity_t_per_day: None,
            power_voltage_kv: None,
            dual_power_feed: None,
            emission_limits: None,
            industries_allowed: Vec::new(),
            industries_barred: Vec::new(),
        }
    }
}

/// How plots describe themselves.
pub static SPEC: LayerSpec = LayerSpec {
    layer: LayerKind::Plots,
    label_zh: "地块",
    label_en: "Plots",
    description: "Land plots (地块); below zoom 12 one point per cluster of plots with `count`, `available`, `area_mu`, the disc `radius` and the plots' extent (`west`, `south`, `east`, `north`)",
    geometry: GeometryKind::Polygon,
    carrier: true,
    minzoom: 0,
    label_layer: Some("plot_labels"),
    label_minzoom: crate::encode::PLOT_DETAIL_MINZOOM,
    label_fields: &["name", "status"],
    sections: &[
        Section {
            id: "overview",
            label_zh: "概况",
            label_en: "Overview",
        },
        Section {
            id: "planning",
            label_zh: "规划指标",
            label_en: "Planning",
        },
        Section {
            id: "standard_land",
            label_zh: "标准地指标",
            label_en: "Standard-land indicators",
        },
        Section {
            id: "supply",
            label_zh: "供地条件",
            label_en: "Supply",
        },
        Section {
            id: "handover",
            label_zh: "交地条件",
            label_en: "Handover",
        },
        Section {
            id: "utilities",
            label_zh: "配套能力",
            label_en: "Utilities",
        },
        Section {
            id: "limits",
            label_zh: "准入要求",
            label_en: "Limits",
        },
    ],
    fields: &[
        Field::text("name", "名称", "Name")
            .tile()
            .searchable()
            .import(&["地块名称", "宗地名称", "名称"]),
        Field::text("park", "所属园区", "Park")
            .tile()
            .filter(Filter::Choice { param: "park" })
            .import(&["所属园区", "园区编号"]),
        Field::choice(
            "status",
            "供应状态",
            "Status",
            &[
                "available",
                "reserved",
                "negotiating",
                "transferred",
                "withdrawn",
            ],
            &["可供应", "已预留", "洽谈中", "已出让", "已撤回"],
        )
        .tile()
        .filter(Filter::Choice { param: "status" })
        .import(&["状态", "供应状态", "供地状态"]),
        Field::choice(
            "land_use",
            "用地性质",
            "Land use",
            &["industrial", "logistics", "rnd", "commercial", "mixed"],
            &[
                "工业用地",
                "物流仓储用地",
                "新型产业用地",
                "商业用地",
                "混合用地",
            ],
        )
        .tile()
        .filter(Filter::Choice { param: "land_use" })
        .import(&[
            "用地性质",
            "土地用途",
            "用途",
            "规划用途",
            "规划用地性质",
            "用地分类",
        ]),
        Field::number("area_m2", "面积", "Area")
            .unit("m²", "m²")
            .import(&["出让面积", "用地面积", "面积"]),
        Field::number("area_mu", "面积（亩）", "Area (mu)")
            .unit("亩", "mu")
            .tile_rounded(1)
            .filter(Filter::Range {
                min: "min_area_mu",
                max: "max_area_mu",
            })
            .derived(),
        Field::number("plot_ratio_min", "容积率下限", "Plot ratio, minimum")
            .section("planning")
            .import(&["容积率下限"]),
        Field::number("plot_ratio_max", "容积率上限", "Plot ratio, maximum")
            .section("planning")
            .import(&["容积率上限", "容积率"]),
        Field::number("building_density_max", "建筑密度", "Building density")
            .section("planning")
            .import(&["建筑密度"]),
        Field::number("green_ratio_max", "绿地率", "Green ratio")
            .section("planning")
            .import(&["绿地率"]),
        Field::number("height_limit_m", "限高", "Height limit")
            .unit("m", "m")
            .section("planning")
            .import(&["限高", "建筑限高"]),
        Field::number(
            "investment_intensity_wan_per_mu",
            "投资强度",
            "Investment intensity",
        )
        .unit("万元/亩", "10k yuan/mu")
        .section("standard_land")
        .import(&["投资强度"]),
        Field::number("tax_per_mu_wan", "亩均税收", "Tax per mu")
            .unit("万元/亩·年", "10k yuan/mu/year")
            .section("standard_land")
            .import(&["亩均税收"]),
        Field::number("energy_per_mu_tce_max", "亩均能耗", "Energy per mu")
            .unit("吨标煤/亩·年", "tce/mu/year")
            .section("standard_land")
            .import(&["亩均能耗", "能耗标准", "单位能耗"]),
        Field::number("price_wan_per_mu", "出让价格", "Price")
            .unit("万元/亩", "10k yuan/mu")
            .section("supply")
            .tile()
            .filter(Filter::Range {
                min: "min_price",
                max: "max_price",
            })
            .import(&["出让价格", "挂牌价"]),
        Field::choice(
            "supply_method",
            "供地方式",
            "Supply method",
            &[
                "listing",
                "flexible_term",
                "lease_then_transfer",
                "long_lease",
            ],
            &["挂牌出让", "弹性年期出让", "先租后让", "长期租赁"],
        )
        .labels_en(&[
            "Listing",
            "Flexible term",
            "Lease, then transfer",
            "Long lease",
        ])
        .section("supply")
        .filter(Filter::Choice {
            param: "supply_method",
        })
        .import(&["供地方式", "供应方式", "出让方式"]),
        Field::number("supply_term_years", "出让年限", "Term")
            .unit("年", "years")
            .section("supply")
            .import(&["出让年限", "使用年限"]),
        Field::number("starting_price_wan_per_mu", "起始价", "Starting price")
            .unit("万元/亩", "10k yuan/mu")
            .section("supply")
            .import(&["起始价", "起拍价"]),
        Field::number(
            "benchmark_price_wan_per_mu",
            "基准地价",
            "Benchmark land price",
        )
        .unit("万元/亩", "10k yuan/mu")
        .section("supply")
        .import(&["基准地价"]),
        Field::choice(
            "handover_condition",
            "交地条件",
            "Handover condition",
            &["net_land", "five_connections", "seven_connections"],
            &["净地", "五通一平", "七通一平"],
        )
        .labels_en(&[
            "Cleared land",
            "Five utilities, levelled",
            "Seven utilities, levelled",
        ])
        .section("handover")
        .filter(Filter::Choice {
            param: "handover_condition",
        })
        .import(&["交地条件", "土地现状"]),
        Field::date("handover_date", "交地时间", "Handover date")
            .section("handover")
            .import(&["交地时间", "交地日期"]),
        Field::number("power_kva", "供电容量", "Power capacity")
            .unit("kVA", "kVA")
            .section("utilities")
            .filter(Filter::AtLeast {
                param: "min_power_kva",
            })
            .import(&["供电容量", "用电容量"]),
        Field::number("power_voltage_kv", "供电电压", "Supply voltage")
            .unit("kV", "kV")
            .section("utilities")
            .import(&["供电电压", "电压等级"]),
        Field::boolean("dual_power_feed", "双回路供电", "Dual power feed")
            .section("utilities")
            .filter(Filter::Flag {
                param: "dual_power_feed",
            })
            .import(&["双回路", "双回路供电"]),
        Field::boolean("water", "供水", "Water")
            .section("utilities")
            .import(&["供水"]),
        Field::number("water_capacity_t_per_day", "供水能力", "Water capacity")
            .unit("吨/日", "t/day")
            .section("utilities")
            .filter(Filter::AtLeast {
                param: "min_water_capacity_t_per_day",
            })
            .import(&["供水能力", "日供水量"]),
        Field::boolean("gas", "供气", "Gas")
            .section("utilities")
            .import(&["供气", "天然气"]),
        Field::number("gas_capacity_m3_per_hour", "供气能力", "Gas capacity")
            .unit("m³/时", "m³/h")
            .section("utilities")
            .filter(Filter::AtLeast {
                param: "min_gas_capacity_m3_per_hour",
            })
            .import(&["供气能力"]),
        Field::boolean("steam", "供汽", "Steam")
            .section("utilities")
            .import(&["供汽", "蒸汽"]),
        Field::number("steam_capacity_t_per_hour", "供汽能力", "Steam capacity")
            .unit("吨/时", "t/h")
            .section("utilities")
            .filter(Filter::AtLeast {
                param: "min_steam_capacity_t_per_hour",
            })
            .import(&["供汽能力", "蒸汽供应能力"]),
        Field::number(
            "sewage_capacity_t_per_day",
            "污水处理能力",
            "Sewage capacity",
        )
        .unit("吨/日", "t/day")
        .section("utilities")
        .filter(Filter::AtLeast {
            param: "min_sewage_capacity_t_per_day",
        })
        .import(&["污水处理能力", "排污能力"]),
        Field::text("emission_limits", "排放要求", "Emission limits")
            .section("limits")
            .import(&["排放要求", "排放标准"]),
        Field::list("industries_allowed", "准入产业", "Industries allowed")
            .section("limits")
            .import(&["准入产业", "产业准入"]),
        Field::list("industries_barred", "禁止产业", "Industries barred")
            .section("limits")
            .import(&["禁止产业", "禁止类产业"]),
    ],
};

impl PlotAttrs {
    /// Area in mu (亩).
    pub fn area_mu(&self) -> f64 {
        self.area_m2 / M2_PER_MU
    }
}

impl Attributes for PlotAttrs {
    const LAYER: LayerKind = LayerKind::Plots;
    const SPEC: &'static LayerSpec = &SPEC;
    fn finish(&mut self, shape: &Shape) -> Result<(), ModelError> {
        let area = polygons(shape, Self::LAYER)?;
        if !self.area_m2.is_finite() || self.area_m2 < 0.0 {
            return Err(ModelError::InvalidProperty {
                field: "area_m2".into(),
                reason: format!("must be a finite number > 0, got {}", self.area_m2),
            });
        }
        if self.area_m2 == 0.0 {
            // Not surveyed: take the ellipsoidal area of the shape.
            self.area_m2 = area.geodesic_area_unsigned();
        }
        for (field, value) in [
            ("price_wan_per_mu", self.price_wan_per_mu),
            ("plot_ratio_min", self.plot_ratio_min),
            ("plot_ratio_max", self.plot_ratio_max),
            ("building_density_max", self.building_density_max),
            ("green_ratio_max", self.green_ratio_max),
            ("height_limit_m", self.height_limit_m),
            (
                "investment_intensity_wan_per_mu",
                self.investment_intensity_wan_per_mu,
            ),
            ("tax_per_mu_wan", self.tax_per_mu_wan),
            ("power_kva", self.power_kva),
            ("energy_per_mu_tce_max", self.energy_per_mu_tce_max),
            ("supply_term_years", self.supply_term_years),
            ("starting_price_wan_per_mu", self.starting_price_wan_per_mu),
            (
                "benchmark_price_wan_per_mu",
                self.benchmark_price_wan_per_mu,
            ),
            ("water_capacity_t_per_day", self.water_capacity_t_per_day),
            ("gas_capacity_m3_per_hour", self.gas_capacity_m3_per_hour),
            ("steam_capacity_t_per_hour", self.steam_capacity_t_per_hour),
            ("sewage_capacity_t_per_day", self.sewage_capacity_t_per_day),
            ("power_voltage_kv", self.power_voltage_kv),
        ] {
            check_non_negative(field, value)?;
        }
        check_date("handover_date", self.handover_date.as_deref())?;
        for (field, list) in [
            ("industries_allowed", &self.industries_allowed),
            ("industries_barred", &self.industries_barred),
        ] {
            if let Some(i) = list.iter().position(|w| w.is_empty()) {
                return Err(ModelError::InvalidProperty {
                    field: format!("{field}[{i}]"),
                    reason: "is empty".into(),
                });
            }
        }
        if self.supply_term_years.is_some_and(|y| y > 70.0) {
            // 70 years is the longest term Chinese law grants (residential);
            // industrial land is at most 50.
            return Err(ModelError::InvalidProperty {
                field: "supply_term_years".into(),
                reason: "is at most 70 years".into(),
            });
        }
        if let (Some(lo), Some(hi)) = (self.plot_ratio_min, self.plot_ratio_max)
            && lo > hi
        {
            return Err(ModelError::InvalidProperty {
                field: "plot_ratio_min".into(),
                reason: format!("{lo} is above plot_ratio_max {hi}"),
            });
        }
        for (field, value) in [
            ("building_density_max", self.building_density_max),
            ("green_ratio_max", self.green_ratio_max),
        ] {
            if value.is_some_and(|v| v > 1.0) {
                return Err(ModelError::InvalidProperty {
                    field: field.into(),
                    reason: "is a ratio between 0 and 1".into(),
                });
            }
        }
        Ok(())
    }
    /// Status and land-use bits, and the area in mu.
    fn search_key(&self) -> u64 {
        let flags = self.status.bit() | self.land_use.bit() << 8;
        u64::from((self.area_mu() as f32).to_bits()) << 32 | u64::from(flags)
    }
    /// One R-tree per status and land use.
    const PARTITIONS: usize = PlotStatus::ALL.len() * LandUse::ALL.len();
    fn partition(key: u64) -> usize {
        let (status, land_use) = (
            (key & 0xff).trailing_zeros(),
            (key >> 8 & 0xff).trailing_zeros(),
        );
        status as usize * LandUse::ALL.len() + land_use as usize
    }
    fn partition_flags(partition: usize) -> u32 {
        let (status, land_use) = (
            partition / LandUse::ALL.len(),
            partition % LandUse::ALL.len(),
        );
        PlotStatus::ALL[status].bit() | LandUse::ALL[land_use].bit() << 8
    }
    fn derived_properties(&self, props: &mut serde_json::Map<String, serde_json::Value>) {
        props.insert(
            "area_mu".into(),
            ((self.area_mu() * 100.0).round() / 100.0).into(),
        );
    }
    fn value(&self, field: &str) -> Option<FieldValue<'_>> {
        use FieldValue::{Boolean, List, Number, Text};
        match field {
            "name" => Some(Text(&self.name)),
            "park" => self.park.as_deref().map(Text),
            "status" => Some(Text(self.status.as_str())),
            "land_use" => Some(Text(self.land_use.as_str())),
            "area_m2" => Some(Number(self.area_m2)),
            "area_mu" => Some(Number(self.area_mu())),
            "price_wan_per_mu" => self.price_wan_per_mu.map(Number),
            "plot_ratio_min" => self.plot_ratio_min.map(Number),
            "plot_ratio_max" => self.plot_ratio_max.map(Number),
            "building_density_max" => self.building_density_max.map(Number),
            "green_ratio_max" => self.green_ratio_max.map(Number),
            "height_limit_m" => self.height_limit_m.map(Number),
            "investment_intensity_wan_per_mu" => self.investment_intensity_wan_per_mu.map(Number),
            "tax_per_mu_wan" => self.tax_per_mu_wan.map(Number),
            "energy_per_mu_tce_max" => self.energy_per_mu_tce_max.map(Number),
            "supply_method" => self.supply_method.map(|v| Text(v.as_str())),
            "supply_term_years" => self.supply_term_years.map(Number),
            "starting_price_wan_per_mu" => self.starting_price_wan_per_mu.map(Number),
            "benchmark_price_wan_per_mu" => self.benchmark_price_wan_per_mu.map(Number),
            "handover_condition" => self.handover_condition.map(|v| Text(v.as_str())),
            "handover_date" => self.handover_date.as_deref().map(Text),
            "power_kva" => self.power_kva.map(Number),
            "power_voltage_kv" => self.power_voltage_kv.map(Number),
            "dual_power_feed" => self.dual_power_feed.map(Boolean),
            "water" => self.water.map(Boolean),
            "water_capacity_t_per_day" => self.water_capacity_t_per_day.map(Number),
            "gas" => self.gas.map(Boolean),
            "gas_capacity_m3_per_hour" => self.gas_capacity_m3_per_hour.map(Number),
            "steam" => self.steam.map(Boolean),
            "steam_capacity_t_per_hour" => self.steam_capacity_t_per_hour.map(Number),
            "sewage_capacity_t_per_day" => self.sewage_capacity_t_per_day.map(Number),
            "emission_limits" => self.emission_limits.as_deref().map(Text),
            "industries_allowed" => Some(List(&self.industries_allowed)),
            "industries_barred" => Some(List(&self.industries_barred)),
            _ => None,
        }
    }
}
