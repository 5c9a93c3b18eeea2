"""Stage 4: outputs read the analysis and add nothing to it: the Leaflet maps, the PNG and
standalone HTML snapshots, target-list exports, tables for people to read, saved lists."""
