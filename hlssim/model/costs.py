"""What a month of commissioning costs (£k): staff, the commissioner's oversight, recruitment and
tendering. The metrics' ``cost_total`` adds these up (:func:`hlssim.model.metrics.metrics_row` gets
the fixed part and a tender's cost as numbers).
"""

from __future__ import annotations

import numpy as np


def fixed_monthly_cost(scenario, regime) -> float:
    """Staff and the commissioner's oversight this month (£k): the part of the cost that does not
    depend on what happened."""
    s, r = scenario, regime
    staff = s.n_workers * s.wage_cost
    oversight = s.n_people * (0.004 + 0.01 * r.target_pressure + 0.012 * r.pbr_share
                              + 0.01 * r.audit_rate + 0.003 * r.stewardship + 0.002 * r.alliance)
    return staff + oversight


def tender_cost(scenario) -> float:
    """What running a tender costs (£k)."""
    s = scenario
    return 2.0 * s.wage_cost * s.n_workers / s.n_providers


def monthly_cost(scenario, regime, leavers, tendered):
    """Staff, commissioning overhead, recruitment and tendering costs this month (£k)."""
    recruitment = leavers * scenario.wage_cost
    return fixed_monthly_cost(scenario, regime) + recruitment + np.where(
        tendered, tender_cost(scenario), 0.0)
