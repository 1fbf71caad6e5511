"""Serving the explorer: several Streamlit processes behind a sticky proxy (``hlssim serve``)."""
