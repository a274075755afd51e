// Perks admin: one module per section, each rendering itself from the JSON API
// under /api; this one routes the location's hash to its section. No framework,
// no CDN.
import { confirmAction, failed, hasUnsavedChanges, setRerender } from "./kit.js";
import { renderAnalytics } from "./sections/analytics.js";
import { renderApiKeys } from "./sections/api_keys.js";
import { renderEarn } from "./sections/earn.js";
import { renderExpiry } from "./sections/expiry.js";
import { renderHome } from "./sections/home.js";
import { renderLauncher } from "./sections/launcher.js";
import { renderLiability } from "./sections/liability.js";
import { renderMember, renderMembers } from "./sections/members.js";
import { renderNotifications } from "./sections/notifications.js";
import { renderReferrals } from "./sections/referrals.js";
import { renderRewards } from "./sections/rewards.js";
import { renderTiers } from "./sections/tiers.js";
import { renderTransfer } from "./sections/transfer.js";

// ---- router --------------------------------------------------------------

const sections = {
  home: renderHome,
  earn: renderEarn,
  rewards: renderRewards,
  members: renderMembers,
  member: renderMember,
  analytics: renderAnalytics,
  liability: renderLiability,
  transfer: renderTransfer,
  expiry: renderExpiry,
  referrals: renderReferrals,
  tiers: renderTiers,
  notifications: renderNotifications,
  launcher: renderLauncher,
  "api-keys": () => renderApiKeys(null),
};

// The section a hash names, and the group of the navigation it sits in (read from the shell's
// tabs, so the grouping is written once, in shell.html).
function target() {
  const [name, arg] = (location.hash.replace(/^#\/?/, "") || "home").split("/");
  return { section: sections[name] ? name : "home", arg };
}

function render() {
  const { section, arg } = target();
  const tab = section === "member" ? "members" : section;
  const link = document.querySelector(`.subtabs a[data-section="${tab}"]`);
  const group = link ? link.closest(".subtabs").dataset.group : "home";
  document.querySelectorAll(".tabs a, .subtabs a").forEach((a) => {
    const current = a.dataset.section ? a.dataset.section === tab : a.dataset.group === group;
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  document.body.dataset.section = section;
  document.body.dataset.group = group;
  delete document.body.dataset.ready;
  return Promise.resolve(sections[section](arg ? decodeURIComponent(arg) : undefined))
    .then(() => {
      // A mark the tests (and anyone profiling) read: when the section's data was on screen.
      performance.mark("perks:ready:" + section);
      document.body.dataset.ready = section;
    })
    .catch(failed);
}

// Leaving a page with unsaved changes asks first; staying puts the address back as it was.
let shown = location.hash;
async function route() {
  if (location.hash === shown) return;
  if (hasUnsavedChanges()) {
    const leaving = location.hash;
    history.replaceState(null, "", shown || "#/home");
    const leave = await confirmAction({ title: "Leave this page?", message: "Your changes here are not saved. Leaving discards them.", confirm: "Leave page", tone: "critical" });
    if (!leave) return;
    history.replaceState(null, "", leaving);
  }
  shown = location.hash;
  return render();
}
setRerender(render);
window.addEventListener("hashchange", route);
render();
