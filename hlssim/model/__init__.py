"""The model itself, apart from any engine: what a run is made of and what it reports.

* :mod:`.parameters`: every parameter, declared once as data; :mod:`.scenario`: validated,
  immutable sets of values (presets); :mod:`.cases`: situations like a commissioner's.
* :mod:`.rules`: the rules of a month, small pure functions both engines call;
  :mod:`.draws` and :mod:`.stream`: the random draws, in a fixed order, from one SFC64 stream.
* :mod:`.metrics`: what a run reports, declared once, with the compiled row functions the batch
  engine calls; :mod:`.compiled`: numba's settings and the disk cache's key.

Imports: :mod:`hlssim.common` and :mod:`hlssim.errors` only (``tests/test_layers.py``).
"""
