"""Stage 3: analysis adds to the figures: analysis frames per level (``frames``), indicators,
small-count disclosure, classes (no colours), spatial weights and clusters, target lists and
budgets. Results carry numbers and message keys; drawing them is the outputs stage's job."""
