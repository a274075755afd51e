import { api, card, field, h, isoDay, money, number, page, percent, request, saveBlob, savingForm, setCurrency } from "../kit.js";

// ---- liability: what the points owe, how breakage is estimated, the roll-forward and its journal ----

// Last calendar month, the period a finance team usually closes.
function lastMonth() {
  const today = new Date();
  const first = new Date(Date.UTC(today.getFullYear(), today.getMonth() - 1, 1));
  const last = new Date(Date.UTC(today.getFullYear(), today.getMonth(), 0));
  return { from: isoDay(first), to: isoDay(last) };
}

export async function renderLiability() {
  const initial = renderLiability.range || lastMonth();
  const from = h("input", { type: "date", id: "liability-from", "aria-label": "From", value: initial.from });
  const to = h("input", { type: "date", id: "liability-to", "aria-label": "To", value: initial.to });
  const download = h("button", { type: "button", id: "download-journal" }, "Download journal CSV");
  const body = h("div", { class: "stack", id: "liability" });
  const range = () => ({ from: from.value, to: to.value });

  let sequence = 0;
  // Changing both dates sends two reports; only the newest answer is shown.
  async function load() {
    const mine = ++sequence;
    renderLiability.range = range();
    try {
      const data = await api.get("/api/liability?" + new URLSearchParams(range()));
      if (mine !== sequence) return;
      body.replaceChildren(...report(data));
      download.disabled = false;
    } catch (error) {
      if (mine !== sequence) return;
      body.replaceChildren(h("div", { class: "banner critical", id: "liability-error" }, Object.values(error.fields || {}).join("; ") || error.message));
      download.disabled = true;
    }
  }
  from.addEventListener("change", load);
  to.addEventListener("change", load);
  download.addEventListener("click", async () => {
    const r = range();
    const response = await request("GET", "/api/liability/journal.csv?" + new URLSearchParams(r), undefined, true);
    saveBlob(await response.blob(), "perks-loyalty-journal-" + r.from + "-" + r.to + ".csv");
  });
  page("Liability", [from, to, download], h("div", { class: "stack" }, body, await accountsCard(load)));
  await load();
}

function report(d) {
  setCurrency(d.currency);
  currency = d.currency;
  zone = d.zone;
  const metric = (id, label, value, note) => card(null, h("div", { class: "metric", id }, h("div", { class: "label" }, label), h("div", { class: "value" }, value), h("div", { class: "note" }, note)));
  const b1 = d.closing_breakage;
  return [
    h("div", { class: "grid" },
      metric("l-outstanding", "Points outstanding", money(d.face_value), number(d.closing_points) + " points at " + money4(d.point_value) + " each on " + day(d.last)),
      metric("l-deferred", "Deferred revenue", money(d.closing), "Contract liability on " + day(d.last) + ": the points expected to be redeemed"),
      metric("l-breakage", "Breakage estimate", percent(b1.rate), b1.estimated ? "Ultimate redemption rate " + percent(b1.ultimate_redemption_rate) : "Not enough history yet: none assumed"),
    ),
    card("Deferred revenue, " + day(d.first) + " to " + day(d.last) + " (IFRS 15 / ASC 606)",
      h("table", { class: "forecast-table", id: "roll-forward" },
        h("thead", null, h("tr", null, h("th", null, "Movement"), h("th", { class: "num" }, "Points"), h("th", { class: "num" }, "Amount"), h("th", null, "Booked against"))),
        h("tbody", null,
          balance("opening", "Opening balance", d.opening_points, d.opening, "points held × " + money4(d.point_value) + " × (1 − " + d.opening_breakage.rate + " breakage)"),
          d.lines.map((line) =>
            h("tr", { dataset: { line: line.key } },
              h("th", { scope: "row" }, line.label, h("div", { class: "help" }, line.basis)),
              h("td", { class: "num" }, line.points === null ? "" : number(line.points)),
              h("td", { class: "num", id: "rf-" + line.key }, money(line.amount)),
              h("td", { class: "help" }, line.account))),
          balance("closing", "Closing balance", d.closing_points, d.closing, "points held × " + money4(d.point_value) + " × (1 − " + b1.rate + " breakage)"))),
      h("p", { class: "help", id: "l-rounding" }, d.rounding)),
    card("Method and inputs",
      h("ul", { class: "stack help", id: "l-method" },
        h("li", null, "Value of a point: " + money4(d.point_value) + ", " + d.point_value_basis + ". Points outstanding at face value = points held × this value."),
        h("li", null, "Breakage: of the points redeemed or expired in the 365 days before a date, the share that expired. Its complement is the ultimate redemption rate. With under 90 days of history or under 100 points redeemed or expired, no breakage is assumed (IFRS 15.56: no revenue that might reverse)."),
        h("li", null, "Standalone selling price of a point: its value × (1 − breakage) = " + money4(d.selling_price) + " in this period (IFRS 15.B42). Points issued with a purchase defer that much of the sale's revenue; points given without one (sign-up, actions, referrals, adjustments, imports) are a marketing expense."),
        h("li", null, "Recognised in proportion to redemptions (IFRS 15.B46, Example 52; ASC 606-10-55-48): each point redeemed releases its selling price plus the breakage expected alongside it. Expiries release only what the estimate did not expect; a new estimate is caught up on the points still held.")),
      h("table", { class: "forecast-table", id: "l-inputs" },
        h("thead", null, h("tr", null, h("th", null, "Breakage estimate"), h("th", { class: "num" }, "Issued"), h("th", { class: "num" }, "Redeemed"), h("th", { class: "num" }, "Expired"), h("th", { class: "num" }, "Redemption rate"), h("th", { class: "num" }, "Breakage"))),
        h("tbody", null, estimate("At the start, " + day(d.first), d.opening_breakage), estimate("At the end, " + day(d.last), b1)))),
  ];
}

function balance(key, label, points, amount, basis) {
  return h("tr", { class: "balance", dataset: { line: key } },
    h("th", { scope: "row" }, h("strong", null, label), h("div", { class: "help" }, basis)),
    h("td", { class: "num" }, number(points)),
    h("td", { class: "num", id: "rf-" + key }, h("strong", null, money(amount))),
    h("td"));
}

function estimate(label, b) {
  return [
    h("tr", null,
      h("th", { scope: "row" }, label, h("div", { class: "help" }, "the 365 days from " + day(b.since))),
      h("td", { class: "num" }, number(b.issued)),
      h("td", { class: "num" }, number(b.redeemed)),
      h("td", { class: "num" }, number(b.expired)),
      h("td", { class: "num" }, percent(b.ultimate_redemption_rate)),
      h("td", { class: "num" }, percent(b.rate))),
    h("tr", null, h("td", { class: "help", colspan: "6" }, b.note)),
  ];
}

async function accountsCard(reload) {
  const names = await api.get("/api/liability/accounts");
  const input = (name) => h("input", { type: "text", maxlength: "120", value: names[name] });
  const form = savingForm("accounts-form", [
    field("deferred_revenue", "Deferred revenue account", input("deferred_revenue"), "The contract liability the points are held in"),
    field("revenue", "Revenue account", input("revenue"), "Where recognised and deferred revenue goes"),
    field("marketing_expense", "Marketing expense account", input("marketing_expense"), "The cost of points given without a purchase"),
  ], "Save accounts", async (els) => {
    await api.put("/api/liability/accounts", { deferred_revenue: els.deferred_revenue.value, revenue: els.revenue.value, marketing_expense: els.marketing_expense.value });
    await reload();
  }, "Accounts saved");
  return card("Journal accounts", h("p", { class: "help" }, "The journal CSV books every movement of the period on its last day, debit and credit, to these accounts of your chart of accounts."), form);
}

// A per-point value: up to 4 decimals, so 0.015 does not show as $0.02; in the currency of the report shown.
let currency = "USD";
const money4 = (m) => Number(m).toLocaleString("en-US", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 4 });
// A day ("2026-01-31") as written, or an instant ("2025-01-01T23:00:00+00:00") as the date in the shop's zone.
let zone = "UTC";
const day = (iso) =>
  iso.length === 10
    ? new Date(iso + "T00:00:00Z").toLocaleDateString("en-US", { dateStyle: "medium", timeZone: "UTC" })
    : new Date(iso).toLocaleDateString("en-US", { dateStyle: "medium", timeZone: zone });
