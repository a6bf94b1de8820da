"""Plausible wrong answers to lesson 01; each must lose exactly the points of the cells it names."""

ASSIGNMENT = "01-scaling-laws"

_FLOPS = (
    "def training_flops(n_params, n_tokens):\n"
    "    return {body}\n"
)

_LOSS = (
    "def chinchilla_loss(n_params, n_tokens, params):\n"
    "    E, A, B, alpha, beta = params\n"
    "    n = np.asarray(n_params, dtype=float)\n"
    "    d = np.asarray(n_tokens, dtype=float)\n"
    "    return {body}\n"
)

_OPTIMUM = (
    "def compute_optimal(compute, params):\n"
    "    E, A, B, alpha, beta = params\n"
    "    c6 = np.asarray(compute, dtype=float) / 6.0\n"
    "    g = (alpha * A / (beta * B)) ** (1.0 / (alpha + beta))\n"
    "    a = beta / (alpha + beta)\n"
    "    b = alpha / (alpha + beta)\n"
    "    {body}\n"
)

_OBJECTIVE = (
    "def fit_objective(theta, n_params, n_tokens, loss, delta=1e-3):\n"
    "    a, b, e, alpha, beta = theta\n"
    "    log_n = np.log(np.asarray(n_params, dtype=float))\n"
    "    log_d = np.log(np.asarray(n_tokens, dtype=float))\n"
    "    predicted = {predicted}\n"
    "    residual = np.abs({residual})\n"
    "    huber = {huber}\n"
    "    return float({total})\n"
)
_OBJECTIVE_OK = dict(
    predicted="np.logaddexp(np.logaddexp(a - alpha * log_n, b - beta * log_d), e)",
    residual="predicted - np.log(np.asarray(loss, dtype=float))",
    huber="np.where(residual <= delta, 0.5 * residual**2, delta * (residual - 0.5 * delta))",
    total="np.sum(huber)",
)

_GRID = (
    "def fit_on_grid(n_params, n_tokens, loss, alphas, betas):\n"
    "    n = np.asarray(n_params, dtype=float)\n"
    "    d = np.asarray(n_tokens, dtype=float)\n"
    "    y = np.asarray(loss, dtype=float)\n"
    "    best_score, best = {start}, None\n"
    "    for alpha in alphas:\n"
    "        for beta in betas:\n"
    "            {solve}\n"
    "            if E <= 0 or A <= 0 or B <= 0:\n"
    "                continue\n"
    "            score = fit_objective((np.log(A), np.log(B), np.log(E), alpha, beta), n, d, y)\n"
    "            if score {better} best_score:\n"
    "                best_score, best = score, {result}\n"
    "    return best\n"
)
_GRID_OK = dict(
    start="np.inf",
    solve=("columns = np.column_stack([np.ones_like(n), n**-alpha, d**-beta])\n"
           "            (E, A, B), *_ = np.linalg.lstsq(columns, y, rcond=None)"),
    better="<",
    result="(E, A, B, alpha, beta)",
)

_CAPABILITY = (
    "def compute_needed(n_params, tokens_per_param=20.0):\n"
    "    return {needed}\n"
    "\n"
    "\n"
    "def budget_suffices(n_params, budget, tokens_per_param=20.0):\n"
    "    return {suffices}\n"
    "\n"
    "\n"
    "def alternatives(n_params, budget, tokens_per_param=20.0):\n"
    "    return {largest}, {tokens}\n"
)
_CAPABILITY_OK = dict(
    needed="6.0 * tokens_per_param * np.asarray(n_params, dtype=float) ** 2",
    suffices="bool(compute_needed(n_params, tokens_per_param) <= budget)",
    largest="np.sqrt(budget / (6.0 * tokens_per_param))",
    tokens="budget / (6.0 * n_params)",
)

CASES = [
    # Exercise 1
    dict(cell="ex1_training_flops", source=_FLOPS.format(body="2.0 * n_params * n_tokens"),
         loses=["ex1_training_flops_tests"], why="counts only the forward pass (2ND)"),
    dict(cell="ex1_training_flops", source=_FLOPS.format(body="6.0 * n_params"),
         loses=["ex1_training_flops_tests"], why="cost per token instead of for the whole run"),
    # Exercise 2
    dict(cell="ex2_chinchilla_loss", source=_LOSS.format(body="A / n**alpha + B / d**beta"),
         loses=["ex2_chinchilla_loss_tests"], why="forgets the irreducible loss E"),
    dict(cell="ex2_chinchilla_loss", source=_LOSS.format(body="E + A * n**alpha + B * d**beta"),
         loses=["ex2_chinchilla_loss_tests"],
         why="positive exponents (N**alpha instead of N**-alpha)"),
    dict(cell="ex2_chinchilla_loss", source=_LOSS.format(body="E + A / n**beta + B / d**alpha"),
         loses=["ex2_chinchilla_loss_tests"], why="pairs alpha with D and beta with N"),
    # Exercise 3
    dict(cell="ex3_compute_optimal",
         source=_OPTIMUM.format(body="return g * (6.0 * c6)**a, (6.0 * c6)**b / g"),
         loses=["ex3_compute_optimal_tests"], why="uses C instead of C/6"),
    dict(cell="ex3_compute_optimal", source=_OPTIMUM.format(body="return g * c6**b, c6**a / g"),
         loses=["ex3_compute_optimal_tests"], why="swaps the exponents a and b"),
    dict(cell="ex3_compute_optimal", source=_OPTIMUM.format(body="return c6**a / g, g * c6**b"),
         loses=["ex3_compute_optimal_tests"], why="puts G with D_opt and 1/G with N_opt"),
    # Exercise 4a
    dict(cell="ex4a_fit_objective",
         source=_OBJECTIVE.format(**{**_OBJECTIVE_OK, "huber": "0.5 * residual**2"}),
         loses=["ex4a_fit_objective_tests"], why="a squared loss instead of Huber's"),
    dict(cell="ex4a_fit_objective",
         source=_OBJECTIVE.format(**{**_OBJECTIVE_OK, "total": "np.mean(huber)"}),
         loses=["ex4a_fit_objective_tests"], why="averages the Huber losses instead of summing"),
    dict(cell="ex4a_fit_objective",
         source=_OBJECTIVE.format(**{**_OBJECTIVE_OK, "residual": (
             "np.exp(predicted) - np.asarray(loss, dtype=float)")}),
         loses=["ex4a_fit_objective_tests"], why="residuals of the loss instead of the log-loss"),
    dict(cell="ex4a_fit_objective",
         source=_OBJECTIVE.format(**{**_OBJECTIVE_OK, "predicted": (
             "np.logaddexp(np.logaddexp(a + alpha * log_n, b + beta * log_d), e)")}),
         loses=["ex4a_fit_objective_tests", "ex4b_fit_on_grid_tests"],
         why="a + alpha log N: the power laws grow instead of decay (the grid fit uses it too)"),
    # Exercise 4b
    dict(cell="ex4b_fit_on_grid",
         source=_GRID.format(**{**_GRID_OK, "solve": (
             "columns = np.column_stack([n**-alpha, d**-beta])\n"
             "            (A, B), *_ = np.linalg.lstsq(columns, y, rcond=None)\n"
             "            E = 1e-9")}),
         loses=["ex4b_fit_on_grid_tests"], why="fits without the constant E"),
    dict(cell="ex4b_fit_on_grid", source=_GRID.format(**{**_GRID_OK, "start": "-np.inf",
                                                         "better": ">"}),
         loses=["ex4b_fit_on_grid_tests"], why="keeps the worst candidate instead of the best"),
    dict(cell="ex4b_fit_on_grid",
         source=_GRID.format(**{**_GRID_OK, "result": "(A, B, E, alpha, beta)"}),
         loses=["ex4b_fit_on_grid_tests"], why="returns (A, B, E, ...) in the log-parameter order"),
    # Exercise 5
    dict(cell="ex5_capability",
         source=_CAPABILITY.format(**{**_CAPABILITY_OK, "needed": (
             "2.0 * tokens_per_param * np.asarray(n_params, dtype=float) ** 2")}),
         loses=["ex5_capability_tests"], why="2ND (forward pass only) instead of 6ND"),
    dict(cell="ex5_capability",
         source=_CAPABILITY.format(**{**_CAPABILITY_OK,
                                      "largest": "budget / (6.0 * tokens_per_param)"}),
         loses=["ex5_capability_tests"], why="forgets the square root when inverting C = 6 r N**2"),
    dict(cell="ex5_capability",
         source=_CAPABILITY.format(**{**_CAPABILITY_OK, "suffices": (
             "bool(compute_needed(n_params, tokens_per_param) < budget)")}),
         loses=["ex5_capability_tests"],
         why="a budget exactly equal to the need counted as too small"),
    dict(cell="ex5_capability",
         source=_CAPABILITY.format(**{**_CAPABILITY_OK, "tokens": "tokens_per_param * n_params"}),
         loses=["ex5_capability_tests"], why="the planned tokens instead of those the budget buys"),
]
