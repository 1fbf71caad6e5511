"""What people use: the ``hlssim`` command (:mod:`.cli`), plain-English narratives
(:mod:`.narrative`), and the explorer's logic (:mod:`.explorer`, :mod:`.sweep_browser`,
:mod:`.loop_diagram`), apart from its Streamlit page (``app.py``).

Imports: any layer; nothing imports this one (``tests/test_layers.py``).
"""
