"""Coverage data: upload figures, see how they were read and joined, use them in the whole app."""
import hashlib
import re

import pandas as pd
import streamlit as st

from geo import figures
from geo.boundaries import upstream
from geo.core import i18n
from geo.figures import join, pipeline
from geo.outputs import labels, tabular
from ui import datasets, state, views
from ui.text import esc

t, lang = state.t, state.lang()
provinces = state.provinces()



def msg(key: str, params: dict) -> str:
    return figures.message(key, {k: esc(v) if isinstance(v, str) else v for k, v in params.items()}, lang)


def month_label(period: str, language: str = lang) -> str:
    """``2026-03`` as "Maret 2026" / "March 2026" (the language bound when the page runs: a
    select box formats its options again later, outside this run)."""
    year, month = period.split("-")
    return f"{i18n.t(f'p15_month_{int(month)}', language)} {year}"


def per_session(name: str, key: tuple, compute):
    """The result of ``compute()`` for this session's current file, kept in its session state.

    An upload belongs to one user: a process-wide cache of a few entries was evicted by other
    sessions' uploads and recomputed on every rerun under load (bench/load.py); this keeps the
    latest result of each step per session, freed with the session.
    """
    memo = st.session_state.setdefault("fig_memo", {})
    if name not in memo or memo[name][0] != key:
        memo[name] = (key, compute())
    return memo[name][1]


def read(data: bytes, digest: str, name: str, sheet: str | None):
    """(raw, None) or (None, (key, params))."""
    def compute():
        try:
            return figures.read_table(data, name, sheet=sheet), None
        except figures.FiguresError as exc:
            return None, (exc.key, exc.params)
    return per_session("read", (digest, name, sheet), compute)


def sheets(data: bytes, digest: str) -> list[str]:
    def compute():
        try:
            return figures.xlsx_sheets(data)
        except figures.FiguresError:
            return []
    return per_session("sheets", (digest,), compute)


def check(data: bytes, digest: str, name: str, sheet: str | None, mapping: tuple, provs: tuple[str, ...],
          period: str | None = None):
    """(result, None) or (None, (key, params)) for a file read with ``mapping``; ``period``: the
    month chosen for a file without a period column (None: the current month)."""
    raw, err = read(data, digest, name, sheet)
    if err:
        return None, err

    def compute():
        checked = pipeline.check_file(data, name, state.load_boundaries(provs).full, provs, mapping=dict(mapping),
                                      raw=raw, period=period)
        if checked.error is not None:
            return None, (checked.error.key, checked.error.params)
        return checked.result, None
    return per_session("check", (digest, name, sheet, mapping, provs, period), compute)


@st.cache_data(show_spinner=False)
def templates(provs: tuple[str, ...]) -> tuple[bytes, bytes]:
    bset = state.load_boundaries(provs)
    tpl = figures.template(bset.full["village"], bset.names("district"), bset.names("regency"))
    return tabular.to_csv_bytes(tpl), tabular.to_xlsx_bytes(tpl, sheet_name="data")


def table(df: pd.DataFrame, columns: list[str]) -> None:
    """A report table with translated headers and categories, missing cells empty (cells are
    data, shown as text)."""
    if df.empty:
        st.caption(t("fig_none"))
        return
    shown = df[columns].copy()
    if "score" in shown:  # a score only where a name was matched: empty, never "None"/"<NA>"
        shown["score"] = [i18n.fmt_num(v, lang) if pd.notna(v) else "" for v in shown["score"]]
    if "column" in shown:  # the canonical column a problem is in, as people call it
        shown["column"] = [labels.canonical_label(v, lang) if isinstance(v, str) else "" for v in shown["column"]]
    config = {t(f"fig_col_{c}"): st.column_config.Column(width="large") for c in ("message", "messages", "candidates")}
    config[t("fig_col_row")] = st.column_config.NumberColumn(width="small", format="%d")
    st.dataframe(labels.for_people(shown, lang), hide_index=True, column_config=config)


st.title(t("fig_page_title"))
try:
    bset = state.load_boundaries(provinces)
except (upstream.SourceError, OSError) as exc:
    st.error(t("boundaries_error", error=esc(exc)))
    st.stop()

# ---- the active dataset, and the datasets saved in the database
view = views.figures()
db = state.store()
meta = state.dataset_meta()
active = state.active_figures()
if meta is not None and not active.synthetic:
    st.success(t("fig_active_saved", name=esc(meta.name), level=t(f"level_{meta.level}").lower(),
                 areas=i18n.fmt_num(meta.rows, lang), periods=", ".join(meta.periods) or "–",
                 who=esc(meta.saved_by), when=meta.created_at[:16].replace("T", " ")))
    st.text(f"{t('fig_active_source')} {meta.file_name}")
elif not active.synthetic:
    st.warning(t("fig_active_unsaved", source=esc(active.source)))
else:
    st.warning(t("fig_active_demo"), icon="⚠️")
if not active.synthetic:
    st.button(t("fig_back_to_demo"), on_click=state.use_demo, key="fig_back")
if db is None:
    st.error(t("fig_db_error", error=esc(state.store_error())))
else:
    datasets.saved_panel(view, db, lang)
datasets.show_message()

st.caption(t("fig_intro"))
with st.expander(t("fig_schema_title")):
    st.markdown(t("fig_schema"))
tpl_csv, tpl_xlsx = templates(provinces)
c1, c2, _ = st.columns([1, 1, 2])
stem = labels.file_stem(lang, t("fn_template"), *provinces)
c1.download_button(t("fig_template_csv"), tpl_csv, f"{stem}.csv", "text/csv", key="fig_tpl_csv", on_click="ignore")
c2.download_button(t("fig_template_xlsx"), tpl_xlsx, f"{stem}.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="fig_tpl_xlsx",
                   on_click="ignore")

# The file being checked is kept in the session (not only in the uploader, whose value Streamlit
# drops when the user visits another page), with the user's corrections to the column mapping.
upload = st.file_uploader(t("fig_upload"), type=["csv", "xlsx"], key="fig_upload", help=t("up_help"))
if upload is not None and (st.session_state.get("fig_file") or {}).get("file_id") != upload.file_id:
    content = upload.getvalue()
    st.session_state["fig_file"] = {"file_id": upload.file_id, "name": upload.name, "data": content,
                                    "digest": hashlib.sha256(content).hexdigest(), "mapping": None, "sheet": None}
current = st.session_state.get("fig_file")
if current is None:
    st.stop()
data, name, digest = current["data"], current["name"], current["digest"]
if upload is None:  # back on the page: the file checked before
    st.caption(t("fig_checking", name=esc(name)))
    st.button(t("fig_close_file"), key="fig_close", on_click=st.session_state.pop, args=("fig_file", None))

sheet = None
if name.lower().endswith(".xlsx"):
    names = sheets(data, digest)
    if len(names) > 1:
        key = f"fig_sheet_{digest[:16]}"
        st.session_state[key] = current["sheet"] if current["sheet"] in names else names[0]
        sheet = st.selectbox(t("fig_sheet"), names, key=key, placeholder=t("ph_choose_one"),
                             on_change=lambda: current.update(sheet=st.session_state[key], mapping=None))
raw, err = read(data, digest, name, sheet)
if raw is not None and raw.cells.empty:  # no data row: say so (naming other sheets), as the command line does
    _, err = check(data, digest, name, sheet, tuple(figures.guess_mapping(raw.columns).items()), provinces)
if err:
    st.error(f"**{t('fig_fatal')}** ({esc(name)}): {msg(*err)}")
    st.stop()

# ---- how the file was read, and the mapping the user may correct
st.subheader(t("fig_read_as"))
how = (t("fig_read_csv", encoding=raw.encoding, delimiter=repr(raw.delimiter), header=raw.header_row,
         rows=len(raw.cells)) if raw.kind == "csv"
       else t("fig_read_xlsx", sheet=raw.sheet, header=raw.header_row, rows=len(raw.cells)))
st.text(how)
ignore = t("fig_ignore")
guess = {**figures.guess_mapping(raw.columns), **(current["mapping"] or {})}
examples = [" | ".join(str(v) for v in raw.cells[c].dropna().head(3)) for c in raw.columns]
# "Read as" offers the columns by the names people use ("Pekerja nelayan"), never the
# canonical keys (workers_fisher); the editor's key carries the language, so a switch redraws it
as_label = {c: labels.canonical_label(c, lang) for c in figures.CANONICAL}
from_label = {v: k for k, v in as_label.items()}
edited = st.data_editor(
    pd.DataFrame({"source": raw.columns, "examples": examples,
                  "read_as": [as_label.get(guess.get(c) or "", ignore) for c in raw.columns]}),
    column_config={"source": t("fig_col_source"), "examples": t("fig_col_examples"),
                   "read_as": st.column_config.SelectboxColumn(t("fig_col_read_as"), required=True,
                                                               options=[ignore, *as_label.values()])},
    disabled=["source", "examples"], hide_index=True, key=f"fig_map_{digest[:16]}_{sheet}_{lang}")
st.caption(t("fig_mapping_help"))
mapping = {c: from_label.get(v) for c, v in zip(edited["source"], edited["read_as"])}
current["mapping"] = mapping  # the corrections survive other pages
fatal = figures.check_mapping(mapping, raw.header_row)
if fatal:
    p = fatal[0]
    st.error(f"**{t('fig_fatal')}** ({esc(name)}): "
             f"{msg(p['key'], {'columns': ', '.join(raw.columns), **p['params']})}")
    st.stop()
chosen_period = None
if "period" not in mapping.values():  # no period in the file: the month it describes is chosen here
    months = views.upload_periods()
    chosen_period = view.widget(st.selectbox, "period", t("p15_period_choice"), options=months,
                                format_func=month_label, help=t("p15_period_choice_help"))
result, err = check(data, digest, name, sheet, tuple(mapping.items()), provinces, chosen_period)
if err:
    st.error(f"**{t('fig_fatal')}** ({esc(name)}): {msg(*err)}")
    st.stop()

# ---- the join report
s = result.summary
st.subheader(t("fig_report_title"))
metric_labels = [("rows", "fig_rows"), ("matched_by_code", "fig_matched_by_code"), ("matched_by_name", "fig_matched_by_name"),
          ("ambiguous", "fig_ambiguous"), ("unmatched", "fig_unmatched"), ("invalid", "fig_invalid"),
          ("areas_without_figures", "fig_areas_without")]
for col, (key, label) in zip(st.columns(len(metric_labels)), metric_labels):
    col.metric(t(label), i18n.fmt_num(s[key], lang))
st.caption(t("fig_level", level=t(f"level_{s['level']}")))
if result.figures is not None:
    got = result.figures.periods
    st.caption(t("p15_periods_read", periods=", ".join(month_label(p) for p in got), latest=month_label(got[-1]))
               if len(got) > 1 else t("p15_period_read", period=month_label(got[0])))

report = join.report_table(result, lang)
problems = join.problems_table(result.problems, lang)
by_cat = {c: report[report["category"] == c] for c in join.CATEGORIES}
without = result.areas_without_figures.copy()
for lv in ("district", "regency"):
    if f"{lv}_code" in without:
        without[lv] = without[f"{lv}_code"].map(bset.names(lv))
tabs = st.tabs([t("fig_tab_problems", n=len(problems)), t("fig_tab_by_name", n=s["matched_by_name"]),
                t("fig_tab_ambiguous", n=s["ambiguous"]), t("fig_tab_unmatched", n=s["unmatched"]),
                t("fig_tab_invalid", n=s["invalid"]), t("fig_tab_without", n=s["areas_without_figures"])])
with tabs[0]:
    table(problems, ["row", "column", "severity", "message"])
with tabs[1]:
    table(by_cat["matched_by_name"], ["row", "name_in_file", "code", "official_name", "score", "messages"])
with tabs[2]:
    table(by_cat["ambiguous"], ["row", "name_in_file", "candidates"])
with tabs[3]:
    table(by_cat["unmatched"], ["row", "code_in_file", "name_in_file", "candidates", "messages"])
with tabs[4]:
    table(by_cat["invalid"], ["row", "code_in_file", "name_in_file", "messages"])
with tabs[5]:
    table(without, [c for c in ("code", "name", "district", "regency") if c in without])

header = [t("fig_report_header", source=name), t("csv_keys_note")]
stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name.rsplit(".", 1)[0])[:40] or "figures"


def people_csv(df: pd.DataFrame, own: set[str] = frozenset()) -> bytes:
    """A report as CSV: headings and categories in the language, the machine names under them."""
    return tabular.to_csv_bytes(labels.for_people(df, lang, keep=set(own)), header, keys=[str(c) for c in df.columns])


d1, d2 = st.columns(2)
d1.download_button(t("fig_download_report"), lambda: people_csv(report),  # made when clicked
                   f"{stem}_{t('fn_join_report')}.csv", "text/csv", key="fig_dl_report", on_click="ignore")
d2.download_button(t("fig_download_rejected"),
                   lambda: people_csv(join.rejected_rows(result, raw.cells, lang), set(raw.cells.columns)),
                   f"{stem}_{t('fn_rejected_rows')}.csv", "text/csv", key="fig_dl_rejected", on_click="ignore")

if result.figures is None:
    st.error(t("fig_use_none"))
else:
    datasets.use_panel(view, db, result, name, digest, lang)
