"""The agent-based (Mesa) engine."""

from hlssim.abm.model import CommissioningModel

__all__ = ["CommissioningModel"]
