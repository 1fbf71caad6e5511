"""The batch engine: the Mesa engine's rules over arrays shaped (replications, agents, ...), each
month one compiled call (:mod:`.kernels`), set up and switched in Python (:mod:`.model`)."""
