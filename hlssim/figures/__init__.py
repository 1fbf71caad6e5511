"""Figures: matplotlib PNG files of runs and sweeps (:mod:`.report_figures`) and the explorer's
projector-sized charts (:mod:`.explorer_charts`). Pure functions from tables to images.

Imports: :mod:`hlssim.model` (metric labels), :mod:`hlssim.common`, :mod:`hlssim.errors`
(``tests/test_layers.py``).
"""
