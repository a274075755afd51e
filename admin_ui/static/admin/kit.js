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
export const when = (iso) => new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });

export function page(title, actions, ...body) {
  main.replaceChildren(h("div", { class: "title-bar" }, h("h1", null, title), h("div", { class: "row" }, actions || [])), ...body);
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
