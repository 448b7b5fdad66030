import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

// A page waiting on a worker (an import being saved, statuses being recomputed, a paper being
// built) marks its status with data-progress. Every two seconds the page is asked for again
// and, once it differs, its main content is swapped in place: nothing reloads under the
// reader (no meta refresh, which moves focus and cannot be paused), and the new status is
// read out through one live region. The server stops marking the page when the work is done
// or has taken too long, and the asking stops with it. Without JavaScript the status says to
// refresh the page.
const EVERY_MS = 2000;

function announcer() {
  let region = document.getElementById("outturn-progress-announcer");
  if (!region) {
    region = document.createElement("div");
    region.id = "outturn-progress-announcer";
    region.className = "govuk-visually-hidden";
    region.setAttribute("aria-live", "polite");
    document.body.append(region);
  }
  return region;
}

async function followProgress() {
  const main = document.querySelector("main");
  if (!main || !main.querySelector("[data-progress]")) return;
  try {
    const response = await fetch(window.location.href, {
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.ok) {
      const html = await response.text();
      const next = new DOMParser().parseFromString(html, "text/html").querySelector("main");
      if (next && next.innerHTML !== main.innerHTML) {
        main.innerHTML = next.innerHTML;
        initAll({ scope: main });
        const status = main.querySelector("[role=status], [role=alert]");
        if (status) announcer().textContent = status.textContent.trim().replace(/\s+/g, " ");
      }
    }
  } catch {
    // The network blinked: ask again next time.
  }
  setTimeout(followProgress, EVERY_MS);
}

if (document.querySelector("main [data-progress]")) setTimeout(followProgress, EVERY_MS);
