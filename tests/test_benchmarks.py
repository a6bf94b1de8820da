"""The benchmark code's logic on tiny inputs: statistics, verdicts, the files it writes.

No test here asserts how fast anything is: that is what the benchmarks report, not what the
suite checks.
"""

from __future__ import annotations

import dataclasses

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import (
    core,
    grading,
    grokking,
    notebooks,
    report,
    run,
    testsuite,
    torch_reference,
    widgets,
)
from benchmarks.core import Figure, Goal, Settings, at_least, at_most

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def quiet(**kwargs) -> Settings:
    return Settings(verbose=False, **kwargs)


# ---------------------------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------------------------


def test_summary_of_known_samples() -> None:
    summary = core.summarise([3.0, 1.0, 2.0, 10.0])
    assert (summary.median, summary.min, summary.max, summary.n) == (2.5, 1.0, 10.0, 4)
    assert summary.p95 == pytest.approx(3.0 + 0.85 * 7.0)  # between the two largest


def test_summary_of_one_sample_is_that_sample() -> None:
    summary = core.summarise([0.25])
    assert summary.median == summary.min == summary.max == summary.p95 == 0.25


@pytest.mark.parametrize("samples", [[], [1.0, math.nan], [math.inf]])
def test_summary_refuses_empty_or_non_finite_samples(samples: list[float]) -> None:
    with pytest.raises(ValueError):
        core.summarise(samples)


@given(st.lists(finite, min_size=1, max_size=40))
def test_summary_orders_its_statistics(samples: list[float]) -> None:
    s = core.summarise(samples)
    assert s.min <= s.median <= s.p95 <= s.max
    assert s.min == min(samples) and s.max == max(samples)


@given(st.lists(finite, min_size=1, max_size=40), st.randoms())
def test_summary_ignores_the_order_of_samples(samples: list[float], rng) -> None:
    shuffled = list(samples)
    rng.shuffle(shuffled)
    assert core.summarise(shuffled) == core.summarise(samples)


def test_ratios_pair_measurements_and_refuse_unequal_counts() -> None:
    assert core.ratios([1.0, 3.0], [2.0, 4.0]) == [0.5, 0.75]
    with pytest.raises(ValueError):
        core.ratios([1.0], [1.0, 2.0])


def test_paired_times_alternate_the_order() -> None:
    calls: list[str] = []

    def first() -> float:
        calls.append("a")
        return 1.0

    def second() -> float:
        calls.append("b")
        return 2.0

    a, b = core.paired_times(first, second, 4)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert a == [1.0] * 4 and b == [2.0] * 4


def test_time_per_call_divides_a_block_by_its_calls() -> None:
    ticks = iter([10.0, 16.0])
    count = []
    seconds = core.time_per_call(lambda: count.append(1), 3, clock=lambda: next(ticks))
    assert seconds == 2.0 and len(count) == 3
    with pytest.raises(ValueError):
        core.time_per_call(lambda: None, 0)


def test_settings_repeats() -> None:
    assert quiet().count(5) == 5
    assert quiet(quick=True).count(5, quick=2) == 2
    assert quiet(quick=True, repeats=7).count(5) == 7


# ---------------------------------------------------------------------------------------------
# Goals, verdicts, figures
# ---------------------------------------------------------------------------------------------


def test_goal_bounds_count_as_met() -> None:
    assert at_most(60, "s").met_by(60) and not at_most(60, "s").met_by(60.01)
    assert at_least(70, "%").met_by(70) and not at_least(70, "%").met_by(69.9)
    assert at_most(0.5, "×").text() == "≤ 0.5 ×" and at_least(70, "%").text() == "≥ 70 %"
    with pytest.raises(ValueError):
        Goal("<", 1.0, "s")


def test_verdict_is_judged_on_the_median() -> None:
    goal = at_most(3.0, "s")
    # two of three runs are slow: the median misses although the fastest run meets the goal
    assert Figure("g", "x", "s", samples=[1.0, 4.0, 5.0], goal=goal).verdict == "misses"
    assert Figure("g", "x", "s", samples=[1.0, 2.0, 50.0], goal=goal).verdict == "meets"
    assert Figure("g", "x", "s", samples=[1.0]).verdict == "no goal"
    assert Figure("g", "x", "s", goal=goal).verdict == "not measured"
    assert Figure("g", "x", "s", goal=goal, forced_verdict="misses").verdict == "misses"


def test_figure_json_has_every_key_and_survives_a_round_trip() -> None:
    figure = Figure("g", "x", "ms", samples=[2.0, 1.0, 3.0], goal=at_most(2.5, "ms"),
                    note="n", details={"threads": 1}, show_p95=True)
    entry = figure.to_json()
    assert tuple(entry) == report.FIGURE_KEYS
    assert (entry["median"], entry["min"], entry["max"], entry["n"]) == (2.0, 1.0, 3.0, 3)
    assert entry["compared_with"] == "goal ≤ 2.5 ms" and entry["verdict"] == "meets"
    assert Figure.from_json(json.loads(json.dumps(entry))).to_json() == entry


def test_a_figure_not_measured_has_no_statistics() -> None:
    entry = core.not_measured("g", "x", "s", "module missing").to_json()
    assert entry["median"] is entry["min"] is entry["max"] is None
    assert entry["n"] == 0 and entry["verdict"] == "not measured"
    assert entry["note"] == "module missing"


@pytest.mark.parametrize("value, text", [
    (None, "–"), (math.nan, "–"), (0, "0"), (13.27, "13.3"), (0.011507, "0.0115"),
    (27.0, "27.0"), (1234.5, "1234"), (2.5e-6, "2.50e-06"), (181_000_000.0, "1.81e+08"),
])
def test_format_number(value, text: str) -> None:
    assert core.format_number(value) == text


# ---------------------------------------------------------------------------------------------
# results.json and RESULTS.md
# ---------------------------------------------------------------------------------------------

MACHINE = {"cores": 2, "usable_cores": 2, "cpu": "Test CPU", "platform": "test",
           "python": "3.11", "numpy": "2.0", "nbgrader": "0.9", "torch": None,
           "blas": [{"internal_api": "openblas", "version": "0.3", "num_threads": 2}],
           "thread_variables": {},
           "load_average": [0.1, 0.2, 0.3]}
GROUP_INFO = {"alpha": {"title": "Alpha things", "description": "What alpha measures."},
              "beta": {"title": "Beta things", "description": "What beta measures."}}


def sample_document(**changes) -> dict:
    figures = [
        Figure("alpha", "fast one", "s", samples=[1.0, 2.0, 3.0], goal=at_most(5, "s"),
               note="all good"),
        Figure("alpha", "slow one", "s", samples=[8.0, 9.0, 10.0], goal=at_most(5, "s"),
               note="because the cells | are slow"),
        Figure("beta", "latency", "ms", samples=[1.0, 2.0], goal=at_most(50, "ms"),
               show_p95=True),
        core.not_measured("beta", "torch step", "ms", "PyTorch not installed"),
    ]
    arguments = dict(machine=MACHINE, settings={"quick": False, "command": "bench"},
                     groups=GROUP_INFO, date="2026-01-02T03:04:05")
    arguments.update(changes)
    return report.results_document(figures, **arguments)


def test_a_document_validates_and_round_trips(tmp_path: Path) -> None:
    document = sample_document()
    assert report.validate(document) == []
    report.write_json(document, tmp_path / "results.json")
    assert report.read_json(tmp_path / "results.json") == document


def test_validation_catches_malformed_documents() -> None:
    document = sample_document()
    del document["figures"][0]["unit"]
    document["figures"][1]["verdict"] = "great"
    document["figures"][2]["n"] = 5
    document["figures"].append(dict(document["figures"][3]))
    problems = "\n".join(report.validate(document))
    for expected in ("missing ['unit']", "unknown verdict", "n = 5 but 2 samples", "duplicate"):
        assert expected in problems
    assert report.validate({"schema": 1}) != []


def test_an_unreadable_previous_file_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    assert report.read_json(path) is None
    path.write_text("{not json")
    assert report.read_json(path) is None


def test_markdown_shows_the_machine_every_figure_and_why_goals_are_missed() -> None:
    text = report.render_markdown(sample_document())
    assert "**Cores:** 2" in text and "2026-01-02 03:04:05" in text
    assert "PyTorch not installed" in text
    assert "## Alpha things" in text and "What beta measures." in text
    assert "| fast one | 2.00 s | 1.00 s | 3.00 s | 3 | goal ≤ 5 s | meets |" in text
    # p95 appears only in the group that asks for it
    assert "| latency | 1.50 ms | 1.00 ms | 2.00 ms | 1.95 ms | 2 |" in text
    alpha_table = text.split("## Alpha things")[1].split("## Beta things")[0]
    assert "p95" not in alpha_table
    missed = text.split("## Goals missed, and why")[1]
    assert "**slow one**" in missed and "median 9.00 s against the goal ≤ 5 s" in missed
    assert "- **slow one:** because the cells | are slow" in text  # notes are a list
    assert "fast one" not in missed
    assert "## Not measured" in text and "PyTorch not installed" in text.split("## Not measured")[1]


def test_markdown_names_the_thread_settings() -> None:
    assert "library defaults" in report.render_markdown(sample_document())
    pinned = sample_document(machine={**MACHINE, "thread_variables": {"OMP_NUM_THREADS": "1"}})
    assert "`OMP_NUM_THREADS=1`" in report.render_markdown(pinned)


def test_markdown_warns_about_a_busy_machine_and_a_quick_run() -> None:
    calm = report.render_markdown(sample_document())
    assert "busy" not in calm and "quick run" not in calm
    busy = sample_document(machine={**MACHINE, "load_average": [5.0, 5.0, 5.0]},
                           settings={"quick": True, "command": "bench --quick"})
    text = report.render_markdown(busy)
    assert "The machine was busy" in text and "This was a quick run" in text


def test_a_table_cell_never_breaks_the_table() -> None:
    entry = Figure("g", "a | b", "s", samples=[1.0], compared_with="x\ny").to_json()
    row = report.figure_row(entry, with_p95=False)
    assert "a \\| b" in row and "\n" not in row
    assert row.count(" | ") == 6  # seven cells: figure, median, min, max, n, compared, verdict


def test_figures_of_groups_not_measured_are_carried_over() -> None:
    previous = sample_document()
    kept = report.carried_over(previous, measured_groups=["alpha"], known_groups=["alpha", "beta"])
    assert [f.name for f in kept] == ["latency", "torch step"]
    assert kept[1].verdict == "not measured"
    assert report.carried_over(previous, ["alpha"], ["alpha"]) == []
    assert report.carried_over(None, [], ["alpha"]) == []


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------


def test_command_line_options() -> None:
    args = run.parse_args(["--quick", "--only", "grokking", "--only", "widgets"])
    assert args.quick and args.only == ["grokking", "widgets"]
    assert run.selected_groups(args.only, args.quick) == ["grokking", "widgets"]
    assert "tests" not in run.selected_groups(None, quick=True)
    assert run.selected_groups(None, quick=False) == list(run.GROUPS)
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "nonsense"])
    with pytest.raises(SystemExit):
        run.parse_args(["--repeats", "0"])


def test_groups_without_figures_get_a_placeholder() -> None:
    figures = run.placeholders(["notebooks", "grokking", "widgets"], quick=True)
    assert [f.group for f in figures] == ["grading", "tests"]
    assert "--quick" in figures[1].note and "--quick" not in figures[0].note
    assert all(f.verdict == "not measured" for f in figures)


def test_every_group_module_describes_itself() -> None:
    assert list(run.GROUPS) == ["notebooks", "grokking", "widgets", "grading", "tests"]
    for name, module in run.GROUPS.items():
        assert module.GROUP == name and module.TITLE and module.DESCRIPTION
        assert callable(module.run)


def test_a_quick_widget_run_writes_valid_results(tmp_path: Path, monkeypatch) -> None:
    """Smoke run of one cheap group through the command line, with a tiny registry."""
    cheap = [case for case in widgets.REGISTRY if case.lesson == "00"]
    cheap.append(widgets.WidgetCase("99", "missing demo", "phaselab.widgets.no_such_demo",
                                    "view", lambda _: {"x": [1, 2]}))
    monkeypatch.setattr(widgets, "REGISTRY", tuple(cheap))
    previous = sample_document(groups={**GROUP_INFO, **{n: {"title": m.TITLE,
                                                            "description": m.DESCRIPTION}
                                                        for n, m in run.GROUPS.items()}})
    previous["figures"].append(Figure("grading", "old grading figure", "s",
                                      samples=[1.0]).to_json())
    report.write_json(previous, tmp_path / "results.json")

    assert run.main(["--quick", "--quiet", "--only", "widgets", "--output", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "results.json").read_text())
    assert report.validate(document) == []
    by_name = {f["name"]: f for f in document["figures"]}
    demo = by_name["lesson 00 power-law demo: `powerlaw_view`"]
    assert demo["n"] == widgets.QUICK_SETTINGS_PER_WIDGET and demo["unit"] == "ms"
    assert demo["verdict"] in ("meets", "misses") and demo["show_p95"]
    missing = by_name["lesson 99 missing demo: `view`"]
    assert missing["verdict"] == "not measured" and "not available" in missing["note"]
    assert "old grading figure" in by_name  # another group's figure, carried over
    assert not {"fast one", "latency"} & set(by_name)  # groups that no longer exist are dropped
    assert document["settings"]["groups_measured"] == ["widgets"]
    never = by_name["notebooks (whole group)"]  # no earlier figure to carry over
    assert never["verdict"] == "not measured" and "--only" in never["note"]
    assert document["machine"]["cores"] >= 1
    text = (tmp_path / "RESULTS.md").read_text()
    assert "## Widget callbacks" in text and "powerlaw_view" in text


# ---------------------------------------------------------------------------------------------
# Widgets
# ---------------------------------------------------------------------------------------------


def test_slider_moves_change_one_control_at_a_time_to_a_new_value() -> None:
    import ipywidgets

    controls = {"x": ipywidgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.25),
                "kind": ipywidgets.Dropdown(options=["a", "b"], value="a"),
                "log": ipywidgets.Checkbox(value=False)}
    moves = widgets.slider_moves(controls, 9, seed=1)
    assert [name for name, _ in moves] == ["kind", "log", "x"] * 3
    current = {name: c.value for name, c in controls.items()}
    for name, value in moves:
        assert value != current[name]
        current[name] = value
    assert all(v in (0.0, 0.25, 0.5, 0.75, 1.0) for n, v in moves if n == "x")
    assert moves == widgets.slider_moves(controls, 9, seed=1)


def test_a_redraw_is_timed_on_the_real_widget() -> None:
    case = next(c for c in widgets.REGISTRY if c.lesson == "00")
    figure = widgets.measure_redraw(case, 2)
    assert figure.name == case.redraw_name and figure.unit == "ms"
    assert len(figure.samples) == 2 and all(s > 0 for s in figure.samples)
    assert figure.details["controls"] == ["exponent", "floor", "scale"]
    assert widgets.measure_redraw(dataclasses.replace(case, builder=None), 2) is None


def test_settings_are_sampled_deterministically_and_only_where_valid() -> None:
    controls = {"a": [1, 2, 3, 4], "b": ["x", "y", "z"]}
    drawn = widgets.sample_settings(controls, 5, seed=3)
    assert drawn == widgets.sample_settings(controls, 5, seed=3)
    assert len(drawn) == 5 and len({tuple(d.items()) for d in drawn}) == 5
    assert all(d["a"] in controls["a"] and d["b"] in controls["b"] for d in drawn)
    everything = widgets.sample_settings(controls, 100)
    assert len(everything) == 12
    odd = widgets.sample_settings(controls, 100, valid=lambda s: s["a"] % 2 == 1)
    assert len(odd) == 6 and all(s["a"] % 2 == 1 for s in odd)


def test_slider_spans_include_both_ends() -> None:
    assert widgets._span(0.0, 1.0, 0.25) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert widgets._log_span(-1.0, 1.0, 1.0) == pytest.approx([0.1, 1.0, 10.0])


def test_time_settings_calls_with_context_and_each_setting() -> None:
    seen = []
    ticks = iter([0.0, 0.002, 1.0, 1.005])
    latencies = widgets.time_settings(lambda ctx, x: seen.append((ctx, x)), ("data",),
                                      [{"x": 1}, {"x": 2}], clock=lambda: next(ticks))
    assert seen == [("data", 1), ("data", 2)]
    assert latencies == pytest.approx([2.0, 5.0])


def test_a_failing_demo_is_reported_not_raised() -> None:
    def broken() -> tuple:
        raise FileNotFoundError("data/missing.csv")

    case = widgets.WidgetCase("98", "broken", "phaselab.widgets.powerlaw", "powerlaw_view",
                              lambda _: {"exponent": [0.3]}, context=broken)
    figure = widgets.measure(case, 3)
    assert figure.verdict == "not measured" and "missing.csv" in figure.note


def test_every_demo_module_is_registered() -> None:
    assert widgets.unregistered(widgets.REGISTRY) == []
    without_powerlaw = [c for c in widgets.REGISTRY if c.module != "phaselab.widgets.powerlaw"]
    assert widgets.unregistered(without_powerlaw) == ["phaselab.widgets.powerlaw"]
    assert len({case.name for case in widgets.REGISTRY}) == len(widgets.REGISTRY)


# ---------------------------------------------------------------------------------------------
# Grokking
# ---------------------------------------------------------------------------------------------


def test_step_gemm_flops_by_hand() -> None:
    gemms = grokking.step_gemms(p=5, d=3, hidden=4, n=7)
    assert len(gemms) == 9
    # forward: 2 products of p·d·H and 1 of n·H·p; backward: 2 of n·H·p and 4 of p·d·H
    expected = 3 * (2 * 7 * 4 * 5) + 6 * (2 * 5 * 3 * 4)
    assert grokking.gemm_flops(gemms) == expected


def test_the_step_gemms_match_the_shapes_of_the_real_step() -> None:
    """Every replayed product has the shape of an array the real step computes."""
    from phaselab import grokking as model

    config = model.FAST.replace(p=7, d_embed=4, d_hidden=6)
    stepper = grokking.NumpyStepper(config)
    stepper()
    ws = stepper.workspace
    shapes = {ws.logits.shape, ws.scratch.shape, ws.dleft.shape,
              *((v.shape for v in ws.grads.values())),
              (config.p, config.d_hidden), (config.d_embed, config.d_hidden)}
    replay = grokking.GemmReplay(stepper.gemms)
    replay()
    for (a, b, out), gemm in zip(replay.operands, stepper.gemms, strict=True):
        assert out.shape == (gemm.m, gemm.n) and a.shape == (gemm.m, gemm.k)
        assert b.shape == (gemm.k, gemm.n)
        assert out.shape in shapes, f"{gemm.label} makes {out.shape}, unlike the real step"
        np.testing.assert_allclose(out, a @ b, rtol=1e-4, atol=1e-4)
    assert replay.flops == grokking.gemm_flops(stepper.gemms)


def test_time_to_grok_stops_at_the_threshold() -> None:
    from phaselab import grokking as model

    tiny = model.GrokConfig(p=5, d_embed=4, d_hidden=8, steps=4, eval_every=2)
    reached = grokking.time_to_grok(tiny, threshold=0.0)
    assert reached.step == 0 and reached.seconds is not None and reached.seconds >= 0
    never = grokking.time_to_grok(tiny, threshold=1.5)
    assert never.seconds is None and never.step is None and never.elapsed > 0


def test_a_run_that_never_groks_misses_its_goal(monkeypatch) -> None:
    from phaselab import grokking as model

    monkeypatch.setattr(grokking, "time_to_grok",
                        lambda config: grokking.GrokTime(None, None, 1.0))
    figure = grokking.grok_figure("t", model.FAST, grokking.GROK_FAST_GOAL, 2, None, quiet())
    assert figure.verdict == "misses" and figure.summary is None
    assert "never reached 95 %" in figure.note


def test_square_gemm_is_timed_once_per_repeat() -> None:
    seconds = grokking.square_gemm_seconds(16, threads=1, repeats=3)
    assert len(seconds) == 3 and all(s > 0 for s in seconds)


@pytest.mark.skipif(not torch_reference.available(), reason="PyTorch is optional, not installed")
def test_the_pytorch_reference_follows_the_numpy_trajectory() -> None:
    from phaselab import grokking as model

    config = model.FAST.replace(p=11, d_embed=8, d_hidden=16)
    numpy_step = grokking.NumpyStepper(config)
    trainer = torch_reference.TorchTrainer(
        numpy_step.initial, numpy_step.train_set, lr=config.lr, betas=config.betas,
        eps=config.eps, weight_decay=config.weight_decay)
    assert trainer.loss() == pytest.approx(numpy_step.gradients().loss, rel=1e-5)
    for _ in range(4):
        assert trainer.step() == pytest.approx(numpy_step(), rel=1e-5)
    params = torch_reference.model_params(trainer.model)
    for name, value in numpy_step.params.items():
        np.testing.assert_allclose(params[name], value, rtol=1e-3, atol=1e-5, err_msg=name)


def test_step_figures_without_pytorch_say_so(monkeypatch) -> None:
    from phaselab import grokking as model

    monkeypatch.setattr(torch_reference, "available", lambda: False)
    config = model.FAST.replace(p=7, d_embed=4, d_hidden=8)
    monkeypatch.setattr(grokking, "STEPS_PER_BLOCK", 2)
    figures = {f.name.split(": ", 1)[1]: f for f in grokking.step_figures("t", config, 2, quiet())}
    assert figures["numpy step"].summary.n == 2
    for name in ("PyTorch step", "numpy / PyTorch step time"):
        assert figures[name].verdict == "not measured"
        assert "PyTorch not installed" in figures[name].note
    share = figures["share of the matmul peak"]
    assert share.goal == grokking.PEAK_SHARE_GOAL and share.summary.n == 2
    assert share.details["matmul_flops_per_step"] == grokking.gemm_flops(
        grokking.step_gemms(7, 4, 8, round(0.5 * 49)))


# ---------------------------------------------------------------------------------------------
# Notebooks, grading, test suite
# ---------------------------------------------------------------------------------------------


def test_cell_durations_come_from_the_recorded_timing() -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    timed = nbformat.v4.new_code_cell("# set-up\nx = slow()\n")
    timed.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:01.000Z",
                                   "shell.execute_reply": "2026-01-01T00:00:03.500Z"}
    notebook.cells = [nbformat.v4.new_markdown_cell("text"), timed,
                      nbformat.v4.new_code_cell("never run")]
    assert notebooks.cell_durations(notebook) == [(1, 2.5, "x = slow()")]


def test_cell_labels_skip_guards_imports_and_comments() -> None:
    assert notebooks.cell_label("# demo\nif run_demos():\n    fig = draw()\n") == "fig = draw()"
    assert notebooks.cell_label("import math\nfrom x import y\n") == "import math"
    assert notebooks.cell_label("") == ""
    long = notebooks.cell_label("x = " + "1" * 100, width=20)
    assert len(long) == 20 and long.endswith("…")


@pytest.mark.slow
def test_a_tiny_notebook_is_executed_in_a_fresh_kernel(tmp_path: Path) -> None:
    import nbformat

    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os\nmode = os.environ.get('NBGRADER_EXECUTION')"),
        nbformat.v4.new_code_cell("assert mode is None, mode")]), str(good))
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("raise ValueError('boom')")]), str(bad))
    with core.environment(NBGRADER_EXECUTION="autograde"):  # must not reach the kernel
        ran = notebooks.execute(good)
    assert ran.error is None and len(ran.cells) == 2 and ran.seconds >= ran.cell_seconds
    failed = notebooks.execute(bad)
    assert failed.error is not None and "boom" in failed.error


def test_the_class_is_dealt_evenly_to_workers() -> None:
    groups = grading.split_class([f"s{k}" for k in range(5)], 2)
    assert groups == [["s0", "s2", "s4"], ["s1", "s3"]]
    assert grading.split_class(["s0"], 3) == [["s0"]]
    with pytest.raises(ValueError):
        grading.split_class(["s0"], 0)


def test_why_grading_is_slow_splits_start_up_and_submissions() -> None:
    runs = [grading.Timing(1, 4, 12.0, 4.0, 2.0), grading.Timing(1, 4, 14.0, 6.0, 2.0)]
    assert runs[0].per_submission == 3.0
    text = grading.why_slow(runs)
    assert "start-up, 5.00 s per worker, adds 1.25 s to each submission" in text
    assert "each submission takes 2.00 s on its own" in text
    # two workers with two students each: each worker's start-up is shared by two
    assert "adds 2.50 s" in grading.why_slow([grading.Timing(2, 4, 9.0, 5.0, None)])
    assert grading.why_slow([grading.Timing(2, 4, 9.0, None, None)]) == ""
    assert grading.plural(1, "lesson") == "1 lesson" and grading.plural(3, "run") == "3 runs"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["api", "plain nbgrader"])
def test_grading_a_tiny_class_for_real(backend: str, tmp_path: Path, monkeypatch) -> None:
    """Smoke run of the grading group: one lesson, tiny classes, one repeat."""
    from autograde.course import assignments

    if backend == "api" and grading.grading_api() is None:
        pytest.skip("the grading command offers no timing API")
    if backend != "api":
        monkeypatch.setattr(grading, "grading_api", lambda: None)
    lesson = assignments()[0]
    figures = grading.run(quiet(quick=True, workdir=tmp_path), lessons=[lesson])
    by_name = {f.name: f for f in figures}
    assert all(f.verdict != "not measured" for f in figures), [f.note for f in figures]
    assert by_name[f"lesson {lesson}: per submission, 1 worker"].summary.n == 1
    assert by_name["class: per submission, 1 worker"].goal == grading.SUBMISSION_GOAL
    assert by_name["class: parallel speed-up"].summary.median > 0
    assert "nbgrader start-up of one `autograde` run" in by_name


def test_pytest_summary_lines_are_counted() -> None:
    output = "....\n===== 12 passed, 2 skipped, 1 error, 3 deselected in 4.56s =====\n"
    assert testsuite.outcome_counts(output) == {"passed": 12, "skipped": 2, "errors": 1,
                                                "deselected": 3}
    assert testsuite.outcome_counts("12 passed in 1.0s\n1 failed, 3 passed in 2.0s") == {
        "failed": 1, "passed": 3}
    assert testsuite.outcome_counts("no summary") == {}


def test_the_test_suite_figure_times_pytest(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "test_tiny.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # a bare pytest starts faster
    figure = testsuite.pytest_figure("tiny", ["-q", "-p", "no:cacheprovider", "test_tiny.py"],
                                     tmp_path, 1, quiet())
    assert figure.summary.n == 1 and figure.details["outcome"] == {"passed": 1}
    assert figure.details["exit_code"] == 0 and "1 passed" in figure.note


def test_the_whole_suite_runs_the_pytest_command_of_make_test(tmp_path: Path) -> None:
    makefile = tmp_path / "Makefile"
    makefile.write_text("help:\n\t@echo -m pytest no\n\ntest: $(STAMP)\n"
                        "\t$(BIN)/python -m pytest -n 2 --dist loadfile\n\nlab:\n\techo\n")
    assert testsuite.make_test_args(makefile) == ["-n", "2", "--dist", "loadfile"]
    makefile.write_text("test:\n\t$(BIN)/python -m pytest\n")
    assert testsuite.make_test_args(makefile) == []
    assert testsuite.make_test_args(tmp_path / "missing") == []


def test_the_whole_suite_figure_is_carried_over_until_measured_again(monkeypatch) -> None:
    monkeypatch.setattr(testsuite, "pytest_figure",
                        lambda *args, **kwargs: Figure(testsuite.GROUP, "fast", "s", [1.0]))
    recorded = Figure(testsuite.GROUP, testsuite.FULL_NAME, "s", samples=[300.0],
                      details={"args": ["-q"], "exit_code": 0, "outcome": {"passed": 9}},
                      measured="2026-01-01T00:00:00")
    figure = testsuite.run(quiet(), previous={"figures": [recorded.to_json()]})[1]
    assert figure.summary.median == 300.0 and figure.measured.startswith("2026-01-01")
    assert "Recorded by a `--full` run on 2026-01-01" in figure.note and "9 passed" in figure.note
    again = testsuite.run(quiet(), previous={"figures": [figure.to_json()]})[1]
    assert again.note == figure.note  # carrying over twice does not stack the preamble
    assert testsuite.run(quiet(), previous=None)[1].verdict == "not measured"
