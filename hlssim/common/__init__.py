"""Support every layer may use: atomic file writing (:mod:`.files`), small statistics over
replications (:mod:`.stats`) and stepping with progress (:mod:`.progress`).

Imports: :mod:`hlssim.errors` only. Nothing here knows about the model.
"""
