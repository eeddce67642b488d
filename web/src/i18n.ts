// Every string the user sees, in Chinese (the default) and English.
// Keys are shared; the Chinese table is the reference the English one must match.

export type Lang = 'zh' | 'en';

const zh = {
  appTitle: '招商地图',
  appSubtitle: 'Site Atlas',
  appTagline: '园区 · 地块 · 标准厂房 一图尽览',
  docTitle: '招商地图 · Site Atlas',
  langSwitch: 'EN',
  langSwitchTitle: 'Switch to English',
  liveOn: '实时更新',
  liveOff: '离线',
  liveOnTitle: '数据变更将即时显示',
  liveOffTitle: '实时更新不可用：服务器未提供 /api/events',

  tabPlots: '地块',
  tabFactories: '标准厂房',
  filters: '筛选条件',
  resetFilters: '重置',
  status: '状态',
  landUse: '用地性质',
  area: '面积',
  price: '出让价格',
  park: '所属园区',
  allParks: '全部园区',
  min: '最小',
  max: '最大',
  clearHeight: '最小净高',
  floorLoad: '最小承重',
  availableArea: '可租售面积',
  rent: '最高租金',
  factoryStatus: '出租状态',

  searchTools: '空间查询',
  radiusSearch: '周边搜索',
  radiusSearchHint: '在地图上点击选择中心点，拖动圆点调整半径',
  polygonSearch: '区域搜索',
  polygonSearchHint: '在地图上依次点击绘制区域，双击或点击起点完成，Esc 取消',
  finishPolygon: '完成',
  clearSearch: '清除',
  radius: '半径',
  radiusKm: '{km} 公里',
  spatialRadius: '以所选点为中心 {km} 公里内',
  spatialPolygon: '所绘区域内',

  results: '查询结果',
  resultCount: '共 {n} 条',
  resultCountShown: '共 {n} 条，显示 {shown} 条',
  loadMore: '加载更多',
  loading: '加载中…',
  noResults: '没有符合条件的结果，请放宽筛选条件',
  searchFailed: '查询失败：{msg}',
  distance: '距离',
  clusterHint: '当前为聚合视图，放大至 12 级查看地块；筛选条件在放大后生效',

  legend: '图例',
  legendPlotStatus: '地块状态',
  legendLandUse: '用地性质（边框）',
  legendParks: '园区级别',
  legendFactories: '标准厂房',
  legendPois: '配套设施',
  legendCluster: '地块聚合（数量）',

  cardClose: '关闭',
  cardBasic: '基本信息',
  cardStandardLand: '标准地指标',
  cardUtilities: '配套条件',
  cardBuilding: '厂房参数',
  cardHistory: '变更记录',
  cardPanorama: '全景看地',
  cardOther: '其他属性',
  cardLoading: '正在加载…',
  cardLoadFailed: '加载失败：{msg}',
  cardUpdated: '更新于 {at}',
  noHistory: '暂无记录',
  panoramaEmpty: '暂无全景影像',
  startVisit: '开始看地',
  startVisitTitle: '全景看地即将上线',
  share: '复制链接',
  shareDone: '链接已复制',
  flyTo: '定位',

  f_code: '编号',
  f_name: '名称',
  f_park: '所属园区',
  f_status: '状态',
  f_land_use: '用地性质',
  f_area: '面积',
  f_price_wan_per_mu: '出让价格',
  f_plot_ratio: '容积率',
  f_building_density_max: '建筑密度（上限）',
  f_green_ratio_max: '绿地率（上限）',
  f_height_limit_m: '限高',
  f_investment_intensity_wan_per_mu: '投资强度（不低于）',
  f_tax_per_mu_wan: '亩均税收（不低于）',
  f_power_kva: '供电容量',
  f_water: '供水',
  f_gas: '供气',
  f_steam: '供汽',
  f_floors: '层数',
  f_total_area_m2: '总建筑面积',
  f_available_area_m2: '可租售面积',
  f_clear_height_m: '净高',
  f_floor_load_kn_m2: '楼面承重',
  f_crane_t: '行车（吊车）',
  f_rent_yuan_m2_month: '租金',
  f_version: '版本',
  f_updated_at: '更新时间',
  f_kind: '类型',
  f_level: '级别',
  f_district: '所在区县',
  f_industries: '主导产业',
  yes: '已通',
  no: '未通',
  none: '无',
  unknown: '—',
  perYear: '/年',

  u_mu: '亩',
  u_m2: 'm²',
  u_wan_per_mu: '万元/亩',
  u_m: 'm',
  u_kn_m2: 'kN/m²',
  u_yuan_m2_month: '元/m²/月',
  u_kva: 'kVA',
  u_t: '吨',
  u_floors: '层',
  u_km: '公里',

  hist_by: '操作人：{actor}',
  areaBoth: '{mu}（{m2}）',
  fieldChange: '{field}：{old} → ',

  basemapRefusedGcj: '底图未加载：该底图使用 GCJ-02（火星坐标系），与本平台的 WGS84 数据偏差约 300–500 米，叠加后地块位置会错位。请改用 WGS84 或 CGCS2000（如天地图）底图。',
  basemapRefusedUnknown: '底图未加载：未声明坐标系（datum）。为避免地块错位，只接受 WGS84 或 CGCS2000 底图。',
  basemapFailed: '底图加载失败，已切换为默认底图。',
  noticeDismiss: '知道了',

  panelToggleOpen: '筛选与列表',
  panelToggleClose: '收起',
  zoomIn: '放大',

  st_available: '可供',
  st_reserved: '已预留',
  st_negotiating: '洽谈中',
  st_transferred: '已出让',
  st_withdrawn: '已撤回',
  lu_industrial: '工业用地',
  lu_logistics: '物流仓储',
  lu_rnd: '研发用地（M0）',
  lu_commercial: '商业用地',
  lu_mixed: '混合用地',
  lv_national: '国家级',
  lv_provincial: '省级',
  lv_municipal: '市级',
  lv_county: '县级',
  fs_vacant: '空置',
  fs_partial: '部分出租',
  fs_occupied: '已满租',
  poi_highway_exit: '高速出口',
  poi_rail_freight: '铁路货运站',
  poi_port: '港口',
  poi_airport: '机场',
  poi_substation: '变电站',
  poi_wastewater: '污水处理厂',
  layer_plots: '地块',
  layer_factories: '标准厂房',
  layer_parks: '园区',
  layer_pois: '配套设施',
};

export type StringKey = keyof typeof zh;

const en: Record<StringKey, string> = {
  appTitle: 'Site Atlas',
  appSubtitle: '招商地图',
  appTagline: 'Parks · plots · standard factories on one map',
  docTitle: 'Site Atlas · investment promotion map',
  langSwitch: '中文',
  langSwitchTitle: '切换到中文',
  liveOn: 'Live',
  liveOff: 'Offline',
  liveOnTitle: 'Changes show as they happen',
  liveOffTitle: 'Live updates unavailable: the server has no /api/events',

  tabPlots: 'Plots',
  tabFactories: 'Factories',
  filters: 'Filters',
  resetFilters: 'Reset',
  status: 'Status',
  landUse: 'Land use',
  area: 'Area',
  price: 'Price',
  park: 'Park',
  allParks: 'All parks',
  min: 'min',
  max: 'max',
  clearHeight: 'Min. clear height',
  floorLoad: 'Min. floor load',
  availableArea: 'Available area',
  rent: 'Max. rent',
  factoryStatus: 'Occupancy',

  searchTools: 'Search by place',
  radiusSearch: 'Nearby',
  radiusSearchHint: 'Click the map to set the centre, drag the dot to change the radius',
  polygonSearch: 'Area',
  polygonSearchHint: 'Click to add corners; double-click or click the first corner to finish, Esc to cancel',
  finishPolygon: 'Finish',
  clearSearch: 'Clear',
  radius: 'Radius',
  radiusKm: '{km} km',
  spatialRadius: 'Within {km} km of the chosen point',
  spatialPolygon: 'Inside the drawn area',

  results: 'Results',
  resultCount: '{n} found',
  resultCountShown: '{n} found, {shown} shown',
  loadMore: 'Load more',
  loading: 'Loading…',
  noResults: 'Nothing matches: try wider filters',
  searchFailed: 'Search failed: {msg}',
  distance: 'Distance',
  clusterHint: 'Clustered view: zoom to level 12 to see plots; filters apply once zoomed in',

  legend: 'Legend',
  legendPlotStatus: 'Plot status',
  legendLandUse: 'Land use (outline)',
  legendParks: 'Park level',
  legendFactories: 'Standard factories',
  legendPois: 'Infrastructure',
  legendCluster: 'Plot clusters (count)',

  cardClose: 'Close',
  cardBasic: 'Overview',
  cardStandardLand: 'Standard-land indicators',
  cardUtilities: 'Utilities',
  cardBuilding: 'Building',
  cardHistory: 'Change history',
  cardPanorama: 'Panoramas',
  cardOther: 'Other attributes',
  cardLoading: 'Loading…',
  cardLoadFailed: 'Could not load: {msg}',
  cardUpdated: 'Updated {at}',
  noHistory: 'No records yet',
  panoramaEmpty: 'No panoramas yet',
  startVisit: 'Start site visit',
  startVisitTitle: 'Panorama site visits are coming soon',
  share: 'Copy link',
  shareDone: 'Link copied',
  flyTo: 'Zoom to',

  f_code: 'Code',
  f_name: 'Name',
  f_park: 'Park',
  f_status: 'Status',
  f_land_use: 'Land use',
  f_area: 'Area',
  f_price_wan_per_mu: 'Price',
  f_plot_ratio: 'Plot ratio',
  f_building_density_max: 'Building density (max.)',
  f_green_ratio_max: 'Green ratio (max.)',
  f_height_limit_m: 'Height limit',
  f_investment_intensity_wan_per_mu: 'Investment intensity (min.)',
  f_tax_per_mu_wan: 'Tax per mu (min.)',
  f_power_kva: 'Power',
  f_water: 'Water',
  f_gas: 'Gas',
  f_steam: 'Steam',
  f_floors: 'Floors',
  f_total_area_m2: 'Gross floor area',
  f_available_area_m2: 'Available area',
  f_clear_height_m: 'Clear height',
  f_floor_load_kn_m2: 'Floor load',
  f_crane_t: 'Crane',
  f_rent_yuan_m2_month: 'Rent',
  f_version: 'Version',
  f_updated_at: 'Updated',
  f_kind: 'Kind',
  f_level: 'Level',
  f_district: 'District',
  f_industries: 'Industries',
  yes: 'connected',
  no: 'not connected',
  none: 'none',
  unknown: '—',
  perYear: '/yr',

  u_mu: 'mu',
  u_m2: 'm²',
  u_wan_per_mu: '10k CNY/mu',
  u_m: 'm',
  u_kn_m2: 'kN/m²',
  u_yuan_m2_month: 'CNY/m²/month',
  u_kva: 'kVA',
  u_t: 't',
  u_floors: '',
  u_km: 'km',

  hist_by: 'by {actor}',
  areaBoth: '{mu} ({m2})',
  fieldChange: '{field}: {old} → ',

  basemapRefusedGcj: 'Basemap not shown: it uses GCJ-02, which is offset 300–500 m from this map\'s WGS84 data, so every plot would sit beside its true place. Use a WGS84 or CGCS2000 basemap (such as Tianditu).',
  basemapRefusedUnknown: 'Basemap not shown: it does not declare its datum. Only WGS84 or CGCS2000 basemaps are drawn, so plots never sit in the wrong place.',
  basemapFailed: 'The basemap failed to load; showing the default one.',
  noticeDismiss: 'Dismiss',

  panelToggleOpen: 'Filters & list',
  panelToggleClose: 'Hide',
  zoomIn: 'Zoom in',

  st_available: 'Available',
  st_reserved: 'Reserved',
  st_negotiating: 'Negotiating',
  st_transferred: 'Transferred',
  st_withdrawn: 'Withdrawn',
  lu_industrial: 'Industrial',
  lu_logistics: 'Logistics',
  lu_rnd: 'R&D (M0)',
  lu_commercial: 'Commercial',
  lu_mixed: 'Mixed',
  lv_national: 'National',
  lv_provincial: 'Provincial',
  lv_municipal: 'Municipal',
  lv_county: 'County',
  fs_vacant: 'Vacant',
  fs_partial: 'Partly let',
  fs_occupied: 'Fully let',
  poi_highway_exit: 'Highway exit',
  poi_rail_freight: 'Rail freight',
  poi_port: 'Port',
  poi_airport: 'Airport',
  poi_substation: 'Substation',
  poi_wastewater: 'Wastewater plant',
  layer_plots: 'Plots',
  layer_factories: 'Factories',
  layer_parks: 'Parks',
  layer_pois: 'Infrastructure',
};

const tables: Record<Lang, Record<StringKey, string>> = { zh, en };

let current: Lang = 'zh';
const listeners = new Set<(lang: Lang) => void>();

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('docTitle');
  listeners.forEach((fn) => fn(lang));
}

/** Calls `fn` after every language change. */
export function onLangChange(fn: (lang: Lang) => void): void {
  listeners.add(fn);
}

/** The string for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: StringKey, params: Record<string, string | number> = {}): string {
  const text = tables[current][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** Whether a string is a key of the tables (for names built at run time, such as `f_${field}`). */
export function isKey(key: string): key is StringKey {
  return key in zh;
}

/** A vocabulary value's label, such as `st_available`; falls back to the raw value. */
export function label(prefix: 'st' | 'lu' | 'lv' | 'fs' | 'poi' | 'layer', value: unknown): string {
  const key = `${prefix}_${String(value)}` as StringKey;
  return key in zh ? t(key) : String(value ?? t('unknown'));
}

/** Numbers formatted for the current language (thousands separators, at most `digits` decimals). */
export function formatNumber(value: number, digits = 2): string {
  return value.toLocaleString(current === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: digits });
}
