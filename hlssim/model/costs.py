"""What a month of commissioning costs (£k): staff, the commissioner's oversight, recruitment and
tendering. The metrics' ``cost_total`` adds these up (:func:`hlssim.model.metrics.metrics_row` gets
the fixed part, a tender's cost and the costs of each audit and claim as numbers).

The commissioner's monitoring is the sum of the activities the model holds, as the workers' admin
time is (:func:`hlssim.model.rules.admin_time`): indicator reports read, audits held (drawn each
month, so they vary from run to run) and outcome claims checked under payment by results.
"""

from __future__ import annotations

import numpy as np

STANDING_OVERSIGHT = 0.004  # £k per person a month: contract management any regime needs
STEWARDSHIP_COST = 0.003  # ... per person at full stewardship (convening, removing barriers)
ALLIANCE_COST = 0.002  # ... per person in a full alliance (joint governance)
REPORT_REVIEW_COST = 0.016  # £k: reading and querying one indicator report (about an hour)
AUDIT_COST = 0.2  # £k: one audit of a worker's cases (about a day with the visit)
CLAIM_CHECK_COST = 0.02  # £k: checking one person's outcome claim with all the pay riding on it


def reports_received_cost(scenario, regime) -> float:
    """The commissioner's monthly cost of reading the indicator reports the regime asks for
    (£k): every worker's ``indicators``, ``reports_per_year`` times a year."""
    return (REPORT_REVIEW_COST * scenario.n_workers * regime.indicators * regime.reports_per_year
            / 12.0)


def claim_check_cost(regime) -> float:
    """What checking the claim for one person reported over the line costs this month (£k), in
    proportion to the share of pay riding on it; 0 with no payment by results."""
    return CLAIM_CHECK_COST * regime.pbr_share


def fixed_monthly_cost(scenario, regime) -> float:
    """Staff, standing oversight, stewardship, alliance work and the reports read this month
    (£k): the part of the cost that does not depend on what happened."""
    s, r = scenario, regime
    staff = s.n_workers * s.wage_cost
    oversight = s.n_people * (STANDING_OVERSIGHT + STEWARDSHIP_COST * r.stewardship
                              + ALLIANCE_COST * r.alliance)
    return staff + oversight + reports_received_cost(s, r)


def tender_cost(scenario) -> float:
    """What running a tender costs (£k)."""
    s = scenario
    return 2.0 * s.wage_cost * s.n_workers / s.n_providers


def monthly_cost(scenario, regime, leavers, tendered, audits=0, reported=0):
    """Staff, commissioning overhead, recruitment, tendering, the audits held and the claims
    checked this month (£k)."""
    recruitment = leavers * scenario.wage_cost
    return (fixed_monthly_cost(scenario, regime) + recruitment
            + np.where(tendered, tender_cost(scenario), 0.0) + AUDIT_COST * audits
            + claim_check_cost(regime) * reported)
