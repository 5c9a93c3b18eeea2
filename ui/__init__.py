"""Streamlit glue shared by the pages: cached loaders, session state, the sidebar.

Nothing here computes: it caches and arranges calls into ``geo``.
"""
