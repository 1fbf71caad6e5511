"""The Mesa engine: people, workers, providers and a commissioner as Mesa agents
(:mod:`.agents`), stepped month by month in phases by :class:`.model.CommissioningModel`."""

from hlssim.engines.mesa.model import CommissioningModel

__all__ = ["CommissioningModel"]
