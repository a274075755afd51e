// Perks admin: one module per section, each rendering itself from the JSON API
// under /api; this one routes the location's hash to its section. No framework,
// no CDN.
import { failed } from "./kit.js";
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

function route() {
  const [name, arg] = (location.hash.replace(/^#\/?/, "") || "home").split("/");
  const section = sections[name] ? name : "home";
  document.querySelectorAll(".tabs a").forEach((a) => {
    const current = a.dataset.section === section || (section === "member" && a.dataset.section === "members");
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  document.body.dataset.section = section;
  Promise.resolve(sections[section](arg ? decodeURIComponent(arg) : undefined))
    .then(() => {
      // A mark the tests (and anyone profiling) read: when the section's data was on screen.
      performance.mark("perks:ready:" + section);
      document.body.dataset.ready = section;
    })
    .catch(failed);
}
window.addEventListener("hashchange", route);
route();
