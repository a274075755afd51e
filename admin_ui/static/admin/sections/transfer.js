import { api, ApiError, card, failed, field, h, number, page, request, saveBlob, showErrors, when } from "../kit.js";

// ---- import and export ---------------------------------------------------

// How long the import page waits between asks: soon while the worker answers, longer after each
// failed ask (a 500, a dropped connection, a deploy), never more than half a minute.
const POLL_MS = 400, POLL_MAX_MS = 30000;
const transient = (error) => !(error instanceof ApiError) || error.status >= 500 || error.status === 408 || error.status === 429;

export async function renderTransfer() {
  const file = h("input", { type: "file", accept: ".csv,text/csv" });
  const dryRun = h("button", { type: "submit", id: "dry-run-import", value: "dry-run" }, "Check first (dry run)");
  const form = h("form", { class: "stack", id: "import-form", novalidate: true },
    field("file", "CSV file", file, "From Smile.io, LoyaltyLion or Yotpo as they export it, or with the columns email, customer_id, points and tier (and lifetime_points, birthday, referrals if you have them). A customer Perks has not met is looked up in Shopify by email; one with no account yet keeps their points until they make one. Rows that cannot be imported are listed with the reason; the rest go in."),
    h("div", { class: "row" }, dryRun, h("button", { class: "primary", type: "submit", id: "start-import" }, "Import")));
  const status = h("div", { id: "import-status", class: "stack" });
  const recent = h("div", { id: "recent-imports" });
  const imported = () => loadRecent().catch(failed);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) return showErrors(form, { file: "choose a CSV file to import" });
    const data = new FormData();
    data.append("file", file.files[0]);
    const trying = event.submitter === dryRun;
    try {
      const { job } = await api.post("/api/imports" + (trying ? "?dry_run=true" : ""), data);
      showErrors(form, {});
      await follow(job, status, imported);
      imported();
    } catch (error) {
      showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { file: error.message });
    }
  });
  const exportButton = (id, path, name, text) => h("button", { type: "button", id, onclick: () => download(path, name) }, text);
  async function loadRecent() {
    const { jobs } = await api.get("/api/imports");
    recent.replaceChildren(jobs.length
      ? h("table", null, h("tbody", null, jobs.map((j) => h("tr", null, h("td", null, j.filename), h("td", null, APPS[j.layout] || (j.layout ? "Plain CSV" : "")), h("td", null, h("span", { class: "badge " + tone(j.status) }, j.dry_run ? "dry run " + j.status : j.status)), h("td", { class: "num" }, (j.dry_run ? "would import " : "") + rows(j.imported_rows) + (j.pending_rows ? ", " + number(j.pending_rows) + " waiting for an account" : "") + (j.refused_rows ? ", " + number(j.refused_rows) + " refused" : "")), h("td", null, when(j.created_at))))))
      : h("p", { class: "muted" }, "No imports yet."));
  }
  await loadRecent();
  page("Import and export", null, h("div", { class: "stack" },
    card("Import members and points", form, status),
    card("Export", h("p", { class: "muted" }, "Your data, whenever you want it: nothing is locked in."), h("div", { class: "row" },
      exportButton("export-members", "/api/exports/members.csv", "perks-members.csv", "Export members"),
      exportButton("export-ledger", "/api/exports/ledger.csv", "perks-ledger.csv", "Export points ledger"))),
    card("Recent imports", recent)));
}
async function download(path, name) {
  const response = await request("GET", path, undefined, true);
  saveBlob(await response.blob(), name);
}
// The apps' own names for the layouts the server detects.
const APPS = { "smile.io": "Smile.io", loyaltylion: "LoyaltyLion", yotpo: "Yotpo" };
const source = (layout) => (APPS[layout] ? "a " + APPS[layout] + " export" : "a plain CSV");
const rows = (n) => number(n) + (n === 1 ? " row" : " rows");
const tone = (state) => ({ done: "success", failed: "critical", running: "attention", queued: "attention" })[state] || "";

// Follows a job to its end with the bar; `imported` is told when an import it started from a dry run has ended.
async function follow(job, slot, imported) {
  const bar = h("div", { style: "width:0%" });
  const meter = h("div", { class: "progress", id: "import-progress", role: "progressbar", "aria-label": job.dry_run ? "Dry run progress" : "Import progress", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, bar);
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
      note.textContent = "Could not reach Perks (" + error.message + "); asking again in " + Math.ceil(wait / 1000) + " s. The " + (job.dry_run ? "dry run" : "import") + " goes on meanwhile.";
      continue;
    }
    wait = POLL_MS;
    note.hidden = true;
    const p = job.progress || { done: 0, total: 0 };
    const share = p.total ? Math.min(100, (100 * p.done) / p.total) : 0;
    bar.style.width = Math.max(share, 2) + "%";
    meter.setAttribute("aria-valuenow", String(Math.round(share)));
    text.textContent = p.total ? number(p.done) + " of " + rows(p.total) + (job.dry_run ? " checked" : " done") : "Starting…";
  }
  bar.style.width = "100%";
  meter.setAttribute("aria-valuenow", "100");
  slot.replaceChildren(outcome(job, slot, imported));
}

function outcome(job, slot, imported) {
  if (job.status === "done" && job.dry_run) return preview(job, slot, imported);
  if (job.status === "done") {
    const done = "Imported " + number(job.imported_rows) + (job.imported_rows === 1 ? " member and " : " members and ") + number(job.points_imported) + " points from " + source(job.layout) + ".";
    const waiting = (job.pending_rows ? " " + number(job.pending_rows) + (job.pending_rows === 1 ? " customer has" : " customers have") + " no Shopify account yet: their " + number(job.pending_points) + " points are kept and credited when the account is made." : "") + tiersMissing(job, false);
    if (!job.refused_rows) return h("div", { class: "banner success", id: "import-result", dataset: { status: "done" } }, done + waiting);
    return h("div", { class: "banner warning stack", id: "import-result", dataset: { status: "done" } },
      h("p", null, done + waiting),
      h("p", { id: "import-refused-count" }, rows(job.refused_rows) + (job.refused_rows === 1 ? " was not imported. Fix it" : " were not imported. Fix them") + " in a file of their own and import that:"),
      refusedTable(job), h("div", { class: "row" }, refusedDownload(job)));
  }
  if (!job.errors.length) {
    return h("div", { class: "banner critical", id: "import-result", dataset: { status: "failed" } },
      "The import stopped before its end. The rows written before it stopped are kept: import the same file again to go on.");
  }
  return h("div", { class: "banner critical stack", id: "import-result", dataset: { status: "failed" } },
    h("p", null, job.dry_run ? "The dry run could not read the file:" : "The import did not finish:"), refusedTable(job));
}

// What the import of a dry run's file would do, and the button that does it.
function preview(job, slot, imported) {
  const facts = [
    ["Members Perks has", job.matched_members, "their points are added to their balance"],
    ["New members", job.new_members, "customers in your Shopify store Perks has not met yet"],
    ["Waiting for an account", job.pending_rows, "no Shopify customer has their email yet: " + number(job.pending_points) + " points kept for them until they make one"],
    ["Skipped", job.refused_rows, "listed below with the reason"],
  ];
  const go = h("button", { class: "primary", type: "button", id: "import-dry-run" }, "Import " + rows(job.imported_rows + job.pending_rows));
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      const started = await api.post("/api/imports/" + job.id + "/import");
      await follow(started.job, slot, imported);
      imported();
    } catch (error) {
      go.disabled = false;
      slot.append(h("div", { class: "banner critical", id: "import-dry-run-error" }, error.message));
    }
  });
  return h("div", { class: "banner stack", id: "import-result", dataset: { status: "dry-run" } },
    h("p", null, h("strong", null, "Dry run of " + job.filename + ", " + source(job.layout) + ": nothing has been written. "), "Importing it would add " + number(job.points_imported) + " points now."),
    h("table", { id: "dry-run-counts" }, h("tbody", null, facts.map(([label, count, help]) => h("tr", null, h("th", { scope: "row" }, label), h("td", { class: "num" }, number(count)), h("td", { class: "muted" }, help))))),
    job.unknown_tiers.length ? h("p", { id: "import-unknown-tiers" }, tiersMissing(job, true).trim()) : null,
    job.refused_rows ? refusedTable(job) : null,
    h("div", { class: "row" }, go, job.refused_rows ? refusedDownload(job) : null));
}

// Tiers the other app named that the VIP ladder has no tier of: the members are imported without them.
function tiersMissing(job, dryRun) {
  if (!job.unknown_tiers.length) return "";
  const names = job.unknown_tiers.map((name) => "“" + name + "”").join(", ");
  return " Your VIP tiers have no tier named " + names + ": " + (dryRun ? "those members would be imported" : "those members were imported") + " without it. Add the tier and import the file again to place them in it.";
}

function refusedDownload(job) {
  const name = (job.filename.replace(/\.csv$/i, "") || "import") + "-refused-rows.csv";
  return h("button", { type: "button", id: "download-refused", onclick: () => download("/api/imports/" + job.id + "/refused.csv", name) }, "Download skipped rows (CSV)");
}

function refusedTable(job) {
  const more = job.refused_rows - job.errors.length;
  return h("table", { id: "import-errors" },
    h("thead", null, h("tr", null, h("th", null, "Row"), h("th", null, "Reason"))),
    h("tbody", null, job.errors.map((e) => h("tr", null, h("td", { class: "num" }, e.row > 1 ? number(e.row) : "File"), h("td", null, e.message)))),
    more > 0 ? h("tfoot", null, h("tr", null, h("td", { colspan: "2" }, "…and " + number(more) + " more rows"))) : null);
}
