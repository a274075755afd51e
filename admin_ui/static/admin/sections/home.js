import { api, card, confirmAction, h, page, setCurrency, toast, when } from "../kit.js";

// ---- home: the program's switch, the setup checklist, recent changes -----

export async function renderHome() {
  const [{ shop: info, program, checklist }, { changes }] = await Promise.all([api.get("/api/program"), api.get("/api/program/changes")]);
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
        card(
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
          ? h("ul", { class: "checklist", id: "changes" }, changes.slice(0, 8).map((c) =>
              h("li", null, h("div", null, h("div", null, describeChange(c)), h("div", { class: "help" }, when(c.at) + " · staff " + c.actor)))))
          : h("p", { class: "muted" }, "Every change to the program shows here, with who made it.")
      )
    )
  );
}

function describeChange(change) {
  const parts = Object.keys(change.after).map((k) => k.replace(/_/g, " ") + ": " + show(change.before[k]) + " → " + show(change.after[k]));
  return change.subject.replace(/_/g, " ") + " — " + parts.join(", ");
}
const show = (v) => (v === null || v === undefined ? "none" : String(v));
