"""Plausible wrong answers to lesson 06; each must lose exactly the points of the cells it names."""

ASSIGNMENT = "06-capstone"

_PLAN = (
    "def plan_run(budget, params, max_params=None):\n"
    "    E, A, B, alpha, beta = params\n"
    "    g = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))\n"
    "    n_params = {n_params}\n"
    "    if max_params is not None:\n"
    "        n_params = min(n_params, max_params)\n"
    "    n_tokens = {n_tokens}\n"
    "    loss = {loss}\n"
    "    return n_params, n_tokens, loss\n"
)
_PLAN_OK = dict(
    n_params="g * (budget / 6.0) ** (beta / (alpha + beta))",
    n_tokens="budget / (6.0 * n_params)",
    loss="E + A / n_params**alpha + B / n_tokens**beta",
)

_REACH = (
    "def compute_to_reach(critical_loss, params):\n"
    "    E, A, B, alpha, beta = params\n"
    "    {guard}\n"
    "    g = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))\n"
    "    gamma = alpha * beta / (alpha + beta)\n"
    "    k = A * g ** (-alpha) + B * g**beta\n"
    "    return {needed}\n"
    "\n"
    "\n"
    "def is_reachable(budget, critical_loss, params):\n"
    "    return {reachable}\n"
)
_REACH_OK = dict(
    guard="if critical_loss <= E:\n        return np.inf",
    needed="6.0 * (k / (critical_loss - E)) ** (1.0 / gamma)",
    reachable="bool(budget >= compute_to_reach(critical_loss, params))",
)

_SIZE = (
    "def smallest_model(critical_loss, params):\n"
    "    E, A, B, alpha, beta = params\n"
    "    if critical_loss <= E:\n"
    "        return np.inf\n"
    "    return {smallest}\n"
    "\n"
    "\n"
    "def compute_at_size(n_params, critical_loss, params):\n"
    "    E, A, B, alpha, beta = params\n"
    "    gap = {gap}\n"
    "    if gap <= 0:\n"
    "        return np.inf\n"
    "    n_tokens = (B / gap) ** (1.0 / beta)\n"
    "    return {compute}\n"
)
_SIZE_OK = dict(
    smallest="(A / (critical_loss - E)) ** (1.0 / alpha)",
    gap="critical_loss - E - A / n_params**alpha",
    compute="6.0 * n_params * n_tokens",
)

_WINDOW = (
    "def capability_window(n_params, critical_loss, tau, params, low=0.1, high=0.9):\n"
    "    E, A, B, alpha, beta = params\n"
    "    ends = []\n"
    "    for p in (low, high):\n"
    "        loss = {loss}\n"
    "        gap = {gap}\n"
    "        ends.append((B / gap) ** (1.0 / beta) if gap > 0 else np.inf)\n"
    "    return ends[0], ends[1]\n"
)
_WINDOW_OK = dict(
    loss="critical_loss - tau * np.log(p / (1.0 - p))",
    gap="loss - E - A / n_params**alpha",
)

_SCHEDULE = (
    "def checkpoint_plan(total_tokens, window, n_log=12, n_dense=10):\n"
    "    start, end = window\n"
    "    points = list({log_points})\n"
    "    if start < total_tokens:\n"
    "        points += list({dense_points})\n"
    "    return np.unique(points)\n"
)
_SCHEDULE_OK = dict(
    log_points="np.geomspace(total_tokens / 1000.0, total_tokens, n_log)",
    dense_points="np.linspace(start, min(end, total_tokens), n_dense)",
)

_PROGRESS = (
    "def progress_at_onset(metric, jump, onset=0.1):\n"
    "    metric = np.asarray(metric, dtype=float)\n"
    "    jump = np.asarray(jump, dtype=float)\n"
    "    metric_progress = {normalise_metric}\n"
    "    jump_progress = (jump - jump[0]) / (jump[-1] - jump[0])\n"
    "    first = int(np.argmax({reached}))\n"
    "    return float(metric_progress[{index}])\n"
)
_PROGRESS_OK = dict(
    normalise_metric="(metric - metric[0]) / (metric[-1] - metric[0])",
    reached="jump_progress >= onset",
    index="first",
)

_REPORTS = (
    "nan = float(\"nan\")\n"
    "RUN_REPORTS = {{\n"
    "    \"A\": dict(more_data={a_data}, more_params={a_params}, bigger_batch={a_batch}, gap=0.01),\n"
    "    \"B\": dict(more_data={b_data}, more_params={b_params}, bigger_batch={b_batch}, gap=0.01),\n"
    "    \"C\": dict(more_data={c_data}, more_params={c_params}, bigger_batch={c_batch}, gap=0.36),\n"
    "    \"D\": dict(more_data={d_data}, more_params={d_params}, bigger_batch={d_batch}, gap=0.55),\n"
    "}}\n"
)
_REPORTS_OK = dict(
    a_data="nan", a_params="nan", a_batch="-0.06",
    b_data="-0.005", b_params="-0.13", b_batch="nan",
    c_data="-0.11", c_params="nan", c_batch="nan",
    d_data="0.0", d_params="nan", d_batch="nan",
)

_DECIDE = (
    "def scale_or_train_longer(feature_counts, converged_risks, n_features, factor=2):\n"
    "    counts = list(feature_counts)\n"
    "    summary = {summary}\n"
    "    longer = float(summary[counts.index(n_features)])\n"
    "    scaled = float(summary[{scaled_index}])\n"
    "    return {decision}, longer, scaled\n"
)
_DECIDE_OK = dict(
    summary="np.median(np.asarray(converged_risks, dtype=float), axis=0)",
    scaled_index="counts.index(factor * n_features)",
    decision="(SCALE_UP if scaled < longer else TRAIN_LONGER)",
)

_BNSL = (
    "def bnsl_one_break(x, a, b, c0, c1, d1, f1):\n"
    "    x = np.asarray(x, dtype=float)\n"
    "    return {body}\n"
)

_SLOPE = (
    "def bnsl_log_slope(x, c0, c1, d1, f1):\n"
    "    u = {u}\n"
    "    return {body}\n"
)
_SLOPE_OK = dict(u="(np.asarray(x, dtype=float) / d1) ** (1.0 / f1)", body="-c0 - c1 * u / (1.0 + u)")


def _with(template: str, defaults: dict, **changes: str) -> str:
    """The correct answer of a template with some of its pieces replaced."""
    return template.format(**{**defaults, **changes})



def _case(cell: str, source: str, why: str) -> dict:
    """A wrong answer to one exercise that must lose exactly that exercise's test cell."""
    return dict(cell=cell, source=source, loses=[f"{cell}_tests"], why=why)


CASES = [
    # Exercise 1: the plan
    _case("ex1_plan_run",
          _with(_PLAN, _PLAN_OK, n_params="g * (budget / 2.0) ** (beta / (alpha + beta))",
                n_tokens="budget / (2.0 * n_params)"),
          "C = 2ND (forward pass only) instead of 6ND"),
    _case("ex1_plan_run", _with(_PLAN, _PLAN_OK, n_params="1.3e9 * (budget / 8.64e19) ** 0.73"),
          "Kaplan et al.'s allocation N = 1.3e9 C**0.73 (PF-days)"),
    _case("ex1_plan_run", _with(_PLAN, _PLAN_OK, loss="A / n_params**alpha + B / n_tokens**beta"),
          "forgets the irreducible loss E in the prediction"),
    _case("ex1_plan_run",
          _with(_PLAN, _PLAN_OK, n_tokens="(budget / 6.0) ** (alpha / (alpha + beta)) / g"),
          "keeps the unconstrained D_opt when the size cap binds"),
    # Exercise 2: the budget that reaches the threshold
    _case("ex2_reach", _with(_REACH, _REACH_OK, needed="6.0 * (k / critical_loss) ** (1.0 / gamma)"),
          "forgets the irreducible loss: closes L_c instead of L_c - E"),
    _case("ex2_reach", _with(_REACH, _REACH_OK, guard="pass"),
          "no case for a threshold at or below E (never reachable)"),
    _case("ex2_reach",
          _with(_REACH, _REACH_OK, needed="2.0 * (k / (critical_loss - E)) ** (1.0 / gamma)"),
          "C = 2ND when converting C/6 back to FLOPs"),
    _case("ex2_reach",
          _with(_REACH, _REACH_OK,
                needed="6.0 * (k / (critical_loss - E)) ** (1.0 / (alpha + beta))"),
          "frontier exponent alpha + beta instead of alpha beta/(alpha + beta)"),
    _case("ex2_reach",
          _with(_REACH, _REACH_OK,
                reachable="bool(budget <= compute_to_reach(critical_loss, params))"),
          "the reachability comparison the wrong way round"),
    # Exercise 3: fixed sizes
    _case("ex3_fixed_size", _with(_SIZE, _SIZE_OK, gap="critical_loss - E"),
          "drops the model term A/N**alpha when solving for D"),
    _case("ex3_fixed_size", _with(_SIZE, _SIZE_OK, smallest="(A / critical_loss) ** (1.0 / alpha)"),
          "forgets E in the smallest model"),
    _case("ex3_fixed_size", _with(_SIZE, _SIZE_OK, compute="2.0 * n_params * n_tokens"),
          "C = 2ND instead of 6ND"),
    # Exercise 4: the capability window
    _case("ex4_capability_window",
          _with(_WINDOW, _WINDOW_OK, loss="critical_loss + tau * np.log(p / (1.0 - p))"),
          "sign error: a higher probability needs a lower loss"),
    _case("ex4_capability_window", _with(_WINDOW, _WINDOW_OK, gap="loss - E"),
          "drops the model term A/N**alpha of the run"),
    _case("ex4_capability_window",
          _with(_WINDOW, _WINDOW_OK, loss="critical_loss - tau * np.log10(p / (1.0 - p))"),
          "a base-10 logarithm in the logit"),
    # Exercise 5: the evaluation schedule
    _case("ex5_checkpoint_plan",
          _with(_SCHEDULE, _SCHEDULE_OK, dense_points="np.linspace(start, end, n_dense)"),
          "dense points not clipped to the end of the run"),
    _case("ex5_checkpoint_plan",
          _with(_SCHEDULE, _SCHEDULE_OK,
                log_points="np.linspace(total_tokens / n_log, total_tokens, n_log)"),
          "evenly spaced evaluations miss the start of the run"),
    _case("ex5_checkpoint_plan",
          _with(_SCHEDULE, _SCHEDULE_OK,
                dense_points="np.geomspace(total_tokens / 1000.0, total_tokens, n_dense)"),
          "more log-spaced points instead of a dense window"),
    # Exercise 6: progress at the onset
    _case("ex6_progress_at_onset",
          _with(_PROGRESS, _PROGRESS_OK,
                normalise_metric="(metric - metric.min()) / (metric.max() - metric.min())"),
          "min-max scaling reverses the progress of a falling metric"),
    _case("ex6_progress_at_onset", _with(_PROGRESS, _PROGRESS_OK, reached="jump_progress > onset"),
          "strictly greater than the onset instead of at least"),
    _case("ex6_progress_at_onset", _with(_PROGRESS, _PROGRESS_OK, index="first + 1"),
          "off by one checkpoint"),
    # Exercise 7: run reports
    _case("ex7_run_reports",
          _with(_REPORTS, _REPORTS_OK, a_batch="0.06", b_data="0.005", b_params="0.13",
                c_data="0.11"),
          "changes as old minus new (improvements positive)"),
    _case("ex7_run_reports",
          _with(_REPORTS, _REPORTS_OK, a_data="0.0", a_params="0.0", b_batch="0.0",
                c_params="0.0", c_batch="0.0", d_params="0.0", d_batch="0.0"),
          "0 for experiments nobody ran instead of NaN"),
    _case("ex7_run_reports", _with(_REPORTS, _REPORTS_OK, d_data="-0.04"),
          "the change of the training loss instead of the held-out loss"),
    # Exercise 8: scale or train longer
    _case("ex8_scale_or_train",
          _with(_DECIDE, _DECIDE_OK,
                summary="np.mean(np.asarray(converged_risks, dtype=float), axis=0)"),
          "the mean over repeats, dominated by outliers near the peak"),
    _case("ex8_scale_or_train", _with(_DECIDE, _DECIDE_OK, decision="SCALE_UP"),
          "always scales up (the exam answer)"),
    _case("ex8_scale_or_train",
          _with(_DECIDE, _DECIDE_OK, scaled_index="counts.index(n_features) + 1"),
          "compares with the next size of the sweep instead of factor * P"),
    # Exercise 9: the law
    _case("ex9_bnsl",
          _BNSL.format(body="a + b * x ** (-c0) * (1.0 + (x / d1) ** (1.0 / f1)) ** (c1 * f1)"),
          "wrong sign of the break exponent"),
    _case("ex9_bnsl",
          _BNSL.format(body="a + b * x ** (-c0) * (1.0 + (x / d1) ** (1.0 / f1)) ** (-c1)"),
          "exponent -c1 instead of -c1 f1"),
    _case("ex9_bnsl",
          _BNSL.format(body="a + b * x ** (-c0) * (1.0 + (d1 / x) ** (1.0 / f1)) ** (-c1 * f1)"),
          "d1/x instead of x/d1"),
    # Exercise 10: the slope
    _case("ex10_bnsl_slope", _with(_SLOPE, _SLOPE_OK, body="-c0 + c1 * u / (1.0 + u)"),
          "wrong sign of the break's change of slope"),
    _case("ex10_bnsl_slope", _with(_SLOPE, _SLOPE_OK, body="-c0 - c1 * u"),
          "u instead of u/(1+u): the slope never levels off"),
    _case("ex10_bnsl_slope", _with(_SLOPE, _SLOPE_OK, u="np.asarray(x, dtype=float) / d1"),
          "forgets the sharpness: u = x/d1 instead of (x/d1)**(1/f1)"),
]
