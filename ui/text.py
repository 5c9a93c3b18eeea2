"""Text from files, URLs and users shown in Streamlit elements that render Markdown."""
from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def esc(text: object) -> str:
    """``text`` with every Markdown and HTML character escaped, so it shows as itself."""
    return _MARKDOWN.sub(r"\\\1", str(text))
