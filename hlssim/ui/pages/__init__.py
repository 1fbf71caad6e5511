"""The explorer's pages (Streamlit), one module each; ``app.py`` puts them in its navigation.

- :mod:`.state`: the session's settings (the situation, every control, the link that reproduces
  the view, the server's limits) and the registry of pages and sidebar boxes ``app.py`` fills.
- :mod:`.common`: what every page shares: the sidebar, running and caching the simulations, the
  charts that reflow to the screen, the downloads.
- :mod:`.compare`, :mod:`.switch`, :mod:`.frontier` (a stored frontier), :mod:`.about` (the glossary, and a page for modellers),
  :mod:`.loops`, :mod:`.sweep`: one page each.

The logic they draw lives beside them in :mod:`hlssim.ui` and is tested without Streamlit; a page
module only turns session state into calls of that logic and draws what comes back.

Imports: any layer below the ui, and :mod:`hlssim.ui`'s own modules.
"""
