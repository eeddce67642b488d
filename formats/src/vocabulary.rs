//! The vocabularies land departments write land use and supply status in, and the model value
//! each one means.
//!
//! # Land use
//!
//! Three national classifications are built in, every level of each:
//!
//! - the 2023 《国土空间调查、规划、用途管制用地用海分类指南》 (自然资发〔2023〕234号), which
//!   planning and land supply now follow: two-, four- and six-digit codes (10 工矿用地, 1001 工业用地,
//!   100101 一类工业用地);
//! - GB 50137-2011 《城市用地分类与规划建设用地标准》, still the language of most regulatory
//!   plans (控规): letter codes (M, M1, B29, A35);
//! - GB/T 21010-2017 《土地利用现状分类》, with the third national land survey's working
//!   classification (三调工作分类: 05H1, 0508 物流仓储用地, 08H2 …): the land survey's codes.
//!
//! Besides them: names of the older editions still common in land-market records
//! (GB/T 21010-2007's 批发零售用地, GB 50137-90's C2 商业金融业用地 and C65 科研设计用地) and
//! local ones (M0 新型产业用地, 普通工业用地, 物流用地).
//!
//! Each class either means a model land use or is land the map does not offer (residential,
//! public service, transport, farmland …); such values are reported, not imported. Research land
//! (A35; the guide's 0802 科研用地, which it does not subdivide, 0803 being 文化用地) is `rnd`
//! although its parent class is public service land, and mining land and salt pans (1002, 1003)
//! are not offered although 10 工矿用地 is `industrial`. A finer code than the tables list takes
//! its nearest listed parent's meaning, since the guide lets localities subdivide its classes
//! (100104, B4a) and the survey marks variants with a letter (0301K).
//!
//! ## Codes two classifications share
//!
//! The 2023 guide and GB/T 21010 both use two- and four-digit codes, with different meanings for
//! 05, 06, 08, 09, 10, 11 and 12 and most of their four-digit classes: 0601 is 工业用地 in the
//! survey but 农村道路 in the guide (乡村道路用地 in its 2020 trial edition); 1001 is 工业用地 in
//! the guide but 铁路用地 in the survey. A plot on an investment map is land on offer, so where
//! one reading is a class the map offers and the other is not, the offered reading is taken:
//! 0601 from the survey (industrial), 1001, 1101 and 1102 from the guide (industrial,
//! logistics); 0802 (the guide's 科研用地) and 0804 (the survey's) are both `rnd`; 0501-0507 are
//! the survey's commercial classes, not the guide's wetlands. No code is offered under both
//! readings with different uses (a test holds the tables to that). Where neither reading is
//! offered (1002: 采矿用地 or 轨道交通用地) the guide, being current, names the class in the
//! report.
//!
//! A name always wins over a code: `0601农村道路` is a rural road whatever 0601 alone would mean,
//! and `0601工业用地` is industrial whichever classification the code came from.
//!
//! ## Spelling
//!
//! Values are compared after folding full-width forms to ASCII, upper-casing ASCII and dropping
//! white space, so `Ｍ１`, `m1` and `M 1` are all M1. A value is a code, a name, both
//! (`M1一类工业用地`, `二类工业用地(M2)`), or several uses joined by `/`, `+`, `、`, `,`, `;` or
//! 兼容 (`M1/B1`, `100101/0901`, `工业用地兼容商业`), or GB 50137 codes written together (`B1B2`).
//! Parts that mean different uses make `mixed`, parts that mean one use make that use, and a part
//! the map does not offer refuses the whole value (`R2/B1`, 商住, is not an investment plot; a
//! mapping file can say otherwise).
//!
//! # Supply status
//!
//! Departments write where a plot stands in its supply:
//!
//! - available: 可供, 未供(应), 待供应, 拟供应 (in the year's supply plan), 净地 (cleared and ready to
//!   supply), 待出让, 未出让, and 挂牌中, 公告中, 招商中 — a plot being listed or promoted is still
//!   on offer until a deal is struck;
//! - reserved: 预留, 已预留, 意向, 有意向 (an investor's declared intention holds the plot);
//! - negotiating: 洽谈中, 谈判中, 在谈;
//! - transferred: 已供(应), 已供地, 已出让, 已划拨, 已成交, 已摘牌 (the listing was won);
//! - withdrawn: 撤回, 暂缓, 暂停(供应), 终止供应, and 收回: land taken back from a former user must
//!   be planned and listed again before it is offered, so it is off the offer until then.
//!
//! Standard factories share the `status` field; their occupancy is built in too: 空置, 闲置, 待租,
//! 招租中 (vacant), 部分出租 (partial), 已租满, 满租, 已出租 (occupied).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The model's land uses (`LandUse` in the tiles crate).
pub const LAND_USES: &[&str] = &["industrial", "logistics", "rnd", "commercial", "mixed"];

/// The model's plot statuses (`PlotStatus`).
pub const PLOT_STATUSES: &[&str] = &[
    "available",
    "reserved",
    "negotiating",
    "transferred",
    "withdrawn",
];

/// The model's factory statuses (`FactoryStatus`), which share the `status` field.
pub const FACTORY_STATUSES: &[&str] = &["vacant", "partial", "occupied"];

/// The classification a class comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standard {
    /// 《国土空间调查、规划、用途管制用地用海分类指南》 (2023).
    LandSea2023,
    /// GB 50137-2011 城市用地分类与规划建设用地标准.
    Gb50137,
    /// GB/T 21010-2017 土地利用现状分类.
    Gbt21010,
    /// The third national land survey's working classification, where it departs from
    /// GB/T 21010-2017.
    ThirdSurvey,
    /// Older editions (GB 50137-90, GB/T 21010-2007) still seen in land-market records.
    Older,
    /// Local practice and short forms (M0 新型产业用地, 工业, 研发).
    Local,
}

/// Land a map of offered plots does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotOffered {
    /// 居住, 住宅.
    Residential,
    /// 公共管理与公共服务.
    Public,
    /// Roads, rail, airports, ports, stations.
    Transport,
    /// Water, power, gas, sewage and other utility sites.
    Utility,
    /// Parks, protective green, squares.
    Green,
    /// Military, religious, burial and other special uses.
    Special,
    /// 采矿用地.
    Mining,
    /// 盐田.
    SaltPan,
    /// Farmland, orchards, forest, grassland and farm facilities.
    Agricultural,
    /// Rivers, lakes, ponds, wetlands.
    Water,
    /// Sea use.
    Sea,
    /// Vacant, bare or other unused land without a use.
    Unused,
    /// 留白用地: kept blank for later planning.
    Reserve,
    /// A whole class of land (城市建设用地, 非建设用地) that names no use.
    Aggregate,
}

impl NotOffered {
    /// What the land is, as a phrase completing "… is".
    pub fn describe(self) -> &'static str {
        match self {
            NotOffered::Residential => "residential land",
            NotOffered::Public => "public administration and service land",
            NotOffered::Transport => "transport land",
            NotOffered::Utility => "utility land",
            NotOffered::Green => "green space",
            NotOffered::Special => "special-use land",
            NotOffered::Mining => "mining land",
            NotOffered::SaltPan => "a salt pan",
            NotOffered::Agricultural => "agricultural land",
            NotOffered::Water => "water or wetland",
            NotOffered::Sea => "a sea area",
            NotOffered::Unused => "unused land without a planned use",
            NotOffered::Reserve => "land kept blank for later planning",
            NotOffered::Aggregate => "a whole class of land, not one use",
        }
    }
}

/// What a class means on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Meaning {
    /// The model land use.
    Offered(&'static str),
    /// Land the map does not offer.
    NotOffered(NotOffered),
}

/// One class of a classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    /// Where it comes from.
    pub standard: Standard,
    /// Its code, upper-case ASCII; empty for names without one.
    pub code: &'static str,
    /// Its Chinese name.
    pub name: &'static str,
    /// What it means on the map.
    pub meaning: Meaning,
}

const IND: Meaning = Meaning::Offered("industrial");
const LOG: Meaning = Meaning::Offered("logistics");
const RND: Meaning = Meaning::Offered("rnd");
const COM: Meaning = Meaning::Offered("commercial");
const MIX: Meaning = Meaning::Offered("mixed");
const RES: Meaning = Meaning::NotOffered(NotOffered::Residential);
const PUB: Meaning = Meaning::NotOffered(NotOffered::Public);
const TRA: Meaning = Meaning::NotOffered(NotOffered::Transport);
const UTI: Meaning = Meaning::NotOffered(NotOffered::Utility);
const GRE: Meaning = Meaning::NotOffered(NotOffered::Green);
const SPE: Meaning = Meaning::NotOffered(NotOffered::Special);
const MIN: Meaning = Meaning::NotOffered(NotOffered::Mining);
const SALT: Meaning = Meaning::NotOffered(NotOffered::SaltPan);
const AGR: Meaning = Meaning::NotOffered(NotOffered::Agricultural);
const WAT: Meaning = Meaning::NotOffered(NotOffered::Water);
const SEA: Meaning = Meaning::NotOffered(NotOffered::Sea);
const UNU: Meaning = Meaning::NotOffered(NotOffered::Unused);
const BLANK: Meaning = Meaning::NotOffered(NotOffered::Reserve);
const AGG: Meaning = Meaning::NotOffered(NotOffered::Aggregate);

type Row = (&'static str, &'static str, Meaning);

/// 《国土空间调查、规划、用途管制用地用海分类指南》 (自然资发〔2023〕234号), appendix tables:
/// every class of the 24 first-level ones.
const LAND_SEA_2023: &[Row] = &[
    ("01", "耕地", AGR),
    ("0101", "水田", AGR),
    ("0102", "水浇地", AGR),
    ("0103", "旱地", AGR),
    ("02", "园地", AGR),
    ("0201", "果园", AGR),
    ("0202", "茶园", AGR),
    ("0203", "橡胶园地", AGR),
    ("0204", "油料园地", AGR),
    ("0205", "其他园地", AGR),
    ("03", "林地", AGR),
    ("0301", "乔木林地", AGR),
    ("0302", "竹林地", AGR),
    ("0303", "灌木林地", AGR),
    ("0304", "其他林地", AGR),
    ("04", "草地", AGR),
    ("0401", "天然牧草地", AGR),
    ("0402", "人工牧草地", AGR),
    ("0403", "其他草地", AGR),
    ("05", "湿地", WAT),
    ("0501", "森林沼泽", WAT),
    ("0502", "灌丛沼泽", WAT),
    ("0503", "沼泽草地", WAT),
    ("0504", "其他沼泽地", WAT),
    ("0505", "沿海滩涂", WAT),
    ("0506", "内陆滩涂", WAT),
    ("0507", "红树林地", WAT),
    ("06", "农业设施建设用地", AGR),
    ("0601", "农村道路", TRA),
    ("060101", "村道用地", TRA),
    ("060102", "田间道", TRA),
    ("0602", "设施农用地", AGR),
    ("060201", "种植设施建设用地", AGR),
    ("060202", "畜禽养殖设施建设用地", AGR),
    ("060203", "水产养殖设施建设用地", AGR),
    ("07", "居住用地", RES),
    ("0701", "城镇住宅用地", RES),
    ("070101", "一类城镇住宅用地", RES),
    ("070102", "二类城镇住宅用地", RES),
    ("070103", "三类城镇住宅用地", RES),
    ("0702", "城镇社区服务设施用地", RES),
    ("0703", "农村宅基地", RES),
    ("070301", "一类农村宅基地", RES),
    ("070302", "二类农村宅基地", RES),
    ("0704", "农村社区服务设施用地", RES),
    ("08", "公共管理与公共服务用地", PUB),
    ("0801", "机关团体用地", PUB),
    // Research land has no finer classes in the guide.
    ("0802", "科研用地", RND),
    ("0803", "文化用地", PUB),
    ("080301", "图书与展览用地", PUB),
    ("080302", "文化活动用地", PUB),
    ("0804", "教育用地", PUB),
    ("080401", "高等教育用地", PUB),
    ("080402", "中等职业教育用地", PUB),
    ("080403", "中小学用地", PUB),
    ("080404", "幼儿园用地", PUB),
    ("080405", "其他教育用地", PUB),
    ("0805", "体育用地", PUB),
    ("080501", "体育场馆用地", PUB),
    ("080502", "体育训练用地", PUB),
    ("0806", "医疗卫生用地", PUB),
    ("080601", "医院用地", PUB),
    ("080602", "基层医疗卫生设施用地", PUB),
    ("080603", "公共卫生用地", PUB),
    ("0807", "社会福利用地", PUB),
    ("080701", "老年人社会福利用地", PUB),
    ("080702", "儿童社会福利用地", PUB),
    ("080703", "残疾人社会福利用地", PUB),
    ("080704", "其他社会福利用地", PUB),
    ("09", "商业服务业用地", COM),
    ("0901", "商业用地", COM),
    ("090101", "零售商业用地", COM),
    ("090102", "批发市场用地", COM),
    ("090103", "餐饮用地", COM),
    ("090104", "旅馆用地", COM),
    ("090105", "公用设施营业网点用地", COM),
    ("0902", "商务金融用地", COM),
    ("0903", "娱乐用地", COM),
    ("0904", "其他商业服务业用地", COM),
    ("10", "工矿用地", IND),
    ("1001", "工业用地", IND),
    ("100101", "一类工业用地", IND),
    ("100102", "二类工业用地", IND),
    ("100103", "三类工业用地", IND),
    ("1002", "采矿用地", MIN),
    ("1003", "盐田", SALT),
    ("11", "仓储用地", LOG),
    ("1101", "物流仓储用地", LOG),
    ("110101", "一类物流仓储用地", LOG),
    ("110102", "二类物流仓储用地", LOG),
    ("110103", "三类物流仓储用地", LOG),
    ("1102", "储备库用地", LOG),
    ("12", "交通运输用地", TRA),
    ("1201", "铁路用地", TRA),
    ("1202", "公路用地", TRA),
    ("1203", "机场用地", TRA),
    ("1204", "港口码头用地", TRA),
    ("1205", "管道运输用地", TRA),
    ("1206", "城市轨道交通用地", TRA),
    ("1207", "城镇村道路用地", TRA),
    ("1208", "交通场站用地", TRA),
    ("120801", "对外交通场站用地", TRA),
    ("120802", "公共交通场站用地", TRA),
    ("120803", "社会停车场用地", TRA),
    ("1209", "其他交通设施用地", TRA),
    ("13", "公用设施用地", UTI),
    ("1301", "供水用地", UTI),
    ("1302", "排水用地", UTI),
    ("1303", "供电用地", UTI),
    ("1304", "供燃气用地", UTI),
    ("1305", "供热用地", UTI),
    ("1306", "通信用地", UTI),
    ("1307", "邮政用地", UTI),
    ("1308", "广播电视设施用地", UTI),
    ("1309", "环卫用地", UTI),
    ("1310", "消防用地", UTI),
    ("1311", "水工设施用地", UTI),
    ("1312", "其他公用设施用地", UTI),
    ("14", "绿地与开敞空间用地", GRE),
    ("1401", "公园绿地", GRE),
    ("1402", "防护绿地", GRE),
    ("1403", "广场用地", GRE),
    ("15", "特殊用地", SPE),
    ("1501", "军事设施用地", SPE),
    ("1502", "使领馆用地", SPE),
    ("1503", "宗教用地", SPE),
    ("1504", "文物古迹用地", SPE),
    ("1505", "监教场所用地", SPE),
    ("1506", "殡葬用地", SPE),
    ("1507", "其他特殊用地", SPE),
    ("16", "留白用地", BLANK),
    ("17", "陆地水域", WAT),
    ("1701", "河流水面", WAT),
    ("1702", "湖泊水面", WAT),
    ("1703", "水库水面", WAT),
    ("1704", "坑塘水面", WAT),
    ("1705", "沟渠", WAT),
    ("1706", "冰川及常年积雪", WAT),
    ("18", "渔业用海", SEA),
    ("1801", "渔业基础设施用海", SEA),
    ("1802", "增养殖用海", SEA),
    ("1803", "捕捞海域", SEA),
    ("1804", "农林牧业用岛", SEA),
    ("19", "工矿通信用海", SEA),
    ("1901", "工业用海", SEA),
    ("1902", "盐田用海", SEA),
    ("1903", "固体矿产用海", SEA),
    ("1904", "油气用海", SEA),
    ("1905", "可再生能源用海", SEA),
    ("1906", "海底电缆管道用海", SEA),
    ("20", "交通运输用海", SEA),
    ("2001", "港口用海", SEA),
    ("2002", "航运用海", SEA),
    ("2003", "路桥隧道用海", SEA),
    ("2004", "机场用海", SEA),
    ("2005", "其他交通运输用海", SEA),
    ("21", "游憩用海", SEA),
    ("2101", "风景旅游用海", SEA),
    ("2102", "文体休闲娱乐用海", SEA),
    ("22", "特殊用海", SEA),
    ("2201", "军事用海", SEA),
    ("2202", "科研教育用海", SEA),
    ("2203", "海洋保护修复及海岸防护工程用海", SEA),
    ("2204", "排污倾倒用海", SEA),
    ("2205", "水下文物保护用海", SEA),
    ("2206", "其他特殊用海", SEA),
    ("23", "其他土地", UNU),
    ("2301", "空闲地", UNU),
    ("2302", "后备耕地", AGR),
    ("2303", "田坎", UNU),
    ("2304", "盐碱地", UNU),
    ("2305", "沙地", UNU),
    ("2306", "裸土地", UNU),
    ("2307", "裸岩石砾地", UNU),
    ("24", "其他海域", SEA),
];

/// GB 50137-2011, table 3.2.2 (城乡用地, H and E) and table 3.3.2 (城市建设用地).
const GB_50137: &[Row] = &[
    ("H", "建设用地", AGG),
    ("H1", "城乡居民点建设用地", AGG),
    ("H11", "城市建设用地", AGG),
    ("H12", "镇建设用地", AGG),
    ("H13", "乡建设用地", AGG),
    ("H14", "村庄建设用地", AGG),
    ("H2", "区域交通设施用地", TRA),
    ("H21", "铁路用地", TRA),
    ("H22", "公路用地", TRA),
    ("H23", "港口用地", TRA),
    ("H24", "机场用地", TRA),
    ("H25", "管道运输用地", TRA),
    ("H3", "区域公用设施用地", UTI),
    ("H4", "特殊用地", SPE),
    ("H41", "军事用地", SPE),
    ("H42", "安保用地", SPE),
    ("H5", "采矿用地", MIN),
    // Border crossings and the service sites of scenic areas and forest parks.
    ("H9", "其他建设用地", SPE),
    ("E", "非建设用地", AGG),
    ("E1", "水域", WAT),
    ("E11", "自然水域", WAT),
    ("E12", "水库", WAT),
    ("E13", "坑塘沟渠", WAT),
    ("E2", "农林用地", AGR),
    ("E9", "其他非建设用地", UNU),
    ("R", "居住用地", RES),
    ("R1", "一类居住用地", RES),
    ("R11", "住宅用地", RES),
    ("R12", "服务设施用地", RES),
    ("R2", "二类居住用地", RES),
    ("R21", "住宅用地", RES),
    ("R22", "服务设施用地", RES),
    ("R3", "三类居住用地", RES),
    ("R31", "住宅用地", RES),
    ("R32", "服务设施用地", RES),
    ("A", "公共管理与公共服务设施用地", PUB),
    ("A1", "行政办公用地", PUB),
    ("A2", "文化设施用地", PUB),
    ("A21", "图书展览用地", PUB),
    ("A22", "文化活动用地", PUB),
    ("A3", "教育科研用地", PUB),
    ("A31", "高等院校用地", PUB),
    ("A32", "中等专业学校用地", PUB),
    ("A33", "中小学用地", PUB),
    ("A34", "特殊教育用地", PUB),
    ("A35", "科研用地", RND),
    ("A4", "体育用地", PUB),
    ("A41", "体育场馆用地", PUB),
    ("A42", "体育训练用地", PUB),
    ("A5", "医疗卫生用地", PUB),
    ("A51", "医院用地", PUB),
    ("A52", "卫生防疫用地", PUB),
    ("A53", "特殊医疗用地", PUB),
    ("A59", "其他医疗卫生用地", PUB),
    ("A6", "社会福利用地", PUB),
    ("A7", "文物古迹用地", PUB),
    ("A8", "外事用地", PUB),
    ("A9", "宗教用地", PUB),
    ("B", "商业服务业设施用地", COM),
    ("B1", "商业用地", COM),
    ("B11", "零售商业用地", COM),
    ("B12", "批发市场用地", COM),
    ("B13", "餐饮用地", COM),
    ("B14", "旅馆用地", COM),
    ("B2", "商务用地", COM),
    ("B21", "金融保险用地", COM),
    ("B22", "艺术传媒用地", COM),
    ("B29", "其他商务用地", COM),
    ("B3", "娱乐康体用地", COM),
    ("B31", "娱乐用地", COM),
    ("B32", "康体用地", COM),
    ("B4", "公用设施营业网点用地", COM),
    ("B41", "加油加气站用地", COM),
    ("B49", "其他公用设施营业网点用地", COM),
    ("B9", "其他服务设施用地", COM),
    ("M", "工业用地", IND),
    ("M1", "一类工业用地", IND),
    ("M2", "二类工业用地", IND),
    ("M3", "三类工业用地", IND),
    ("W", "物流仓储用地", LOG),
    ("W1", "一类物流仓储用地", LOG),
    ("W2", "二类物流仓储用地", LOG),
    ("W3", "三类物流仓储用地", LOG),
    ("S", "道路与交通设施用地", TRA),
    ("S1", "城市道路用地", TRA),
    ("S2", "城市轨道交通用地", TRA),
    ("S3", "交通枢纽用地", TRA),
    ("S4", "交通场站用地", TRA),
    ("S41", "公共交通场站用地", TRA),
    ("S42", "社会停车场用地", TRA),
    ("S9", "其他交通设施用地", TRA),
    ("U", "公用设施用地", UTI),
    ("U1", "供应设施用地", UTI),
    ("U11", "供水用地", UTI),
    ("U12", "供电用地", UTI),
    ("U13", "供燃气用地", UTI),
    ("U14", "供热用地", UTI),
    ("U15", "通信用地", UTI),
    ("U16", "广播电视用地", UTI),
    ("U2", "环境设施用地", UTI),
    ("U21", "排水用地", UTI),
    ("U22", "环卫用地", UTI),
    ("U3", "安全设施用地", UTI),
    ("U31", "消防用地", UTI),
    ("U32", "防洪用地", UTI),
    ("U9", "其他公用设施用地", UTI),
    ("G", "绿地与广场用地", GRE),
    ("G1", "公园绿地", GRE),
    ("G2", "防护绿地", GRE),
    ("G3", "广场用地", GRE),
];

/// GB/T 21010-2017, table 1.
const GBT_21010: &[Row] = &[
    ("01", "耕地", AGR),
    ("0101", "水田", AGR),
    ("0102", "水浇地", AGR),
    ("0103", "旱地", AGR),
    ("02", "园地", AGR),
    ("0201", "果园", AGR),
    ("0202", "茶园", AGR),
    ("0203", "橡胶园", AGR),
    ("0204", "其他园地", AGR),
    ("03", "林地", AGR),
    ("0301", "乔木林地", AGR),
    ("0302", "竹林地", AGR),
    ("0303", "红树林地", AGR),
    ("0304", "森林沼泽", AGR),
    ("0305", "灌木林地", AGR),
    ("0306", "灌丛沼泽", AGR),
    ("0307", "其他林地", AGR),
    ("04", "草地", AGR),
    ("0401", "天然牧草地", AGR),
    ("0402", "沼泽草地", AGR),
    ("0403", "人工牧草地", AGR),
    ("0404", "其他草地", AGR),
    ("05", "商服用地", COM),
    ("0501", "零售商业用地", COM),
    ("0502", "批发市场用地", COM),
    ("0503", "餐饮用地", COM),
    ("0504", "旅馆用地", COM),
    ("0505", "商务金融用地", COM),
    ("0506", "娱乐用地", COM),
    ("0507", "其他商服用地", COM),
    // Most of 工矿仓储用地 is industrial, as most of the guide's 工矿用地 is.
    ("06", "工矿仓储用地", IND),
    ("0601", "工业用地", IND),
    ("0602", "采矿用地", MIN),
    ("0603", "盐田", SALT),
    ("0604", "仓储用地", LOG),
    ("07", "住宅用地", RES),
    ("0701", "城镇住宅用地", RES),
    ("0702", "农村宅基地", RES),
    ("08", "公共管理与公共服务用地", PUB),
    ("0801", "机关团体用地", PUB),
    ("0802", "新闻出版用地", PUB),
    ("0803", "教育用地", PUB),
    ("0804", "科研用地", RND),
    ("0805", "医疗卫生用地", PUB),
    ("0806", "社会福利用地", PUB),
    ("0807", "文化设施用地", PUB),
    ("0808", "体育用地", PUB),
    ("0809", "公用设施用地", UTI),
    ("0810", "公园与绿地", GRE),
    ("09", "特殊用地", SPE),
    ("0901", "军事设施用地", SPE),
    ("0902", "使领馆用地", SPE),
    ("0903", "监教场所用地", SPE),
    ("0904", "宗教用地", SPE),
    ("0905", "殡葬用地", SPE),
    ("0906", "风景名胜设施用地", SPE),
    ("10", "交通运输用地", TRA),
    ("1001", "铁路用地", TRA),
    ("1002", "轨道交通用地", TRA),
    ("1003", "公路用地", TRA),
    ("1004", "城镇村道路用地", TRA),
    ("1005", "交通服务场站用地", TRA),
    ("1006", "农村道路", TRA),
    ("1007", "机场用地", TRA),
    ("1008", "港口码头用地", TRA),
    ("1009", "管道运输用地", TRA),
    ("11", "水域及水利设施用地", WAT),
    ("1101", "河流水面", WAT),
    ("1102", "湖泊水面", WAT),
    ("1103", "水库水面", WAT),
    ("1104", "坑塘水面", WAT),
    ("1105", "沿海滩涂", WAT),
    ("1106", "内陆滩涂", WAT),
    ("1107", "沟渠", WAT),
    ("1108", "沼泽地", WAT),
    ("1109", "水工建筑用地", WAT),
    ("1110", "冰川及永久积雪", WAT),
    ("12", "其他土地", UNU),
    ("1201", "空闲地", UNU),
    ("1202", "设施农用地", AGR),
    ("1203", "田坎", UNU),
    ("1204", "盐碱地", UNU),
    ("1205", "沙地", UNU),
    ("1206", "裸土地", UNU),
    ("1207", "裸岩石砾地", UNU),
];

/// The third national land survey's working classification (第三次全国国土调查工作分类),
/// where it departs from GB/T 21010-2017: warehouses moved to 0508 under a renamed 05, the
/// survey's own merged classes (H) and variants marked with a letter.
const THIRD_SURVEY: &[Row] = &[
    ("00", "湿地", WAT),
    ("05", "商业服务业用地", COM),
    ("05H1", "商业服务业设施用地", COM),
    ("0508", "物流仓储用地", LOG),
    ("06", "工矿用地", IND),
    ("08H1", "机关团体新闻出版用地", PUB),
    ("08H2", "科教文卫用地", PUB),
    ("08H2A", "高教用地", PUB),
    ("0810A", "广场用地", GRE),
    ("1104A", "养殖坑塘", WAT),
    ("1107A", "干渠", WAT),
];

/// Older editions: GB 50137-90's commercial and research codes (the edition had no such
/// classes in the 2011 letters' places, so the codes are unambiguous) and names of
/// GB/T 21010-2007 and GB 50137-90 that land-market records still carry.
const OLDER: &[Row] = &[
    ("C2", "商业金融业用地", COM),
    ("C21", "商业用地", COM),
    ("C22", "金融保险业用地", COM),
    ("C23", "贸易咨询用地", COM),
    ("C24", "服务业用地", COM),
    ("C25", "旅馆业用地", COM),
    ("C26", "市场用地", COM),
    ("C65", "科研设计用地", RND),
    ("", "批发零售用地", COM),
    ("", "住宿餐饮用地", COM),
    ("", "普通仓库用地", LOG),
    ("", "危险品仓库用地", LOG),
    ("", "堆场用地", LOG),
    ("", "科教用地", PUB),
    ("", "医卫慈善用地", PUB),
    ("", "文体娱乐用地", PUB),
    ("", "公共设施用地", UTI),
    ("", "街巷用地", TRA),
    ("", "乡村道路用地", TRA),
];

/// Local practice and the short forms officers type.
const LOCAL: &[Row] = &[
    // 新型产业用地 (Shenzhen's and Guangdong's M0): research, design and pilot production.
    ("M0", "新型产业用地", RND),
    ("", "创新型产业用地", RND),
    ("", "研发用地", RND),
    ("", "普通工业用地", IND),
    ("", "物流用地", LOG),
    ("", "仓储物流用地", LOG),
    ("", "工业", IND),
    ("", "物流", LOG),
    ("", "仓储", LOG),
    ("", "物流仓储", LOG),
    ("", "科研", RND),
    ("", "研发", RND),
    ("", "商业", COM),
    ("", "商服", COM),
    ("", "商务", COM),
    ("", "混合", MIX),
    ("", "混合用地", MIX),
];

/// The tables in the order of precedence for a code two of them share.
const TABLES: &[(Standard, &[Row])] = &[
    (Standard::LandSea2023, LAND_SEA_2023),
    (Standard::Gb50137, GB_50137),
    (Standard::Gbt21010, GBT_21010),
    (Standard::ThirdSurvey, THIRD_SURVEY),
    (Standard::Older, OLDER),
    (Standard::Local, LOCAL),
];

/// Supply statuses as departments write them, and factory occupancy.
const STATUSES: &[(&str, &str)] = &[
    ("可供", "available"),
    ("可供应", "available"),
    ("未供", "available"),
    ("未供应", "available"),
    ("待供应", "available"),
    ("拟供应", "available"),
    ("净地", "available"),
    ("待出让", "available"),
    ("未出让", "available"),
    ("挂牌中", "available"),
    ("公告中", "available"),
    ("招商中", "available"),
    ("预留", "reserved"),
    ("已预留", "reserved"),
    ("意向", "reserved"),
    ("有意向", "reserved"),
    ("洽谈中", "negotiating"),
    ("谈判中", "negotiating"),
    ("在谈", "negotiating"),
    ("已供", "transferred"),
    ("已供应", "transferred"),
    ("已供地", "transferred"),
    ("已出让", "transferred"),
    ("已划拨", "transferred"),
    ("已成交", "transferred"),
    ("已摘牌", "transferred"),
    ("撤回", "withdrawn"),
    ("已撤回", "withdrawn"),
    ("收回", "withdrawn"),
    ("已收回", "withdrawn"),
    ("暂缓", "withdrawn"),
    ("暂缓供应", "withdrawn"),
    ("暂停", "withdrawn"),
    ("暂停供应", "withdrawn"),
    ("终止供应", "withdrawn"),
    ("空置", "vacant"),
    ("闲置", "vacant"),
    ("待租", "vacant"),
    ("招租中", "vacant"),
    ("部分出租", "partial"),
    ("部分已租", "partial"),
    ("已租满", "occupied"),
    ("满租", "occupied"),
    ("已出租", "occupied"),
];

struct Index {
    classes: Vec<Class>,
    /// Code → class, with shared codes resolved as the module documentation says.
    codes: HashMap<&'static str, usize>,
    /// Name → class (the first table's, where several share a name).
    names: HashMap<&'static str, usize>,
    statuses: HashMap<&'static str, &'static str>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let classes: Vec<Class> = TABLES
            .iter()
            .flat_map(|(standard, rows)| {
                rows.iter().map(|&(code, name, meaning)| Class {
                    standard: *standard,
                    code,
                    name,
                    meaning,
                })
            })
            .collect();
        let mut codes: HashMap<&'static str, usize> = HashMap::new();
        let mut names = HashMap::new();
        for (i, class) in classes.iter().enumerate() {
            if !class.code.is_empty() {
                let offered = matches!(class.meaning, Meaning::Offered(_));
                codes
                    .entry(class.code)
                    .and_modify(|held| {
                        // A code shared by two classifications means the offered class.
                        if offered && !matches!(classes[*held].meaning, Meaning::Offered(_)) {
                            *held = i;
                        }
                    })
                    .or_insert(i);
            }
            names.entry(class.name).or_insert(i);
        }
        let statuses = STATUSES.iter().copied().collect();
        Index {
            classes,
            codes,
            names,
            statuses,
        }
    })
}

/// Every class of every built-in table, in table order (the 2023 guide, GB 50137-2011,
/// GB/T 21010-2017, the third survey's changes, older editions, local forms).
pub fn classes() -> &'static [Class] {
    &index().classes
}

/// The class a code means, after resolving codes two classifications share; `None` for a
/// code no table lists (finer codes are not generalised here, see [`land_use`]).
pub fn class_of_code(code: &str) -> Option<&'static Class> {
    let index = index();
    index
        .codes
        .get(normalise(code).as_str())
        .map(|&i| &index.classes[i])
}

/// The class a name means.
pub fn class_of_name(name: &str) -> Option<&'static Class> {
    let index = index();
    index
        .names
        .get(normalise(name).as_str())
        .map(|&i| &index.classes[i])
}

/// The built-in supply statuses and factory occupancies, as (source, model value).
pub fn statuses() -> &'static [(&'static str, &'static str)] {
    STATUSES
}

/// The model status a department's status means, if built in.
pub fn status(value: &str) -> Option<&'static str> {
    index().statuses.get(normalise(value).as_str()).copied()
}

/// A value as compared: full-width forms folded to ASCII, ASCII upper-cased, white space
/// (including the ideographic space) dropped.
pub fn normalise(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// What a land-use value means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A model land use.
    Use(String),
    /// A known class of land the map does not offer; `part` is the (normalised) part of the
    /// value that names it.
    NotOffered {
        /// The part of the value that named the class.
        part: String,
        /// The class.
        class: &'static Class,
    },
    /// No table knows `part`, a (normalised) part of the value or all of it.
    Unknown {
        /// The part nothing matched.
        part: String,
    },
}

/// What a land-use value means under the built-in tables (see the module documentation for
/// codes, names, combinations and spelling); the model's own values mean themselves.
pub fn land_use(value: &str) -> Reading {
    classify(value, &|part| {
        LAND_USES
            .iter()
            .find(|model| model.eq_ignore_ascii_case(part))
            .map(|model| (*model).to_owned())
    })
}

/// [`land_use`], with `extra` asked first for every part of the value (already normalised):
/// a mapping file's values, the model's own values.
pub(crate) fn classify(value: &str, extra: &dyn Fn(&str) -> Option<String>) -> Reading {
    let text = normalise(value);
    if let Some(reading) = exact(&text, extra) {
        return reading;
    }
    let joined = text.replace("可兼容", "/").replace("兼容", "/");
    let mut uses = Vec::new();
    let mut first_unknown = None;
    for group in joined.split(['/', '+', '、', ',', ';', '&', '|', '\\']) {
        match group_reading(group, extra) {
            None => {}
            Some(Reading::Use(u)) => uses.push(u),
            Some(not_offered @ Reading::NotOffered { .. }) => return not_offered,
            Some(unknown @ Reading::Unknown { .. }) => {
                first_unknown.get_or_insert(unknown);
            }
        }
    }
    match first_unknown {
        Some(unknown) => unknown,
        None => combine(uses).unwrap_or(Reading::Unknown { part: text }),
    }
}

/// One use for several: the use they share, or `mixed`.
fn combine(uses: Vec<String>) -> Option<Reading> {
    let first = uses.first()?.clone();
    Some(Reading::Use(if uses.iter().all(|u| *u == first) {
        first
    } else {
        "mixed".to_owned()
    }))
}

/// A whole normalised string as one code or name.
fn exact(text: &str, extra: &dyn Fn(&str) -> Option<String>) -> Option<Reading> {
    if let Some(value) = extra(text) {
        return Some(Reading::Use(value));
    }
    let index = index();
    let i = index
        .names
        .get(text)
        .or_else(|| index.codes.get(text))
        .copied()?;
    Some(reading_of(text, &index.classes[i]))
}

fn reading_of(part: &str, class: &'static Class) -> Reading {
    match class.meaning {
        Meaning::Offered(model) => Reading::Use(model.to_owned()),
        Meaning::NotOffered(_) => Reading::NotOffered {
            part: part.to_owned(),
            class,
        },
    }
}

fn is_name_char(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// One part of a combination: a name, a code, or a name and its code (`二类工业用地(M2)`,
/// `0601工业用地`); the name wins when it is known. `None` for an empty part.
fn group_reading(group: &str, extra: &dyn Fn(&str) -> Option<String>) -> Option<Reading> {
    if group.is_empty() {
        return None;
    }
    if let Some(reading) = exact(group, extra) {
        return Some(reading);
    }
    // Runs of name characters and of code characters; anything else (brackets, dashes)
    // separates them.
    let mut names = Vec::new();
    let mut codes = Vec::new();
    let mut run = String::new();
    let mut run_is_name = false;
    for c in group.chars().chain(std::iter::once(' ')) {
        let kind = if is_name_char(c) {
            Some(true)
        } else if c.is_ascii_alphanumeric() {
            Some(false)
        } else {
            None
        };
        if kind != Some(run_is_name) && !run.is_empty() {
            let done = std::mem::take(&mut run);
            if run_is_name { &mut names } else { &mut codes }.push(done);
        }
        if let Some(is_name) = kind {
            run_is_name = is_name;
            run.push(c);
        }
    }
    for name in &names {
        if let Some(reading) = exact(name, extra) {
            return Some(reading);
        }
    }
    let mut uses = Vec::new();
    for code in &codes {
        match code_reading(code, extra) {
            Some(Reading::Use(u)) => uses.push(u),
            Some(other) => return Some(other),
            None => {
                return Some(Reading::Unknown {
                    part: group.to_owned(),
                });
            }
        }
    }
    Some(combine(uses).unwrap_or(Reading::Unknown {
        part: group.to_owned(),
    }))
}

/// A code: listed, several GB 50137 codes written together (`B1B2`, `M1W1`), or a finer
/// code than the tables list, which takes its nearest listed parent's meaning.
fn code_reading(code: &str, extra: &dyn Fn(&str) -> Option<String>) -> Option<Reading> {
    if let Some(reading) = exact(code, extra) {
        return Some(reading);
    }
    let index = index();
    if code.starts_with(|c: char| c.is_ascii_uppercase()) {
        // A letter after the digits marks a local subdivision (B4a, G1a), not a second code.
        let bytes = code.as_bytes();
        if let [.., digit, letter] = bytes
            && digit.is_ascii_digit()
            && letter.is_ascii_uppercase()
        {
            let parent = &code[..code.len() - 1];
            return code_reading(parent, extra).map(|reading| match reading {
                Reading::NotOffered { class, .. } => Reading::NotOffered {
                    part: code.to_owned(),
                    class,
                },
                other => other,
            });
        }
        // GB 50137 codes are a letter and digits; written together they are a combination.
        let mut parts: Vec<&str> = Vec::new();
        let mut start = 0;
        for (i, c) in code.char_indices().skip(1) {
            if c.is_ascii_uppercase() {
                parts.push(&code[start..i]);
                start = i;
            }
        }
        parts.push(&code[start..]);
        if parts.len() > 1 && parts.iter().all(|p| index.codes.contains_key(p)) {
            let mut uses = Vec::new();
            for part in parts {
                match reading_of(part, &index.classes[index.codes[part]]) {
                    Reading::Use(u) => uses.push(u),
                    other => return Some(other),
                }
            }
            return combine(uses);
        }
        // A finer letter code: drop one character at a time (B15 → B1, M11 → M1).
        return (1..code.len()).rev().find_map(|len| {
            let i = *index.codes.get(&code[..len])?;
            Some(reading_of(code, &index.classes[i]))
        });
    }
    if code.starts_with(|c: char| c.is_ascii_digit()) {
        // A survey variant letter (0301K, 1104A) is dropped, then two digits at a time
        // (100104 → 1001, 0399 → 03), as the numeric codes have two digits a level.
        let digits = code.trim_end_matches(|c: char| c.is_ascii_uppercase());
        let mut len = digits.len();
        if len != code.len()
            && let Some(&i) = index.codes.get(digits)
        {
            return Some(reading_of(code, &index.classes[i]));
        }
        while len > 2 && len % 2 == 0 {
            len -= 2;
            if let Some(&i) = index.codes.get(&digits[..len]) {
                return Some(reading_of(code, &index.classes[i]));
            }
        }
    }
    None
}

/// The keys a land-use value can be matched against, for suggestions: the codes and names
/// of every offered class, with their model value.
pub(crate) fn offered_keys() -> impl Iterator<Item = (&'static str, &'static str)> {
    classes().iter().flat_map(|class| {
        let model = match class.meaning {
            Meaning::Offered(model) => Some(model),
            Meaning::NotOffered(_) => None,
        };
        [class.name, class.code]
            .into_iter()
            .filter(move |key| !key.is_empty() && model.is_some())
            .map(move |key| (key, model.unwrap_or_default()))
    })
}

/// Edit distance in characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The `n` candidates closest to `value` (normalised), nearest first: by edit distance,
/// then those of the same kind (a letter code for a letter code, a name for a name), then by
/// the nearer length (a whole name before a short form), then by the longer shared beginning,
/// then in the given order.
pub(crate) fn closest<'a>(
    value: &str,
    candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
    n: usize,
) -> Vec<(&'a str, &'a str)> {
    let value_len = value.chars().count();
    let kind = |text: &str| {
        text.chars()
            .next()
            .map(|c| (c.is_ascii_digit(), c.is_ascii_alphabetic(), is_name_char(c)))
    };
    let value_kind = kind(value);
    let mut scored: Vec<_> = candidates
        .into_iter()
        .enumerate()
        .map(|(order, (key, model))| {
            let compared = normalise(key);
            let shared = value
                .chars()
                .zip(compared.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let length_gap = value_len.abs_diff(compared.chars().count());
            (
                (
                    distance(value, &compared),
                    kind(&compared) != value_kind,
                    length_gap,
                    std::cmp::Reverse(shared),
                    order,
                ),
                key,
                model,
            )
        })
        .collect();
    scored.sort_by_key(|scored| scored.0);
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(n);
    for (_, key, model) in scored {
        if out.len() == n {
            break;
        }
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, model));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("工业用兆", "工业用地"), 1);
        assert_eq!(distance("工业用兆", "工矿用地"), 2);
        assert_eq!(distance("M1", "M12"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_prefers_shared_beginnings() {
        let candidates = [
            ("商业用地", "commercial"),
            ("工矿用地", "industrial"),
            ("工业用地", "industrial"),
        ];
        assert_eq!(
            closest("工业用兆", candidates, 2),
            [("工业用地", "industrial"), ("工矿用地", "industrial")]
        );
    }

    #[test]
    fn normalises_width_case_and_space() {
        assert_eq!(normalise(" Ｍ１ "), "M1");
        assert_eq!(normalise("m 1"), "M1");
        assert_eq!(normalise("工业\u{3000}用地（Ｍ２）"), "工业用地(M2)");
    }
}
