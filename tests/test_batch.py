"""The batch engine is the same model as the Mesa engine: equal tables, to the bit, for the same
seed. Each equality test names both engines ("mesa" and "batch"), so a change to either alone
fails it (the default engine is "batch": a test calling ``run`` twice would compare it with
itself)."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_invariants import scenarios

import hlssim
from hlssim import Scenario, preset_names


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Two tables equal to the bit (same columns, same values)."""
    assert list(a.columns) == list(b.columns)
    np.testing.assert_array_equal(b.to_numpy(float), a.to_numpy(float))


def assert_engines_equal(scenario: Scenario, seed: int) -> pd.DataFrame:
    """The Mesa engine's table and the batch engine's, each engine named, equal to the bit at
    every step; on failure, the first month and metrics that differ. Returns the table."""
    mesa = hlssim.run(scenario, seed=seed, engine="mesa")
    batch = hlssim.run(scenario, seed=seed, engine="batch")
    assert list(mesa.columns) == list(batch.columns)
    differ = mesa.to_numpy(float) != batch.to_numpy(float)
    if differ.any():
        row = int(np.flatnonzero(differ.any(axis=1))[0])
        names = [c for c, d in zip(mesa.columns, differ[row]) if d]
        pytest.fail(f"the engines part at month {row + 1} on {', '.join(names)}: mesa "
                    f"{mesa.iloc[row][names].tolist()}, batch {batch.iloc[row][names].tolist()}")
    return mesa


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_equal_at_every_step(preset):
    s = Scenario.from_preset(preset, n_people=80, n_workers=8, n_providers=3, steps=36,
                             retender_interval=12, target_ratchet=0.4, knave_share=0.3)
    assert_engines_equal(s, seed=21)


@pytest.mark.parametrize("first, then", [("npm_targets", "hls"), ("hls", "npm_pbr"), ("alliance", "npm_targets")])
def test_regime_switch_equal(first, then):
    s = Scenario.from_preset(first, n_people=70, n_workers=7, n_providers=2, steps=30, complexity=0.8,
                             switch_step=15, switch_to=then)
    assert_engines_equal(s, seed=4)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_scenarios_equal(scenario, seed):
    assert_engines_equal(scenario, seed)


@pytest.mark.parametrize("first, then", [("npm_targets", "hls"), ("hls", "npm_targets")])
def test_long_runs_equal_through_ratchet_tenders_knaves_and_a_switch(first, then):
    """240 months, switching at month 120 one way or the other, with knaves, the target ratchet
    and re-tendering in force under targets: the engines agree at every month. The run is checked
    to exercise each of these (else equality would say nothing about them)."""
    s = Scenario.from_preset(first, n_people=48, n_workers=6, n_providers=3, steps=240,
                             complexity=0.3, target_level=0.4, knave_share=0.3, switch_step=120,
                             switch_to=then)
    table = assert_engines_equal(s, seed=9)
    targets = table.iloc[:119] if first == "npm_targets" else table.iloc[120:]
    assert targets["target_current"].nunique() > 1  # the ratchet moved the target
    assert (targets["ratchet_withheld"] > 0).any()  # and effort was withheld above it
    assert (targets["provider_quality"].diff().fillna(0) != 0).any()  # a tender changed hands
    assert (table["neglect_share"] > 0).any()  # knaves neglected


def test_run_many_equals_single_runs():
    s = Scenario.from_preset("npm_pbr", n_people=60, n_workers=6, n_providers=2, steps=24, complexity=0.6)
    many = hlssim.run_many(s, seeds=[5, 17])
    assert list(many.columns[:2]) == ["replication", "step"]
    for rep, seed in enumerate([5, 17]):
        part = many[many["replication"] == rep].drop(columns="replication").reset_index(drop=True)
        assert_same(hlssim.run(s, seed=seed, engine="mesa"), part)
        assert_same(hlssim.run(s, seed=seed, engine="batch"), part)


def test_run_many_metrics_is_run_manys_table_as_an_array():
    """The array a sweep reads (replications, steps, metrics) holds exactly the table's values."""
    from hlssim.engines.registry import run_many_metrics
    from hlssim.model.metrics import METRIC_NAMES

    s = Scenario.from_preset("npm_targets", n_people=40, n_workers=4, n_providers=2, steps=9)
    values = run_many_metrics(s, seeds=[4, 2, 8])
    table = hlssim.run_many(s, seeds=[4, 2, 8])
    assert values.shape == (3, 9, len(METRIC_NAMES))
    np.testing.assert_array_equal(values.reshape(27, -1), table[list(METRIC_NAMES)].to_numpy())


def test_months_in_one_call_equal_months_one_at_a_time():
    """A run's months in as few compiled calls as it allows (one; two around a regime switch;
    more with a progress callback) give, to the bit, what one month at a time gives (the hybrid
    model steps month by month), and progress reaches the last month in order."""
    from hlssim.engines.batch.model import BatchModel

    s = Scenario.from_preset("hls", n_people=60, n_workers=6, n_providers=3, steps=30,
                             switch_step=11, switch_to="npm_pbr", retender_interval=4,
                             knave_share=0.3)
    whole = BatchModel(s, [2, 7]).run()
    stepped = BatchModel(s, [2, 7])
    for _ in range(s.steps):
        stepped.step()
    seen = []
    chunked = BatchModel(s, [2, 7]).run(progress=lambda done, total: seen.append((done, total)))
    pd.testing.assert_frame_equal(whole, stepped.table(), check_exact=True)
    pd.testing.assert_frame_equal(whole, chunked, check_exact=True)
    assert [d for d, _ in seen] == sorted(set(d for d, _ in seen)) and seen[-1] == (30, 30)


@pytest.mark.parametrize("from_step", [1, 2, 10, 11, 12, 29, 30])
def test_metrics_from_a_later_month_leave_every_month_after_unchanged(from_step):
    """Metrics worked out only from ``from_step`` on (what a sweep that reads the last year asks
    for): the rows from it on are the full run's to the bit (around a regime switch at 11, with
    turnover and tenders), the rows before are NaN (not worked out), with or without threads."""
    from hlssim.engines.registry import run_many_metrics

    s = Scenario.from_preset("hls", n_people=60, n_workers=6, n_providers=3, steps=30,
                             switch_step=11, switch_to="npm_pbr", retender_interval=4,
                             knave_share=0.3)
    full = run_many_metrics(s, [2, 7, 9, 4], threads=1)
    for threads in (1, 2):
        part = run_many_metrics(s, [2, 7, 9, 4], threads=threads, from_step=from_step)
        np.testing.assert_array_equal(part[:, from_step - 1:], full[:, from_step - 1:])
        assert np.isnan(part[:, :from_step - 1]).all()


def test_run_many_metrics_from_step_bad_input():
    from hlssim.engines.registry import run_many_metrics

    s = Scenario.from_preset("hls", n_people=20, n_workers=2, n_providers=1, steps=5)
    for bad in (0, 6, -1, 2.0, True, "3"):
        with pytest.raises(hlssim.HlssimError,
                           match=rf"from_step {bad!r}: expected a whole number from 1 to the "
                                 r"scenario's steps \(5\)"):
            run_many_metrics(s, [1], from_step=bad)


@pytest.mark.parametrize("threads", [2, 3])
def test_run_many_is_the_same_whatever_the_threads(threads):
    """Replications shared among threads give the one-thread table exactly, rows in seed order."""
    s = Scenario.from_preset("npm_pbr", n_people=40, n_workers=4, n_providers=2, steps=14,
                             retender_interval=6, knave_share=0.2)
    seeds = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9]
    one = hlssim.run_many(s, seeds=seeds, threads=1)
    many = hlssim.run_many(s, seeds=seeds, threads=threads)
    pd.testing.assert_frame_equal(one, many, check_exact=True)
    assert list(many["replication"].unique()) == list(range(len(seeds)))


def test_replication_threads_defaults_and_limits(monkeypatch):
    from hlssim.engines.registry import MIN_REPLICATIONS_PER_THREAD, replication_threads

    monkeypatch.delenv("HLSSIM_THREADS", raising=False)
    assert replication_threads(8, 100) == 8
    assert replication_threads(8, 2 * MIN_REPLICATIONS_PER_THREAD) == 2  # enough work per thread
    assert replication_threads(None, 1) == 1
    monkeypatch.setenv("HLSSIM_THREADS", "3")
    assert replication_threads(None, 100) == 3
    assert replication_threads(1, 100) == 1  # an explicit request beats the environment
    monkeypatch.setenv("HLSSIM_THREADS", "lots")
    with pytest.raises(hlssim.HlssimError, match="HLSSIM_THREADS 'lots': expected a whole number"):
        replication_threads(None, 100)
    for bad in (0, -2, 1.5, "x", True):
        with pytest.raises(hlssim.HlssimError, match=f"threads {bad!r}: expected a whole number"):
            replication_threads(bad, 100)


def test_one_thread_inside_a_dask_worker(monkeypatch):
    """A sweep's parallelism is its Dask workers: run_many does not add threads inside one."""
    import distributed

    from hlssim.engines.registry import replication_threads

    monkeypatch.delenv("HLSSIM_THREADS", raising=False)
    monkeypatch.setattr(distributed, "get_worker", lambda: object())
    assert replication_threads(None, 100) == 1


def test_run_many_bad_input():
    s = Scenario.from_preset("hls", n_people=20, n_workers=2, n_providers=1, steps=2)
    with pytest.raises(hlssim.HlssimError, match="seeds is empty"):
        hlssim.run_many(s, seeds=[])
    with pytest.raises(hlssim.HlssimError, match="seed -1"):
        hlssim.run_many(s, seeds=[1, -1])


def test_compare_gives_the_same_results_on_either_engine():
    from hlssim.experiments.comparison import compare

    scenarios = {p: Scenario.from_preset(p, n_people=40, n_workers=4, n_providers=2, steps=10)
                 for p in ("npm_targets", "hls")}
    a = compare(scenarios, 3, seed=8, engine="mesa")
    b = compare(scenarios, 3, seed=8, engine="batch")
    assert_same(a.trajectories.drop(columns="regime"), b.trajectories.drop(columns="regime"))
    assert list(a.trajectories["regime"]) == list(b.trajectories["regime"])


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), reps=st.integers(1, 3), q=st.sampled_from([0, 10, 25, 50, 90, 100]),
       seed=st.integers(0, 2**32 - 1), ties=st.booleans())
def test_compiled_percentile_is_numpys_bit_for_bit(n, reps, q, seed, ties):
    from hlssim.model.metrics import _percentile

    values = np.random.default_rng(seed).random((reps, n))
    if ties:
        values = np.round(values, 1)
    np.testing.assert_array_equal(_percentile(values, q), np.percentile(values, q, axis=1))



@settings(max_examples=60, deadline=None)
@given(n=st.one_of(st.integers(1, 300), st.integers(301, 70_000)), seed=st.integers(0, 2**32 - 1),
       spread=st.floats(0, 12))
def test_compiled_row_mean_is_numpys_bit_for_bit(n, seed, spread):
    """The metrics' means over workers, providers and barriers (compiled, :func:`_mean`) add in
    numpy's pairwise order: the same bits as ``x.mean()``, blocks, halves and remainders alike."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) * 10 ** rng.uniform(-spread, spread, n)
    assert _compiled_mean()(x) == x.mean()


@functools.cache
def _compiled_mean():
    import numba

    from hlssim.model import compiled, metrics
    from hlssim.model.metrics import _mean

    compiled.register_module(metrics, metrics.COMPILED_ROW_FUNCTIONS)

    return numba.njit(lambda v: _mean(v))

# --- the random stream both engines read (hlssim.model.draws) -------------------------------------------

def _fill(seed: int, kinds: list[tuple[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Draw runs of the given (kind, length) from the stream of ``make_rng(seed)``: the block and
    the stream's state after."""
    from hlssim.model.draws import (
        _ZIGGURAT,
        _ZIGGURAT_INV_R,
        _ZIGGURAT_R,
        DRAW_KINDS,
        StepLayout,
        make_rng,
        stream_state,
    )
    from hlssim.model.stream import fill_step_blocks

    stops = np.cumsum([n for _, n in kinds])
    layout = StepLayout(int(stops[-1]), {}, np.array([DRAW_KINDS[k] for k, _ in kinds]),
                        np.concatenate([[0], stops[:-1]]).astype(np.int64), stops.astype(np.int64))
    state = stream_state(make_rng(seed))[None]
    block = np.empty((1, layout.size))
    fill_step_blocks(state, block, layout.kinds, layout.starts, layout.stops, *_ZIGGURAT,
                     _ZIGGURAT_R, _ZIGGURAT_INV_R)
    return block[0], state[0]


def test_the_compiled_stream_is_numpys_sfc64_word_for_word():
    """Steps continue the run's own generator: the compiled SFC64 step gives the very words numpy's
    SFC64 gives next, and a run of uniforms uses them as documented (two 32-bit halves a word)."""
    from hlssim.model.draws import make_rng

    block, state = _fill(99, [("uniform", 2001)])
    words = make_rng(99).bit_generator.random_raw(1001)
    halves = words.astype("<u8").view("<u4")[:2001]  # low half first
    np.testing.assert_array_equal(block, halves * 2.0**-32)
    after = make_rng(99)
    after.bit_generator.random_raw(1001)
    np.testing.assert_array_equal(state, after.bit_generator.state["state"]["state"])


def test_compiled_ziggurat_gives_standard_normals():
    """The ziggurat made from the stream's words is N(0, 1): Kolmogorov-Smirnov over 400,000
    draws, and the share beyond the tail's start and beyond 3 matches the normal's (a wrong table,
    layer or sign shows up in one of these); the exact tail beyond r is normal too."""
    from scipy import stats

    from hlssim.model.draws import _ZIGGURAT_R

    x, _ = _fill(2024, [("normal", 400_000)])
    assert stats.kstest(x, "norm").pvalue > 1e-3
    assert abs(x.mean()) < 5 / np.sqrt(x.size) and abs(x.var() - 1) < 0.01
    for cut in (1.0, 3.0, _ZIGGURAT_R):
        p = 2 * stats.norm.sf(cut)
        assert abs((np.abs(x) > cut).mean() - p) < 5 * np.sqrt(p / x.size)
    assert (x > 0).mean() == pytest.approx(0.5, abs=5 / np.sqrt(x.size))
    beyond = np.abs(x[np.abs(x) > 2.5])
    assert stats.kstest(beyond, lambda v: 1 - stats.norm.sf(v) / stats.norm.sf(2.5)).pvalue > 1e-3


def test_uniforms_are_32_bit_and_noise_has_unit_variance():
    from scipy import stats

    block, _ = _fill(3, [("uniform", 200_001), ("noise", 100_000)])
    u, e = block[:200_001], block[200_001:]
    assert u.min() >= 0.0 and u.max() < 1.0
    np.testing.assert_array_equal(u * 2.0**32, np.floor(u * 2.0**32))  # k / 2**32
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    assert np.unique(u).size > 0.99 * u.size
    half_width = np.sqrt(3.0)
    assert stats.kstest(e, "uniform", args=(-half_width, 2 * half_width)).pvalue > 1e-3
    assert abs(e.mean()) < 0.02 and abs(e.var() - 1) < 0.02


def test_step_draws_one_seed_one_result():
    from hlssim.model.draws import make_rng, step_draws, stream_state

    a, b = (step_draws(stream_state(make_rng(11)), 300, 15, 3) for _ in range(2))
    c = step_draws(stream_state(make_rng(12)), 300, 15, 3)
    for name, value in vars(a).items():
        np.testing.assert_array_equal(value, getattr(b, name))
    assert not np.array_equal(a.shock, c.shock)


def test_step_draws_advance_the_stream():
    """Each step takes fresh words from the stream: two steps from one state differ."""
    from hlssim.model.draws import make_rng, step_draws, stream_state

    state = stream_state(make_rng(5))
    first, second = step_draws(state, 50, 5, 2), step_draws(state, 50, 5, 2)
    assert not np.array_equal(first.shock, second.shock)
