import { api, card, confirmAction, h, money, number, page, setCurrency, toast, when } from "../kit.js";

// ---- home: the program's switch, its figures, the setup checklist until done, recent changes -----

const PERIODS = [7, 30, 90];

export async function renderHome() {
  const days = renderHome.days || 30;
  const [{ shop: info, program, checklist }, { changes }, figures] = await Promise.all([
    api.get("/api/program"),
    api.get("/api/program/changes"),
    api.get("/api/home?days=" + days),
  ]);
  setCurrency(info.currency);
  const toggle = h("button", { class: program.enabled ? "" : "primary", id: "program-switch" }, program.enabled ? "Turn off" : "Turn on");
  toggle.addEventListener("click", async () => {
    if (program.enabled && !(await confirmAction({ title: "Turn off the loyalty program?", message: "Customers stop earning points and cannot redeem rewards until you turn it on again. Their balances are kept.", confirm: "Turn off", tone: "critical" }))) return;
    toggle.disabled = true;
    try {
      await api.patch("/api/program", { enabled: !program.enabled });
      toast(program.enabled ? "Program turned off" : "Program turned on");
      await renderHome();
    } catch (error) {
      toast(error.message, true);
      toggle.disabled = false;
    }
  });
  const done = checklist.filter((item) => item.done).length;
  page(
    "Home",
    null,
    figuresCard(figures),
    h(
      "div",
      { class: "layout two" },
      h(
        "div",
        { class: "stack" },
        card(
          null,
          h(
            "div",
            { class: "switch" },
            h("div", null, h("h2", null, "Loyalty program ", h("span", { class: "badge " + (program.enabled ? "success" : "attention"), id: "program-status" }, program.enabled ? "On" : "Off")),
              h("p", { class: "muted" }, program.enabled ? "Customers earn points on every paid order and action you reward." : "Customers earn nothing while the program is off; their points are kept.")),
            toggle
          )
        ),
        // Once every step is done the checklist gives way: there is nothing left to set up.
        done < checklist.length && card(
          "Set up your program",
          h("p", { class: "muted" }, done + " of " + checklist.length + " steps done"),
          h("div", { class: "progress" }, h("div", { style: "width:" + (100 * done) / checklist.length + "%" })),
          h("ul", { class: "checklist", id: "checklist" }, checklist.map((item) =>
            h("li", { dataset: { key: item.key, done: item.done ? "yes" : "no" } }, h("span", { class: "tick" + (item.done ? " done" : "") }, item.done ? "✓" : ""),
              item.done ? h("span", null, item.title) : h("a", { href: "#/" + item.section }, item.title))
          ))
        )
      ),
      card(
        "Recent changes",
        changes.length
          ? h("ul", { class: "checklist", id: "changes" }, changes.slice(0, 8).map(describeChange))
          : h("p", { class: "muted" }, "Every change to the program shows here, with who made it.")
      )
    )
  );
}

const LABELS = { members: "Members", points_issued: "Points issued", points_redeemed: "Points redeemed", liability: "Liability", revenue: "Revenue from members" };
const MONEY = new Set(["liability", "revenue"]);

// The five figures for the chosen days, each against the same number of days before them.
function figuresCard(data) {
  const shown = (f, value) => (MONEY.has(f.name) ? money(value) : number(value));
  const select = h("select", { id: "home-period", "aria-label": "Period" }, PERIODS.map((d) => h("option", { value: d, selected: d === data.days }, "Last " + d + " days")));
  select.addEventListener("change", () => {
    renderHome.days = Number(select.value);
    renderHome();
  });
  // Up or down with the percentage; "new" when there was nothing before to compare with.
  const change = (f) => {
    if (f.direction === "flat") return h("span", { class: "badge" }, "No change");
    const arrow = f.direction === "up" ? "↑ " : "↓ ";
    const tone = f.direction === "up" ? "badge success" : "badge critical";
    return h("span", { class: tone }, f.change_percent === null ? arrow + "new" : arrow + Math.abs(Number(f.change_percent)).toFixed(1) + "%");
  };
  const numbers = card(
    null,
    h("div", { class: "row spread" }, h("h2", null, "Your program in numbers"), select),
    // Five across on a laptop, fewer where the frame is narrow.
    h("div", { id: "figures", style: "display:grid;gap:16px;margin-top:12px;grid-template-columns:repeat(auto-fit,minmax(150px,1fr))" }, data.figures.map((f) =>
      h("div", { class: "metric", dataset: { figure: f.name, direction: f.direction } },
        h("div", { class: "label" }, LABELS[f.name]),
        h("div", { class: "value" }, shown(f, f.current)),
        h("div", { class: "note" }, change(f)),
        h("div", { class: "note" }, data.days + " days before: " + shown(f, f.previous))
      )
    )),
    data.figures.find((f) => f.name === "liability").current === null
      ? h("p", { class: "help" }, "Liability values the points members hold at what a point buys; add a money reward to value them.")
      : null
  );
  numbers.style.marginBottom = "16px"; // page() stacks its parts without a gap
  return numbers;
}

// A change in the merchant's words (the server says them), with who made it and when.
function describeChange(change) {
  const sentences = change.sentences.slice(0, 3);
  const more = change.sentences.length - sentences.length;
  return h("li", null, h("div", null,
    sentences.map((sentence) => h("div", null, sentence)),
    more > 0 ? h("div", null, "and " + more + " more " + (more === 1 ? "change" : "changes")) : null,
    h("div", { class: "help" }, when(change.at) + " · " + change.by)
  ));
}
