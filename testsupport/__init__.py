"""What the tests and the benchmarks share: the app started on a free port, Debian's Chromium
settings, builders of hostile files. Not part of the app."""
