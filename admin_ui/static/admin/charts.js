import { compactMoney, compactNumber, h, number, s } from "./kit.js";

// ---- charts: inline SVG ----------------------------------------------------

const W = 640, H = 180, PAD = { l: 48, r: 8, t: 8, b: 22 };

// Round axis steps a reader can add up at a glance: 1, 2 or 5 × 10^n, at most about `count`
// of them above zero, the top one at or over `max`. Whole-number series (members, points)
// never get a fractional step.
export function niceTicks(max, count = 4, whole = false) {
  const top = max > 0 ? max : 1;
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
  if (whole) step = Math.max(1, Math.round(step));
  const n = Math.ceil(top / step - 1e-9);
  // toPrecision: 0.1 * 3 is not 0.3 in binary; a label must not say 0.30000000000000004.
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

// ISO days ("2026-12-01") read as "Dec 1"; any other label (a tier's name) as it is.
function shortLabel(label) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(label)) return label;
  return new Date(label + "T00:00:00Z").toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

function axes(labels, ticks, format) {
  const nodes = [];
  const top = ticks[ticks.length - 1];
  for (const tick of ticks) {
    const y = yAt(tick, top);
    nodes.push(s("line", { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: "#e3e3e3" }));
    nodes.push(s("text", { class: "tick", x: PAD.l - 6, y: y + 3, "text-anchor": "end" }, format(tick)));
  }
  const step = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((l, i) => {
    if (i % step) return;
    nodes.push(s("text", { x: xAt(i, labels.length), y: H - 6, "text-anchor": "middle" }, shortLabel(String(l))));
  });
  return nodes;
}
const xAt = (i, n) => PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / Math.max(n, 1);
const yAt = (v, top) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / (top || 1));

// The y axis of a chart: nice ticks over the largest value, labelled as money (the shop's
// currency) when `options.money`, as plain compact numbers otherwise.
function scale(sets, options) {
  const values = sets.flatMap((set) => set.values).map(Number);
  const ticks = niceTicks(Math.max(0, ...values), 4, values.every(Number.isInteger));
  return { ticks, top: ticks[ticks.length - 1], format: options && options.money ? compactMoney : compactNumber };
}

function legend(sets) {
  return h("div", { class: "legend" }, sets.map((set) => h("span", { style: "--c:" + set.color }, set.name)));
}

export function lineChart(labels, sets, options) {
  const { ticks, top, format } = scale(sets, options);
  const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": sets.map((x) => x.name).join(", ") + " over time" }, axes(labels, ticks, format),
    sets.map((set) => s("polyline", { fill: "none", stroke: set.color, "stroke-width": 2, points: set.values.map((v, i) => xAt(i, labels.length) + "," + yAt(v, top)).join(" ") })));
  return h("div", null, svg, legend(sets));
}

export function barChart(labels, sets, options) {
  const { ticks, top, format } = scale(sets, options);
  const show = options && options.money ? compactMoney : number;
  const slot = (W - PAD.l - PAD.r) / Math.max(labels.length, 1);
  const width = Math.max(1, (slot * 0.8) / sets.length);
  const bars = sets.flatMap((set, k) => set.values.map((v, i) => s("rect", { x: PAD.l + slot * i + slot * 0.1 + width * k, y: yAt(v, top), width, height: Math.max(0, H - PAD.b - yAt(v, top)), fill: set.color }, s("title", null, shortLabel(String(labels[i])) + ": " + set.name + " " + show(v)))));
  const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": sets.map((x) => x.name).join(" and ") }, axes(labels, ticks, format), bars);
  return h("div", null, svg, legend(sets));
}
