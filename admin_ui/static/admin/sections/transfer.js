import { api, ApiError, card, failed, field, h, number, page, request, saveBlob, showErrors, when } from "../kit.js";

// ---- import and export ---------------------------------------------------

// How long the import page waits between asks: soon while the worker answers, longer after each
// failed ask (a 500, a dropped connection, a deploy), never more than half a minute.
const POLL_MS = 400, POLL_MAX_MS = 30000;
const transient = (error) => !(error instanceof ApiError) || error.status >= 500 || error.status === 408 || error.status === 429;

export async function renderTransfer() {
  const file = h("input", { type: "file", accept: ".csv,text/csv" });
  const form = h("form", { class: "stack", id: "import-form", novalidate: true },
    field("file", "CSV file", file, "From Smile.io, LoyaltyLion or Yotpo as they export it, or with the columns email, customer_id, points and tier. Rows that cannot be imported are listed with the reason when it ends; the rest go in."),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "start-import" }, "Import")));
  const status = h("div", { id: "import-status", class: "stack" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) return showErrors(form, { file: "choose a CSV file to import" });
    const data = new FormData();
    data.append("file", file.files[0]);
    try {
      const { job } = await api.post("/api/imports", data);
      showErrors(form, {});
      await follow(job, status);
      form.dispatchEvent(new Event("perks:imported"));
    } catch (error) {
      showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { file: error.message });
    }
  });
  const exportButton = (id, path, name, text) => h("button", { type: "button", id, onclick: async () => {
    const response = await request("GET", path, undefined, true);
    saveBlob(await response.blob(), name);
  } }, text);
  const recent = h("div", { id: "recent-imports" });
  async function loadRecent() {
    const { jobs } = await api.get("/api/imports");
    recent.replaceChildren(jobs.length
      ? h("table", null, h("tbody", null, jobs.map((j) => h("tr", null, h("td", null, j.filename), h("td", null, j.layout || ""), h("td", null, h("span", { class: "badge " + tone(j.status) }, j.status)), h("td", { class: "num" }, rows(j.imported_rows) + (j.refused_rows ? ", " + number(j.refused_rows) + " refused" : "")), h("td", null, when(j.created_at))))))
      : h("p", { class: "muted" }, "No imports yet."));
  }
  form.addEventListener("perks:imported", () => loadRecent().catch(failed));
  await loadRecent();
  page("Import and export", null, h("div", { class: "stack" },
    card("Import members and points", form, status),
    card("Export", h("p", { class: "muted" }, "Your data, whenever you want it: nothing is locked in."), h("div", { class: "row" },
      exportButton("export-members", "/api/exports/members.csv", "perks-members.csv", "Export members"),
      exportButton("export-ledger", "/api/exports/ledger.csv", "perks-ledger.csv", "Export points ledger"))),
    card("Recent imports", recent)));
}
const rows = (n) => number(n) + (n === 1 ? " row" : " rows");
const tone = (state) => ({ done: "success", failed: "critical", running: "attention", queued: "attention" })[state] || "";

async function follow(job, slot) {
  const bar = h("div", { style: "width:0%" });
  const meter = h("div", { class: "progress", id: "import-progress", role: "progressbar", "aria-label": "Import progress", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, bar);
  const text = h("p", { class: "muted", id: "import-progress-text", style: "margin:0" }, "Queued…");
  const note = h("p", { class: "muted", id: "import-retrying", hidden: true });
  slot.replaceChildren(h("div", null, text, meter), note);  // the count right above its bar
  let wait = POLL_MS;
  while (job.status === "queued" || job.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      ({ job } = await api.get("/api/imports/" + job.id));
    } catch (error) {
      // A failed ask is not the import's outcome: the worker goes on, so ask again, later.
      if (!transient(error)) throw error;
      wait = Math.min(wait * 2, POLL_MAX_MS);
      note.hidden = false;
      note.textContent = "Could not reach Perks (" + error.message + "); asking again in " + Math.ceil(wait / 1000) + " s. The import goes on meanwhile.";
      continue;
    }
    wait = POLL_MS;
    note.hidden = true;
    const p = job.progress || { done: 0, total: 0 };
    const share = p.total ? Math.min(100, (100 * p.done) / p.total) : 0;
    bar.style.width = Math.max(share, 2) + "%";
    meter.setAttribute("aria-valuenow", String(Math.round(share)));
    text.textContent = p.total ? number(p.done) + " of " + rows(p.total) + " done" : "Starting…";
  }
  bar.style.width = "100%";
  meter.setAttribute("aria-valuenow", "100");
  slot.replaceChildren(outcome(job));
}

function outcome(job) {
  if (job.status === "done") {
    const imported = "Imported " + number(job.imported_rows) + (job.imported_rows === 1 ? " member and " : " members and ") + number(job.points_imported) + " points (" + job.layout + " layout).";
    if (!job.refused_rows) return h("div", { class: "banner success", id: "import-result", dataset: { status: "done" } }, imported);
    return h("div", { class: "banner warning stack", id: "import-result", dataset: { status: "done" } },
      h("p", null, imported),
      h("p", { id: "import-refused-count" }, rows(job.refused_rows) + (job.refused_rows === 1 ? " was not imported. Fix it" : " were not imported. Fix them") + " in a file of their own and import that:"),
      refusedTable(job));
  }
  if (!job.errors.length) {
    return h("div", { class: "banner critical", id: "import-result", dataset: { status: "failed" } },
      "The import stopped before its end. The rows written before it stopped are kept: import the same file again to go on.");
  }
  return h("div", { class: "banner critical stack", id: "import-result", dataset: { status: "failed" } },
    h("p", null, "The import did not finish:"), refusedTable(job));
}

function refusedTable(job) {
  const more = job.refused_rows - job.errors.length;
  return h("table", { id: "import-errors" },
    h("thead", null, h("tr", null, h("th", null, "Row"), h("th", null, "Reason"))),
    h("tbody", null, job.errors.map((e) => h("tr", null, h("td", { class: "num" }, e.row > 1 ? number(e.row) : "File"), h("td", null, e.message)))),
    more > 0 ? h("tfoot", null, h("tr", null, h("td", { colspan: "2" }, "…and " + number(more) + " more rows"))) : null);
}
