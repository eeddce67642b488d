// The incentive estimate's explanations in the reader's language. The server
// (advisor/src/policy.rs) writes them in Chinese from a few fixed sentences
// with numbers in 万元, 亩, 元/m²/月; in English mode those sentences are
// rewritten here, the amounts in yuan as an English reader writes them.

import { money } from './format';
import { formatNumber, getLang } from './i18n';

const N = '(-?\\d+(?:\\.\\d+)?)';
const num = (s: string) => formatNumber(Number(s));
const wan = (s: string) => money(Number(s));

const LAYERS: Record<string, string> = { 地块: 'plots', 厂房: 'factories', 园区: 'parks', 设施: 'facilities' };
const layers = (s: string) => s.split('、').map((l) => LAYERS[l] ?? l).join(', ');

/** Sentences and phrases, most specific first; each applied to the whole text in turn. */
const RULES: [RegExp, string | ((...m: string[]) => string)][] = [
  [/^本政策适用于园区 (.+?)，该载体属园区 (.+)$/, (_, a, b) => `This incentive is for park ${a}; this site is in park ${b}`],
  [/^本政策适用于(.+?)，不适用于(.+)$/, (_, a, b) => `This incentive is for ${layers(a)}, not for ${layers(b)}`],
  [/缺少用地面积，无法计算投资强度/, 'No land area, so the investment intensity cannot be worked out'],
  [/地块未标明出让价格，无法计算优惠金额/, 'The plot has no listed price, so the discount cannot be worked out'],
  [/缺少租用面积，无法计算亩均税收/, 'No rented area, so the tax per mu cannot be worked out'],
  [/厂房未标明租金或面积，无法计算减免金额/, 'The factory has no listed rent or area, so the relief cannot be worked out'],
  [/无新增就业，不享受就业补贴/, 'No new jobs, so no job subsidy'],
  [/，未达最低档，不享受土地出让价格优惠/, ': below the lowest step, no land price discount'],
  [/，未达最低档，不享受租金减免/, ': below the lowest step, no rent relief'],
  [/，不享受投资补助/, ': no investment subsidy'],
  [/未填写预计年纳税额，无法计算税收贡献奖励/, 'No expected yearly tax, so the tax reward cannot be worked out'],
  [/，不享受税收贡献奖励/, ': no tax reward'],
  [/未填写设备投资额，无法计算设备补助/, 'No equipment investment, so the equipment subsidy cannot be worked out'],
  [/，不享受设备补助/, ': no equipment subsidy'],
  [new RegExp(`年纳税 ${N} 万元 × 奖励 ${N}% × (\\d+) 年`), (_, tax, pct, y) => `yearly tax ${wan(tax)} × reward ${num(pct)}% × ${y} years`],
  [new RegExp(`设备投资 ${N} 万元`, 'g'), (_, v) => `equipment investment ${wan(v)}`],
  [new RegExp(`，封顶 ${N} 万元`), (_, c) => `, capped at ${wan(c)}`],
  [new RegExp(`（租期 (\\d+) 个月，按 \\d+ 个月计）`), (_, l) => ` (a lease of ${l} months, counted as ${l})`],
  [new RegExp(`建筑面积 ${N} m² 按容积率 ${N} 折合用地 ${N} 亩`, 'g'), (_, f, r, mu) => `floor area ${num(f)} m² at plot ratio ${num(r)} counts as ${num(mu)} mu of land`],
  [new RegExp(`新增就业 ${N} 人`, 'g'), (_, n) => `${n} new jobs`],
  [new RegExp(`用地 ${N} 亩`, 'g'), (_, mu) => `land ${num(mu)} mu`],
  // A threshold after a per-mu figure is per mu too: 投资强度 617 万元/亩 ≥ 500，…
  [new RegExp(`${N} 万元/亩 ([<≥]) ${N}(?=[，（])`, 'g'), (_, v, op, b) => `${wan(v)}/mu ${op} ${wan(b)}/mu`],
  [new RegExp(`${N} 万元/亩`, 'g'), (_, v) => `${wan(v)}/mu`],
  [new RegExp(`${N} 万元`, 'g'), (_, v) => wan(v)],
  [new RegExp(`${N} 元/m²/月`, 'g'), (_, v) => `CNY ${num(v)}/m²/month`],
  [new RegExp(`${N} 元/人`, 'g'), (_, v) => `CNY ${num(v)} per job`],
  [new RegExp(`${N} 亩`, 'g'), (_, v) => `${num(v)} mu`],
  [new RegExp(`${N} 个月`, 'g'), (_, v) => `${v} months`],
  [new RegExp(`${N} 人`, 'g'), (_, v) => `${v} jobs`],
  [/免租 /g, 'rent-free for '],
  [/土地价款优惠 /g, 'land price discount '],
  [/投资强度 /g, 'investment intensity '],
  [/亩均税收 /g, 'tax per mu '],
  [/新增就业 /g, 'new jobs '],
  [/门槛 /g, 'the threshold of '],
  [/补助 /g, 'subsidy '],
  [/投资 /g, 'investment '],
  [/：/g, ': '],
  [/，/g, ', '],
  [/（/g, ' ('],
  [/）/g, ')'],
];

/** A rule's explanation as the server wrote it, in the current language. */
export function policyExplanation(text: string): string {
  if (getLang() === 'zh') return text;
  let out = text;
  for (const [pattern, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement as (...m: string[]) => string);
  }
  return out.charAt(0).toUpperCase() + out.slice(1);
}
