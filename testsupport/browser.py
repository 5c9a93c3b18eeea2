"""Debian's Chromium for Playwright (``playwright install`` cannot download a browser here)."""
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium's connections are refused by the closed
# network, many at a time.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
