"""One session model for every page: state that survives pages, reloads and the language switch.

Why not widget keys: Streamlit deletes a widget's key at the end of any run that does not draw
that widget (any other page), and forbids setting it once the widget is drawn, so a page whose
state lives only in widget keys forgets it, or fails with ``KeyError``, when the user comes
back (``../shared/DESIGN.md``). Here each page's view is a dict of *codes* in a session-state
value no widget owns (``state:<page>``); a widget is bound to one entry: before it is drawn its
key is seeded from the stored value, and its ``on_change`` writes the new value back. The
widget's key includes the language, so a language switch draws a new widget whose labels are
made from the stored codes in the new language.

The URL carries each page's whole view through the same fields: on the first run of a page in
a session (a reload, a shared link) the stored view starts from the query parameters; every
run then writes the view back (values at their defaults left out). A value in the URL that is
not one the field accepts falls back to the default, and the page says which (``notices``).
Streamlit's own ``bind="query-params"`` writes a select box's *label* into the URL, which
changes with the language, so it is not used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import streamlit as st

from geo.core import i18n

from .text import esc

GLOBAL = "app"  # fields shared by every page: language, provinces, dataset, selection


@dataclass(frozen=True)
class Field:
    """One entry of a page's view: its default, the values it accepts, its name in the URL.

    ``kind`` is ``str`` (a code among ``choices`` when given), ``int``, ``float`` (between
    ``lo`` and ``hi``), ``bool`` or ``list`` (codes among ``choices``). ``choices`` may be a
    callable, evaluated at each run (e.g. the regencies of the selected provinces). ``param``
    is the query parameter's name (``None``: not in the URL).
    """

    name: str
    default: Any
    kind: type = str
    choices: Sequence | Callable[[], Sequence] | None = None
    lo: float | None = None
    hi: float | None = None
    param: str | None = ""  # "" = the field's name
    aliases: Callable[[], dict[str, Any]] | None = None  # URL words for values, e.g. {"all": [...]}

    @property
    def url_name(self) -> str | None:
        return self.name if self.param == "" else self.param

    def options(self) -> Sequence | None:
        return self.choices() if callable(self.choices) else self.choices

    def check(self, value: Any) -> Any:
        """``value`` as this field holds it, or ValueError when it is not one it accepts."""
        opts = self.options()
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if self.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(value)
            if self.kind is int and int(value) != value:
                raise ValueError(value)
            value = self.kind(value)
            if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
                raise ValueError(value)
            if opts is not None and value not in opts:
                raise ValueError(value)
            return value
        if self.kind is list:
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                raise ValueError(value)
            if opts is None:
                return list(dict.fromkeys(value))
            if any(v not in opts for v in value):
                raise ValueError(value)
            return [o for o in opts if o in value]  # in the choices' order: the same set, the same URL
        if not isinstance(value, str) or (opts is not None and value not in opts):
            raise ValueError(value)
        return value

    def parse(self, text: str) -> Any:
        """A query-parameter value (untrusted text) as a checked value, or ValueError."""
        if len(text) > 2000:
            raise ValueError(text[:40])
        named = self.aliases() if self.aliases else {}
        if text in named:
            return self.check(named[text])
        if self.kind is bool:
            if text not in ("0", "1"):
                raise ValueError(text)
            return self.check(text == "1")
        if self.kind is int:
            return self.check(int(text))
        if self.kind is float:
            return self.check(float(text))
        if self.kind is list:
            return self.check([v for v in text.split(",") if v])
        return self.check(text)

    def dump(self, value: Any) -> str:
        for word, named in (self.aliases() if self.aliases else {}).items():
            if named == value:
                return word
        if self.kind is bool:
            return "1" if value else "0"
        if self.kind is list:
            return ",".join(value)
        if self.kind is float:
            return f"{value:g}"
        return str(value)


@dataclass
class Notice:
    """A value from the URL that was not used: which parameter, and the text it held."""

    param: str
    text: str


class PageState:
    """The view of one page (or of the app, ``GLOBAL``), held in ``st.session_state``.

    Read a value with ``view["level"]``; bind a widget with :meth:`widget`; change values from
    a callback with :meth:`set` (never after the widget is drawn in the same run: Streamlit
    forbids that, and callbacks run before the script).
    """

    def __init__(self, page: str, fields: Sequence[Field]):
        self.page = page
        self.fields = {f.name: f for f in fields}
        self._key = f"state:{page}"
        if self._key not in st.session_state:
            st.session_state[self._key] = self._from_url()

    # ---- values
    @property
    def values(self) -> dict[str, Any]:
        return st.session_state[self._key]["values"]

    def __getitem__(self, name: str) -> Any:
        field = self.fields[name]
        value = self.values.get(name, field.default)
        try:  # the choices may have changed since it was stored (another province, a new file)
            return field.check(value)
        except ValueError:
            self.values[name] = field.default
            return field.default

    def set(self, name: str, value: Any) -> None:
        """Store ``value`` (checked; an unacceptable value stores the default)."""
        field = self.fields[name]
        try:
            self.values[name] = field.check(value)
        except ValueError:
            self.values[name] = field.default

    def update(self, **values: Any) -> None:
        for name, value in values.items():
            self.set(name, value)

    def reset(self, *names: str) -> None:
        for name in names or tuple(self.fields):
            self.values[name] = self.fields[name].default

    def is_default(self, name: str) -> bool:
        return self[name] == self.fields[name].default

    @property
    def notices(self) -> list[Notice]:
        """URL values not used, shown once (the page decides how)."""
        return st.session_state[self._key].pop("notices", [])

    # ---- widgets
    def key(self, name: str) -> str:
        """The widget key of ``name`` in this run's language (a switch draws a new widget)."""
        lang = st.session_state.get(f"state:{GLOBAL}", {}).get("values", {}).get("lang", i18n.DEFAULT_LANG)
        return f"w:{self.page}:{name}:{lang}"

    def widget(self, draw: Callable, name: str, label: str, *, on_change: Callable | None = None,
               form: bool = False, **kwargs) -> Any:
        """Draw ``draw(label, key=..., **kwargs)`` bound to ``name`` and return its value.

        For a select box or multiselect pass ``options`` (codes) and a ``format_func``; a
        stored value that is no longer among the options falls back to the field's default.
        Inside ``st.form`` pass ``form=True`` and call :meth:`commit` from the submit button.
        """
        key = self.key(name)
        value = self[name]
        options = kwargs.get("options")
        if options is not None:
            options = list(options)
            if isinstance(value, list):
                value = [v for v in value if v in options]
            elif value not in options:
                value = self.fields[name].default if self.fields[name].default in options else options[0]
            self.values[name] = value
        st.session_state[key] = value

        def changed() -> None:
            self.set(name, st.session_state[key])
            if on_change is not None:
                on_change()

        if not form:
            kwargs["on_change"] = changed
        kind = getattr(draw, "__name__", "")
        if kind in ("selectbox", "multiselect") and "placeholder" not in kwargs:
            # Streamlit's own "Choose an option"/"Choose options" in the chosen language
            kwargs["placeholder"] = i18n.t("ph_choose_many" if kind == "multiselect" else "ph_choose_one", _lang())
        return draw(label, key=key, **kwargs)

    def commit(self, *names: str) -> None:
        """Copy form widgets' values into the view (the submit button's callback)."""
        for name in names or tuple(self.fields):
            key = self.key(name)
            if key in st.session_state:
                self.set(name, st.session_state[key])

    # ---- the URL
    def _from_url(self) -> dict:
        values, notices = {f.name: f.default for f in self.fields.values()}, []
        for field in self.fields.values():
            param = field.url_name
            if not param or param not in st.query_params:
                continue
            text = st.query_params.get(param, "")
            try:
                values[field.name] = field.parse(text)
            except (ValueError, TypeError, OverflowError):
                notices.append(Notice(param, text[:80]))
        return {"values": values, "notices": notices}

    def write_url(self) -> None:
        """Mirror the view in the query parameters (defaults left out, so links stay short)."""
        for field in self.fields.values():
            param = field.url_name
            if not param:
                continue
            value = self[field.name]
            if value == field.default or value in (None, "", []):
                st.query_params.pop(param, None)
            else:
                text = field.dump(value)
                if st.query_params.get(param) != text:
                    st.query_params[param] = text


def notice_text(notices: list[Notice], lang: str) -> str | None:
    """One short sentence naming the URL values that were not used, or None."""
    if not notices:
        return None
    items = ", ".join(f"{n.param}={n.text}" for n in notices)
    return i18n.t("url_values_ignored", lang, items=esc(items))


def page_header(view: "PageState", title: str, intro: str, lang: str) -> None:
    """A page's title and introduction, and what its link asked for that could not be used."""
    st.title(title)
    st.caption(intro)
    if text := notice_text(view.notices, lang):
        st.warning(text)


def _lang() -> str:
    """The chosen language (the router's app view), the default before it exists."""
    try:
        from . import state
        return state.lang()
    except Exception:  # noqa: BLE001 - drawn before the app view: the default language
        return i18n.DEFAULT_LANG
