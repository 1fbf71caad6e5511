"""What the batch engine's compiled months read besides the state, as named tuples: the fixed
structure and the draws' stream (:data:`World`) and the regime's levers (:data:`Levers`).

With the state (:data:`hlssim.model.state.BatchState`), the parameters in force
(:func:`hlssim.model.regime.parameters_in_force`) and the draws' offsets
(:func:`hlssim.model.draws.draw_offsets`), these are all :func:`hlssim.engines.batch.kernels.months`
takes, so a new parameter, state field or lever reaches compiled code without a new argument.
"""

from __future__ import annotations

from collections import namedtuple

from hlssim.model import rules as R
from hlssim.model.draws import ZIGGURAT
from hlssim.model.costs import (claim_check_cost, fixed_monthly_cost, reports_received_cost,
                                tender_cost)

#: What never changes in a run: the month's draws (each replication's SFC64 stream, the layout's
#: runs of one kind, the ziggurat's tables), the structure (caseloads, who works where), the
#: complexity's effects and scratch for the metrics.
World = namedtuple("World", [
    "streams", "kinds", "starts", "stops", "size", "width", "inside", "height", "zig_r",
    "zig_inv_r", "n_case", "provider_of", "person_provider", "provider_people", "provider_staff",
    "prior", "counts", "alpha", "lam", "shock_sd", "nominal_caseload", "tender_cost"])

#: What the regime in force means this month, worked out once per regime (MODEL.md 3-5).
Levers = namedtuple("Levers", [
    "pressure", "control", "autonomy", "pool_rate", "learning_step",
    "case_discussion", "fixed_cost", "reports_cost", "claim_cost"])


def world_of(model) -> World:
    """``model``'s (a :class:`~hlssim.engines.batch.model.BatchModel`) fixed world."""
    layout = model.layout
    width, inside, height, zig_r, zig_inv_r = ZIGGURAT
    return World(
        streams=model.streams, kinds=layout.kinds, starts=layout.starts, stops=layout.stops,
        size=layout.size, width=width, inside=inside, height=height, zig_r=zig_r,
        zig_inv_r=zig_inv_r, n_case=model.n_case, provider_of=model.provider_of,
        person_provider=model.person_provider, provider_people=model.provider_people,
        provider_staff=model.provider_staff, prior=model.prior, counts=model.counts,
        alpha=float(model.alpha), lam=float(model.lam), shock_sd=float(model.shock_sd),
        nominal_caseload=float(model.nominal_caseload),
        tender_cost=float(tender_cost(model.scenario)))


def levers_of(model) -> Levers:
    """The levers of the regime in force in ``model`` (``model.rp``, ``model.signals``)."""
    rp, sig = model.rp, model.signals
    return Levers(
        pressure=float(sig.pressure), control=float(sig.control), autonomy=float(sig.autonomy),
        pool_rate=float(sig.pool_rate),
        learning_step=float(R.learning_step_size(model.sp.learning_rate, rp.reflection_time)
                            * model.mech_learning),
        case_discussion=float(R.case_discussion_rate(sig.pool_rate, model.mech_learning)),
        fixed_cost=float(fixed_monthly_cost(model.scenario, model.regime)),
        reports_cost=float(reports_received_cost(model.scenario, model.regime)),
        claim_cost=float(claim_check_cost(model.regime)))
