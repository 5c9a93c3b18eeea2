"""Drive the app in Chromium as a user does over a session: pages, controls, reloads, languages.

``Journey`` waits for each run the user caused to finish (the app's script state, read twice
so a run that starts just after a click is not missed), and ``snapshot()`` records what a user
would notice changing: the URL's query, every control's value, and the map drawn.
"""
from __future__ import annotations

import hashlib
import time
import urllib.parse

# every control on the page with its label and value (Streamlit's own markup, read in the page)
_CONTROLS_JS = r"""() => {
  const out = {};
  const label = el => {
    const w = el.closest('[data-testid^="stWidget"], [class*="stElementContainer"], [data-testid="stElementContainer"]');
    const l = w && w.querySelector('[data-testid="stWidgetLabel"]');
    return (l ? l.innerText : (el.getAttribute('aria-label') || el.name || '')).trim();
  };
  const main = document.querySelector('[data-testid="stMain"]') || document;
  main.querySelectorAll('input[role="combobox"], input[type="number"], input[type="text"], textarea').forEach(el => {
    const w = el.closest('[data-testid="stElementContainer"]');
    if (el.closest('[data-testid="stDataFrame"], [data-testid="stDataEditor"]')) return;
    let value = el.value;
    if (el.getAttribute('role') === 'combobox') {  // multiselect chips, or the select box's shown value
      const chips = w ? [...w.querySelectorAll('[data-baseweb="tag"]')].map(c => c.innerText.trim()) : [];
      const shown = w ? w.querySelector('[data-baseweb="select"] [value], [data-baseweb="select"] div[class*="singleValue"]') : null;
      value = chips.length ? chips.join('|') : (el.value || (w ? (w.querySelector('[data-baseweb="select"]') || {}).innerText : '') || '');
    }
    out['input:' + label(el)] = value;
  });
  main.querySelectorAll('input[type="checkbox"], [role="switch"]').forEach(el => {
    out['check:' + label(el)] = el.checked !== undefined ? el.checked : el.getAttribute('aria-checked'); });
  main.querySelectorAll('[role="radiogroup"]').forEach(g => {
    const c = g.querySelector('input[type="radio"]:checked');
    const w = g.closest('[data-testid="stElementContainer"]');
    const l = w && w.querySelector('[data-testid="stWidgetLabel"]');
    out['radio:' + (l ? l.innerText.trim() : '')] = c ? (c.closest('label') || c).innerText.trim() : null;
  });
  main.querySelectorAll('[data-testid="stSlider"] [role="slider"]').forEach(s => {
    out['slider:' + label(s)] = s.getAttribute('aria-valuenow'); });
  return out;
}"""

_MAP_JS = r"""() => {
  const paths = [...document.querySelectorAll('path.leaflet-interactive')];
  return {n: paths.length, fills: paths.map(p => p.getAttribute('fill') || '').join(','),
          title: (document.querySelector('.geo-box h4') || {}).innerText || ''};
}"""


class Journey:
    """One user's browser tab on the app."""

    def __init__(self, page, base_url: str, timeout_s: float = 90):
        self.page, self.base, self.timeout_s = page, base_url.rstrip("/"), timeout_s
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    # ---- waiting
    def settle(self, min_s: float = 0.4, quiet_checks: int = 3) -> None:
        """Until the app has finished the run the last action caused (and the page is quiet for
        ``quiet_checks`` looks 0.15 s apart: a page load runs the script more than once)."""
        deadline = time.monotonic() + self.timeout_s
        time.sleep(min_s)
        quiet = 0
        while time.monotonic() < deadline:
            state = self.page.evaluate(
                "() => { const a = document.querySelector('[data-testid=\"stApp\"]');"
                " return a ? a.getAttribute('data-test-script-state') : null; }")
            running = self.page.locator('[data-testid="stStatusWidget"]').count() > 0
            stale = self.page.locator('[data-stale="true"]').count() > 0
            quiet = quiet + 1 if state == "notRunning" and not running and not stale else 0
            if quiet >= quiet_checks:
                return
            time.sleep(0.15)
        raise AssertionError("the app did not finish its run in time")

    def goto(self, path: str, heading: str | None = None) -> None:
        self.page.goto(self.base + path)
        if heading:
            self.page.get_by_role("heading", name=heading, level=1).wait_for(timeout=self.timeout_s * 1000)
        self.settle(1.0, quiet_checks=10)

    def reload(self, heading: str | None = None) -> None:
        self.page.reload()
        if heading:
            self.page.get_by_role("heading", name=heading, level=1).wait_for(timeout=self.timeout_s * 1000)
        self.settle(1.0, quiet_checks=10)

    def nav(self, title: str, heading: str | None = None) -> None:
        """Go to another page through the sidebar, as a user does."""
        self.page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
        self.page.get_by_role("heading", name=heading or title, level=1).wait_for(timeout=self.timeout_s * 1000)
        self.settle(0.8, quiet_checks=8)

    # ---- controls
    def choose(self, label: str, option: str) -> None:
        """Pick ``option`` in the select box labelled ``label``."""
        self.page.get_by_role("combobox", name=label, exact=True).click()
        self.page.get_by_role("option", name=option, exact=True).click()
        self.settle()

    def add_option(self, label: str, option: str) -> None:
        """Add ``option`` to the multiselect labelled ``label``."""
        box = self.page.get_by_role("combobox", name=label, exact=True)
        box.click()
        self.page.get_by_role("option", name=option, exact=True).click()
        self.page.keyboard.press("Escape")
        self.settle()

    def radio(self, option: str) -> None:
        self.page.get_by_role("radio", name=option, exact=True).check(force=True)
        self.settle()

    def toggle(self, label: str) -> None:
        """Flip the checkbox or toggle (a switch) labelled ``label``."""
        box = self.page.get_by_role("checkbox", name=label, exact=True).or_(
            self.page.get_by_role("switch", name=label, exact=True))
        box.first.click(force=True)
        self.settle()

    def number(self, label: str, value: float | int) -> None:
        box = self.page.get_by_role("spinbutton", name=label, exact=True)
        box.fill(str(value))
        box.press("Enter")
        self.settle()

    def type(self, label: str, text: str) -> None:
        box = self.page.get_by_label(label, exact=True)
        box.fill(text)
        box.press("Tab")
        self.settle()

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).first.click()
        self.settle(quiet_checks=6)  # a callback's run, then the URL written by the next one

    def language(self, label: str) -> None:
        """Switch the language in the sidebar (``"English"`` / ``"Bahasa Indonesia"``)."""
        self.page.locator('[data-testid="stSidebar"]').get_by_role("radio", name=label, exact=True).check(force=True)
        self.settle(0.8)

    # ---- what a user sees
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.page.url).query))

    def wait_for_query(self, key: str) -> dict[str, str]:
        """The query once it holds ``key`` (the run that writes the URL may come after the one
        an action caused); the query as it is when the time is up."""
        deadline = time.monotonic() + self.timeout_s
        while key not in self.query() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.query()

    def controls(self) -> dict[str, object]:
        return self.page.evaluate(_CONTROLS_JS)

    def map_state(self, min_paths: int = 1) -> dict | None:
        """The map drawn in a component frame (number of shapes, a digest of their colours)."""
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            for frame in self.page.frames[1:]:
                try:
                    got = frame.evaluate(_MAP_JS)
                except Exception:  # noqa: BLE001 - a frame being replaced
                    continue
                if got["n"] >= min_paths:
                    got["fills"] = hashlib.sha1(got["fills"].encode()).hexdigest()[:12]
                    return got
            time.sleep(0.2)
        return None

    def exceptions(self) -> list[str]:
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def snapshot(self, with_map: bool = True) -> dict:
        return {"query": self.query(), "controls": self.controls(),
                "map": self.map_state() if with_map else None}
