"""The stock-flow side: the project's own stock-flow model (:mod:`.commissioning`, run by PySD),
the fast batched integrator (:mod:`.integrator`), its XMILE twin (:mod:`.xmile`), its feedback
loops (:mod:`.loops`), and a user's own Vensim/XMILE model (:mod:`.user_model`, many runs at once
in :mod:`.user_batch`).

Imports: :mod:`hlssim.model`, :mod:`hlssim.common`, :mod:`hlssim.errors` (``tests/test_layers.py``).
"""
