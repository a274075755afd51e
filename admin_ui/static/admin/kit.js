// The admin's kit: the session token every request carries, the JSON API, and
// the few DOM helpers every section builds with (text only, never HTML from data).
// Every request carries App Bridge's session token (shopify.idToken()) inside
// Shopify admin; the one the page was opened with, refreshed by the demo's own
// endpoint, in a plain browser (the demo and the tests).
const root = document.getElementById("perks");
const main = document.getElementById("main");
const demoTokenUrl = root.dataset.demoTokenUrl || null;
let pageToken = root.dataset.token;

// ---- session tokens ------------------------------------------------------

function secondsLeft(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return payload.exp - Date.now() / 1000;
  } catch (e) {
    return -1;
  }
}

async function sessionToken() {
  // App Bridge mints a fresh token per call; it is there only inside Shopify admin.
  if (window.shopify && typeof window.shopify.idToken === "function") {
    return window.shopify.idToken();
  }
  if (secondsLeft(pageToken) > 10 || !demoTokenUrl) return pageToken;
  const answer = await fetch(demoTokenUrl, { credentials: "same-origin" });
  if (answer.ok) pageToken = (await answer.json()).token;
  return pageToken;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || "HTTP " + status);
    this.status = status;
    this.fields = (body && body.fields) || {};
  }
}

export async function request(method, path, body, raw, extraHeaders) {
  const headers = { ...extraHeaders, Authorization: "Bearer " + (await sessionToken()) };
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload });
  if (raw && response.ok) return response;
  const data = (response.headers.get("Content-Type") || "").includes("json") ? await response.json() : null;
  if (!response.ok) {
    if (response.status === 401) banner("Your session has ended. Reload the page to go on.", "critical");
    throw new ApiError(response.status, data);
  }
  return data;
}
export const api = {
  get: (path) => request("GET", path),
  post: (path, body, headers) => request("POST", path, body, false, headers),
  patch: (path, body) => request("PATCH", path, body),
  put: (path, body) => request("PUT", path, body),
  del: (path) => request("DELETE", path),
};

// ---- DOM helpers: text only, never HTML from data ------------------------

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
const SVG = "http://www.w3.org/2000/svg";
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, value);
  for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  return el;
}

export function toast(message, error) {
  settled(!error);
  if (window.shopify && window.shopify.toast) return window.shopify.toast.show(message, { isError: !!error });
  const el = document.getElementById("toast");
  el.textContent = message;
  el.className = "toast" + (error ? " error" : "");
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 3000);
}

function banner(message, tone) {
  const existing = document.getElementById("session-banner");
  if (existing) return;
  root.insertBefore(h("div", { id: "session-banner", class: "banner " + (tone || "") }, message), main);
}

export const number = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
export const percent = (r) => (r === null || r === undefined ? "—" : (Number(r) * 100).toFixed(1) + "%");
// The shop's currency, set by each section from the answer it rendered.
let currency = "USD";
export function setCurrency(code) {
  currency = code;
}
export const money = (m) =>
  m === null || m === undefined ? "—" : Number(m).toLocaleString("en-US", { style: "currency", currency: currency });
// Short forms for axes and tight spaces, right at every magnitude: 950, 1.5K, 2.35M, 1B.
export const compactNumber = (n) => Number(n).toLocaleString("en-US", { notation: "compact", maximumFractionDigits: 2 });
export const compactMoney = (m) => Number(m).toLocaleString("en-US", { style: "currency", currency, notation: "compact", maximumFractionDigits: 2 });
export const when = (iso) => new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });

// App Bridge's UI (title bar, save bar, modal) when it is there: inside Shopify admin only.
const appBridge = () => (window.shopify && window.shopify.saveBar && window.shopify.modal ? window.shopify : null);

// The page's title and actions: in Shopify admin's own title bar (ui-title-bar, which takes
// buttons only) with the primary action mirrored there; in our own title bar otherwise.
export function page(title, actions, ...body) {
  forgetEdits();
  const controls = [actions || []].flat();
  const primary = controls.find((c) => c instanceof HTMLButtonElement && c.classList.contains("primary"));
  if (appBridge()) {
    let bar = document.getElementById("perks-title-bar");
    if (!bar) document.body.append((bar = document.createElement("ui-title-bar")));
    bar.id = "perks-title-bar";
    bar.setAttribute("title", title);
    bar.replaceChildren(primary ? h("button", { variant: "primary", onclick: () => primary.click() }, primary.textContent) : []);
    const rest = controls.filter((c) => c !== primary);
    if (primary) primary.hidden = true; // kept in the page: the mirrored button clicks it
    main.replaceChildren(rest.length ? h("div", { class: "title-bar embedded" }, h("div", { class: "row" }, rest), primary) : primary || [], ...body);
  } else {
    main.replaceChildren(h("div", { class: "title-bar", id: "title-bar" }, h("h1", null, title), h("div", { class: "row" }, controls)), ...body);
  }
}

// ---- confirming destructive actions ----------------------------------------

// Asks before something that cannot be undone: App Bridge's modal inside Shopify admin, a
// <dialog> of our own otherwise. Resolves true only when the merchant confirms.
export function confirmAction({ title, message, confirm, tone }) {
  const bridge = appBridge();
  return new Promise((resolve) => {
    if (bridge) {
      document.getElementById("perks-confirm")?.remove();
      let answered = false;
      const answer = (yes) => {
        if (answered) return;
        answered = true;
        bridge.modal.hide("perks-confirm");
        resolve(yes);
      };
      const modal = h("ui-modal", { id: "perks-confirm" }, h("div", { class: "modal-body" }, h("p", null, message)),
        h("ui-title-bar", { title },
          h("button", { variant: "primary", tone: tone === "critical" ? "critical" : null, onclick: () => answer(true) }, confirm),
          h("button", { onclick: () => answer(false) }, "Cancel")));
      modal.addEventListener("hide", () => answer(false));
      document.body.append(modal);
      bridge.modal.show("perks-confirm");
      return;
    }
    document.getElementById("confirm-dialog")?.remove();
    const yes = h("button", { value: "yes", class: tone === "critical" ? "critical" : "primary", id: "confirm-action" }, confirm);
    const dialog = h("dialog", { id: "confirm-dialog", class: "modal", "aria-labelledby": "confirm-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "confirm-title" }, title),
        h("p", null, message),
        h("div", { class: "row modal-actions" }, h("button", { value: "no", id: "confirm-cancel" }, "Cancel"), yes)));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    yes.focus();
  });
}

// ---- the save bar: every form in a section, watched for unsaved changes -----

// A form with edits shows the save bar (App Bridge's ui-save-bar, or ours): Save submits the
// edited forms, Discard renders the section afresh. A form is saved when its section renders
// again or a success toast follows its submit (every section says so on success); a form that
// uploads a file, or is marked data-save-bar="off", is an action rather than settings, and a
// control marked so (a language to show, a message to edit) only chooses what the form shows.
const edited = new Set();
const submitted = [];
let rerender = () => {};
export function setRerender(fn) {
  rerender = fn;
}
export const hasUnsavedChanges = () => edited.size > 0;

function watched(form) {
  return form && form.dataset.saveBar !== "off" && !form.querySelector("input[type=file]");
}
function onEdit(event) {
  const form = event.target.closest && event.target.closest("form");
  if (!watched(form) || !main.contains(form) || event.target.dataset.saveBar === "off") return;
  edited.add(form);
  showSaveBar();
}
main.addEventListener("input", onEdit);
main.addEventListener("change", onEdit);
main.addEventListener("submit", (event) => {
  if (edited.has(event.target)) submitted.push(event.target);
}, true);

function settled(ok) {
  const form = submitted.shift();
  if (!form || !ok) return;
  edited.delete(form);
  if (!edited.size) hideSaveBar();
}

function forgetEdits() {
  edited.clear();
  submitted.length = 0;
  hideSaveBar();
}

export function discardEdits() {
  forgetEdits();
  return rerender();
}

function saveEdits() {
  for (const form of [...edited]) {
    if (!form.isConnected) {
      edited.delete(form);
      continue;
    }
    form.requestSubmit(form.querySelector("button[type=submit], button:not([type])") || undefined);
  }
}

function showSaveBar() {
  const bridge = appBridge();
  if (bridge) {
    if (!document.getElementById("perks-save-bar")) {
      document.body.append(h("ui-save-bar", { id: "perks-save-bar" },
        h("button", { variant: "primary", id: "perks-save-bar-save", onclick: saveEdits }),
        h("button", { id: "perks-save-bar-discard", onclick: discardEdits })));
    }
    bridge.saveBar.show("perks-save-bar");
    return;
  }
  let bar = document.getElementById("save-bar");
  if (!bar) {
    bar = h("div", { id: "save-bar", class: "save-bar", role: "region", "aria-label": "Unsaved changes" },
      h("div", { class: "save-bar-inner" },
        h("span", null, "Unsaved changes"),
        h("div", { class: "row" },
          h("button", { type: "button", id: "save-bar-discard", onclick: discardEdits }, "Discard"),
          h("button", { type: "button", class: "primary", id: "save-bar-save", onclick: saveEdits }, "Save"))));
    document.body.prepend(bar);
  }
  bar.hidden = false;
  document.body.classList.add("has-save-bar");
}

function hideSaveBar() {
  const bridge = appBridge();
  if (bridge && document.getElementById("perks-save-bar")) bridge.saveBar.hide("perks-save-bar");
  const bar = document.getElementById("save-bar");
  if (bar) bar.hidden = true;
  document.body.classList.remove("has-save-bar");
}

export function card(title, ...body) {
  return h("section", { class: "card" }, title ? h("h2", null, title) : null, ...body);
}

export function failed(error) {
  main.replaceChildren(card("Something went wrong", h("p", null, error.message)));
}

// A form field whose server-side error shows beneath it.
export function field(name, label, input, help) {
  input.name = name;
  input.id = "f-" + name;
  return h("div", { class: "field", dataset: { field: name } }, h("label", { for: input.id }, label), input, help ? h("div", { class: "help" }, help) : null,
    h("div", { class: "field-error", id: "e-" + name }));
}
export function checkbox(name, label, checked, help) {
  const input = h("input", { type: "checkbox", name, id: "f-" + name, checked: !!checked });
  return h("div", { class: "field", dataset: { field: name } }, h("label", { class: "check", for: input.id }, input, h("span", null, label, help ? h("div", { class: "help" }, help) : null)),
    h("div", { class: "field-error", id: "e-" + name }));
}
export function showErrors(form, fields) {
  form.querySelectorAll(".field").forEach((f) => {
    const message = fields[f.dataset.field];
    f.classList.toggle("invalid", !!message);
    const slot = f.querySelector(".field-error");
    if (slot) slot.textContent = message || "";
  });
}


// A form that saves its fields with one call and shows the server's errors by field.
export function savingForm(id, fields, buttonText, save, savedText) {
  const form = h("form", { class: "stack", id, novalidate: true }, ...fields, h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: id + "-save" }, buttonText)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await save(form.elements);
      showErrors(form, {});
      toast(savedText);
    } catch (error) {
      showErrors(form, error.fields || {});
      toast(error.fields && Object.keys(error.fields).length ? "Fix the highlighted fields" : error.message, true);
    }
  });
  return form;
}
export const wholeOrNull = (input) => (input.value.trim() === "" ? null : Number(input.value));

export function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
