"""The model's state, declared once: every field of a person, a worker, a provider, the
commissioner and the run, with its type, its starting value and what it means.

Both engines derive their state from :data:`FIELDS`:

- the Mesa agents set their starting values with :func:`start_agent` (and a worker's post starts
  again with :func:`start_agent` ``(..., on_hire=True)`` when someone new takes it);
- the batch engine allocates one array per field, shaped (replications, members, *axes), with
  :func:`allocate`, and hands them to its compiled months as one named tuple (:data:`BatchState`),
  so a compiled phase reads ``st.trust_wp[r, i]`` and a new field needs no new argument anywhere.

A field whose ``start`` is :data:`FROM_DRAWS` is set by each engine's set-up from the run's initial
draws (:func:`hlssim.model.draws.initial_draws`) or from other fields; its declaration still fixes
its name, owner, type and axes (``tests/test_state.py`` checks both engines against it).

A field marked ``batch_only`` is the batch engine's working memory for a month (the Mesa agents
keep the same values in local variables).

Imports: :mod:`hlssim.model.rules` (the starting values' constants).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from hlssim.model import rules as R

#: ``start`` of a field set up from the run's initial draws (or from other fields), not a constant.
FROM_DRAWS = "from the initial draws"
#: ``start`` of the commissioner's target: the regime's ``target_level``.
TARGET_LEVEL = "the regime's target_level"

#: Who holds a field, in the order the model's month visits them.
OWNERS = ("person", "worker", "provider", "commissioner", "run")
#: Extra axes a field may have, and the scenario's size of each.
AXES = {"approach": "n_approaches", "factor": "n_factors", "barrier": "n_barriers"}
_DTYPES = {float: np.float64, int: np.int64, bool: np.bool_}


@dataclass(frozen=True)
class Field:
    """One field of the model's state.

    ``owner``: one of :data:`OWNERS` (``commissioner`` and ``run`` fields have one value per run);
    ``kind``: float, int or bool; ``start``: the value every member starts with, or
    :data:`FROM_DRAWS` / :data:`TARGET_LEVEL`; ``axes``: extra axes (keys of :data:`AXES`);
    ``on_hire``: a worker's field that starts again when a new person takes the post.
    """

    name: str
    owner: str
    kind: type
    start: float | int | bool | str
    doc: str
    axes: tuple[str, ...] = ()
    on_hire: bool = False
    batch_only: bool = False

    @property
    def dtype(self):
        return _DTYPES[self.kind]

    @property
    def constant_start(self) -> bool:
        return self.start not in (FROM_DRAWS, TARGET_LEVEL)


def _f(name, owner, kind, start, doc, axes=(), on_hire=False, batch_only=False) -> Field:
    return Field(name, owner, kind, start, doc, tuple(axes), on_hire, batch_only)


FIELDS: tuple[Field, ...] = (
    # --- people (MODEL.md 1) ----------------------------------------------------------------------
    _f("base", "person", float, FROM_DRAWS, "the level each life factor drifts back to"),
    _f("factors", "person", float, FROM_DRAWS, "life factors (health, money, housing...), 0-1",
       axes=("factor",)),
    _f("profile", "person", int, FROM_DRAWS, "presenting situation, visible to workers"),
    _f("need", "person", int, FROM_DRAWS, "the approach that helps (hidden from workers)"),
    _f("external", "person", float, FROM_DRAWS, "outside forces on this person's outcome"),
    _f("exposed", "person", bool, FROM_DRAWS, "which system barriers this person meets",
       axes=("barrier",)),
    _f("belief", "person", float, FROM_DRAWS, "the worker's belief of each approach's fit for "
       "this person (belongs to the relationship)", axes=("approach",)),
    _f("trust_wp", "person", float, R.START_TRUST_WP, "trust between person and worker"),
    _f("failure_demand", "person", float, 0.0, "demand caused by failing to help before"),
    _f("wellbeing", "person", float, FROM_DRAWS, "wellbeing emerging from the life factors"),
    _f("observed", "person", float, FROM_DRAWS, "what the indicator observes of the outcome"),
    _f("reported_value", "person", float, FROM_DRAWS, "the value reported to the commissioner"),
    _f("planned_on", "person", float, FROM_DRAWS, "the observed value the month's plan used"),
    _f("effort", "person", float, 0.0, "the worker's effort for this person this month"),
    _f("approach", "person", int, 0, "the approach the worker chose this month"),
    _f("fit", "person", float, 1.0, "how well that approach fits the person's need"),
    _f("help", "person", float, 0.0, "the help that reached the person this month"),
    _f("focus", "person", float, 0.0, "share of help concentrated on the measured factor"),
    _f("park", "person", float, 1.0, "1 unless the person is parked (creaming), then less"),
    _f("speed", "person", float, 1.0, "speed of work (standardised approaches are faster)",
       batch_only=True),
    _f("knows", "person", bool, False, "whether the worker's best belief is the person's need",
       batch_only=True),
    # --- workers (MODEL.md 2-4) -------------------------------------------------------------------
    _f("knave", "worker", bool, FROM_DRAWS, "self-interested (a knave) rather than a knight",
       on_hire=True),
    _f("motivation", "worker", float, FROM_DRAWS, "intrinsic motivation, 0-1", on_hire=True),
    _f("gaming", "worker", float, 0.0, "gaming intensity this month"),
    _f("admin", "worker", float, 0.0, "share of time on administration this month"),
    _f("gaming_time", "worker", float, 0.0, "share of time spent gaming this month"),
    _f("direct", "worker", float, 0.0, "share of time in direct work this month"),
    _f("withheld", "worker", float, 0.0, "effort withheld against the ratchet this month"),
    _f("reported", "worker", int, 0, "people reported above the line this month"),
    _f("misreported", "worker", int, 0, "of which misreported this month"),
    _f("stress", "worker", float, R.NEW_STRESS, "stress, 0-1", on_hire=True),
    _f("trust_mw", "worker", float, R.NEW_TRUST_MW, "trust between manager and worker",
       on_hire=True),
    _f("knowledge", "worker", float, FROM_DRAWS, "general knowledge: fit of each approach for "
       "each situation", axes=("approach", "approach"), on_hire=True),
    _f("sanctioned", "worker", float, 0.0, "the provider's sanction felt this month",
       on_hire=True),
    _f("caught", "worker", float, 0.0, "1 if caught misreporting this month", on_hire=True),
    _f("futility", "worker", float, 0.0, "share of effort that did not fit", on_hire=True),
    _f("caseload_lift", "worker", float, 0.0,
       "the caseload's mean life lift this month (rules.life_lift)"),
    _f("neglect_found", "worker", bool, False, "a knave's neglect found this month",
       on_hire=True),
    _f("audited", "worker", bool, False, "audited this month (prepared for next month)",
       on_hire=True),
    _f("last_reported_share", "worker", float, 0.0, "share of the caseload reported last month",
       on_hire=True),
    _f("fd_sum", "worker", float, 0.0, "the caseload's failure demand this month",
       batch_only=True),
    _f("effort_w", "worker", float, 0.0, "the worker's effort level this month", batch_only=True),
    _f("allocating", "worker", float, 0.0, "share of effort allocated by the gamer's rule",
       batch_only=True),
    _f("explore_p", "worker", float, 0.0, "chance to try something new this month",
       batch_only=True),
    _f("focus_w", "worker", float, 0.0, "focus on the measured factor this month",
       batch_only=True),
    # --- providers (MODEL.md 3) -------------------------------------------------------------------
    _f("quality", "provider", float, FROM_DRAWS, "how much its help helps"),
    _f("culture", "provider", float, FROM_DRAWS, "how readily its staff game (0.5-1.5)"),
    _f("local", "provider", float, R.START_LOCAL, "outside forces in its area"),
    _f("trust_cp", "provider", float, R.START_TRUST_CP, "trust between commissioner and provider"),
    _f("reported_share", "provider", float, 0.0, "share of its people reported above the line"),
    _f("sanction", "provider", float, 0.0, "sanction for a shortfall this month"),
    _f("staff_caught", "provider", float, 0.0, "1 if any of its staff was caught this month"),
    _f("staff_neglect_found", "provider", float, 0.0,
       "1 if a knave's neglect was found among its staff this month"),
    _f("lost_tender", "provider", float, 0.0, "trust lost to competition this month"),
    _f("lives_lift", "provider", float, 0.0, "its people's mean life lift this month"),
    # --- the commissioner (MODEL.md 3, 6) ---------------------------------------------------------
    _f("target", "commissioner", float, TARGET_LEVEL, "the target share above the line"),
    _f("barriers", "commissioner", float, 1.0, "strength of each system barrier, 0-1",
       axes=("barrier",)),
    # --- the run's month --------------------------------------------------------------------------
    _f("leavers", "run", int, 0, "workers who left this month"),
    _f("tendered", "run", bool, False, "whether a contract was re-tendered this month"),
)

#: Every field by name.
BY_NAME = {f.name: f for f in FIELDS}
#: The batch engine's compiled months take the state as one of these (a field per member).
BatchState = namedtuple("BatchState", [f.name for f in FIELDS])


def fields_of(owner: str, *, batch: bool = True) -> tuple[Field, ...]:
    """The fields ``owner`` holds (without the batch engine's working memory if not ``batch``)."""
    return tuple(f for f in FIELDS if f.owner == owner and (batch or not f.batch_only))


def start_agent(agent, owner: str, *, on_hire: bool = False) -> None:
    """Set a Mesa agent's fields that start at a constant (only those that start again at a new
    hire, with ``on_hire``): attributes named as in :data:`FIELDS`, Python scalars."""
    for f in fields_of(owner, batch=False):
        if f.constant_start and not f.axes and (f.on_hire or not on_hire):
            setattr(agent, f.name, f.kind(f.start))


def allocate(n_reps: int, sizes: dict[str, int], target_level: float) -> dict[str, np.ndarray]:
    """Arrays for every field that starts at a constant (or at the target level), shaped
    (replications, members, *axes); ``sizes`` gives the members of each owner (``person``,
    ``worker``, ``provider``) and each axis (:data:`AXES` values)."""
    arrays = {}
    for f in FIELDS:
        if f.start == FROM_DRAWS:
            continue
        value = target_level if f.start == TARGET_LEVEL else f.start
        arrays[f.name] = np.full(shape_of(f, n_reps, sizes), value, dtype=f.dtype)
    return arrays


def shape_of(f: Field, n_reps: int, sizes: dict[str, int]) -> tuple[int, ...]:
    """The batch engine's shape of field ``f``."""
    members = (sizes[f.owner],) if f.owner in ("person", "worker", "provider") else ()
    return (n_reps, *members, *(sizes[AXES[a]] for a in f.axes))
