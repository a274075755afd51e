import { h, number, s } from "./kit.js";

// ---- charts: inline SVG ----------------------------------------------------

const W = 640, H = 180, PAD = { l: 44, r: 8, t: 8, b: 22 };

function axes(labels, max) {
  const nodes = [];
  for (let i = 0; i <= 3; i++) {
    const y = PAD.t + ((H - PAD.t - PAD.b) * i) / 3;
    nodes.push(s("line", { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: "#e3e3e3" }));
    nodes.push(s("text", { x: PAD.l - 6, y: y + 3, "text-anchor": "end" }, compact(max * (1 - i / 3))));
  }
  const step = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((l, i) => {
    if (i % step) return;
    nodes.push(s("text", { x: xAt(i, labels.length), y: H - 6, "text-anchor": "middle" }, /^\d{4}-/.test(l) ? l.slice(5) : l));  // a date loses its year; a name (a tier) stays whole
  });
  return nodes;
}
const xAt = (i, n) => PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / Math.max(n, 1);
const yAt = (v, max) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / (max || 1));
const compact = (v) => (v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(1) + "k" : String(Math.round(v)));

function legend(sets) {
  return h("div", { class: "legend" }, sets.map((set) => h("span", { style: "--c:" + set.color }, set.name)));
}

export function lineChart(labels, sets) {
  const max = Math.max(1, ...sets.flatMap((set) => set.values));
  const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": sets.map((x) => x.name).join(", ") + " over time" }, axes(labels, max),
    sets.map((set) => s("polyline", { fill: "none", stroke: set.color, "stroke-width": 2, points: set.values.map((v, i) => xAt(i, labels.length) + "," + yAt(v, max)).join(" ") })));
  return h("div", null, svg, legend(sets));
}

export function barChart(labels, sets) {
  const max = Math.max(1, ...sets.flatMap((set) => set.values));
  const slot = (W - PAD.l - PAD.r) / Math.max(labels.length, 1);
  const width = Math.max(1, (slot * 0.8) / sets.length);
  const bars = sets.flatMap((set, k) => set.values.map((v, i) => s("rect", { x: PAD.l + slot * i + slot * 0.1 + width * k, y: yAt(v, max), width, height: Math.max(0, H - PAD.b - yAt(v, max)), fill: set.color }, s("title", null, labels[i] + ": " + set.name + " " + number(v)))));
  const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": sets.map((x) => x.name).join(" and ") }, axes(labels, max), bars);
  return h("div", null, svg, legend(sets));
}
