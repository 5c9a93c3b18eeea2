"""Stage 2: the figures. An upload (CSV/XLSX) or the synthetic demo is read safely into raw
cells (``reading``), its headers mapped to canonical columns (``columns``), every cell checked
(``validation``) and the rows joined to one level's boundary layer (``join``); the hand-off is
``Figures`` (``model``). ``pipeline.check_file`` runs the whole sequence for the command line
and the upload page.

The names below are the stage's public API, so callers write ``figures.read_table(...)``.
"""
from geo.figures.columns import CANONICAL, PAIRS, TEXT_COLUMNS, guess_mapping, header_key
from geo.figures.model import Figures
from geo.figures.reading import FiguresError, Limits, RawTable, cell_text, message, read_table, xlsx_sheets
from geo.figures.validation import (COUNT_MAX, PROBLEM_COLUMNS, TOTAL_NAMES, Validated, check_mapping, check_period,
                                    compact_name, current_month, parse_count, parse_period, problems_frame, template,
                                    validate)

__all__ = ["CANONICAL", "PAIRS", "TEXT_COLUMNS", "guess_mapping", "header_key", "Figures", "FiguresError", "Limits",
           "RawTable", "cell_text", "message", "read_table", "xlsx_sheets", "COUNT_MAX", "PROBLEM_COLUMNS",
           "TOTAL_NAMES", "Validated", "check_mapping", "compact_name", "parse_count", "parse_period", "check_period", "current_month",
           "problems_frame", "template", "validate"]
