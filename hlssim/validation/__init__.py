"""Validation: the stylized-facts suite (:mod:`.facts`), the complexity crossover and its Sobol
analysis (:mod:`.crossover`), calibration by ABC (:mod:`.calibrate`) and the agreement of the
stock-flow and agent views (:mod:`.agreement`).

Imports: :mod:`hlssim.experiments` and every layer below it (``tests/test_layers.py``).
"""


def __getattr__(name: str):
    # ``hlssim.validation`` was the facts module until 0.2: its names still work, with a warning
    from hlssim._compat import forward

    return forward(__name__, name)
