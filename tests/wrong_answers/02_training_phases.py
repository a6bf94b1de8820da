"""Plausible wrong answers to lesson 02; each must lose exactly the points of its exercise."""

ASSIGNMENT = "02-training-phases"

CASES = [
    # Exercise 1: entropies of a Markov source
    dict(
        cell="ex1_entropies",
        source=(
            "def markov_entropies(pi, P):\n"
            "    pi, P = np.asarray(pi, float), np.asarray(P, float)\n"
            "    lp = np.log2(np.where(pi > 0, pi, 1.0))\n"
            "    lP = np.log2(np.where(P > 0, P, 1.0))\n"
            "    return np.log2(pi.size), -np.sum(pi * lp), -np.sum(pi[:, None] * P * lP)\n"
        ),
        loses=["ex1_entropies_tests"],
        why="entropies in bits (log base 2) instead of nats",
    ),
    dict(
        cell="ex1_entropies",
        source=(
            "def markov_entropies(pi, P):\n"
            "    pi, P = np.asarray(pi, float), np.asarray(P, float)\n"
            "    lp = np.log(np.where(pi > 0, pi, 1.0))\n"
            "    lP = np.log(np.where(P > 0, P, 1.0))\n"
            "    rows = -np.sum(P * lP, axis=1)\n"
            "    return np.log(pi.size), -np.sum(pi * lp), rows.mean()\n"
        ),
        loses=["ex1_entropies_tests"],
        why="averages the row entropies equally instead of weighting them by pi",
    ),
    dict(
        cell="ex1_entropies",
        source=(
            "def markov_entropies(pi, P):\n"
            "    pi, P = np.asarray(pi, float), np.asarray(P, float)\n"
            "    return (np.log(pi.size), -np.sum(pi * np.log(pi)),\n"
            "            -np.sum(pi[:, None] * P * np.log(P)))\n"
        ),
        loses=["ex1_entropies_tests"],
        why="0 log 0 gives NaN when a transition has probability zero",
    ),
    # Exercise 2: exact cross-entropy of a model
    dict(
        cell="ex2_cross_entropy",
        source=(
            "def model_cross_entropy(pi, P, logits):\n"
            "    z = np.asarray(logits, float)\n"
            "    log_q = z - np.log(np.exp(z).sum(axis=0, keepdims=True))\n"
            "    return -np.sum(np.asarray(pi)[:, None] * P * log_q)\n"
        ),
        loses=["ex2_cross_entropy_tests"],
        why="softmax over the wrong axis (columns instead of rows)",
    ),
    dict(
        cell="ex2_cross_entropy",
        source=(
            "def model_cross_entropy(pi, P, logits):\n"
            "    z = np.asarray(logits, float)\n"
            "    z = z - z.max(axis=1, keepdims=True)\n"
            "    log_q = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
            "    return -np.mean(np.sum(P * log_q, axis=1))\n"
        ),
        loses=["ex2_cross_entropy_tests"],
        why="averages the rows equally instead of weighting them by pi",
    ),
    dict(
        cell="ex2_cross_entropy",
        source=(
            "def model_cross_entropy(pi, P, logits):\n"
            "    q = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n"
            "    return -np.sum(np.asarray(pi)[:, None] * P * np.log(q))\n"
        ),
        loses=["ex2_cross_entropy_tests"],
        why="a naive softmax that overflows for large logits",
    ),
    # Exercise 3: diagnose the regime
    dict(
        cell="ex3_diagnose",
        source=(
            "def diagnose_regime(obs):\n"
            "    helps = lambda k: not math.isnan(obs[k]) and obs[k] <= -0.02\n"
            "    if helps('bigger_batch'):\n"
            "        return 'optimizer-noise-limited'\n"
            "    if helps('more_data') and helps('more_params'):\n"
            "        return 'compute-optimal'\n"
            "    if helps('more_data'):\n"
            "        return 'data-limited'\n"
            "    if helps('more_params'):\n"
            "        return 'capacity-limited'\n"
            "    if not math.isnan(obs['more_data']):\n"
            "        return 'capacity-limited'\n"
            "    return 'data-limited' if obs['gap'] > 0.1 else 'inconclusive'\n"
        ),
        loses=["ex3_diagnose_tests"],
        why="more data did not help, so calls it capacity-limited whatever the gap says",
    ),
    dict(
        cell="ex3_diagnose",
        source=(
            "def diagnose_regime(obs):\n"
            "    tried = lambda k: not math.isnan(obs[k])\n"
            "    helps = lambda k: tried(k) and obs[k] <= -0.02\n"
            "    if helps('more_data') and helps('more_params'):\n"
            "        return 'compute-optimal'\n"
            "    if helps('more_data'):\n"
            "        return 'data-limited'\n"
            "    if helps('more_params'):\n"
            "        return 'capacity-limited'\n"
            "    if helps('bigger_batch'):\n"
            "        return 'optimizer-noise-limited'\n"
            "    if obs['gap'] > 0.1:\n"
            "        return 'distribution-mismatch' if tried('more_data') else 'data-limited'\n"
            "    if tried('more_data') and not tried('more_params'):\n"
            "        return 'capacity-limited'\n"
            "    return 'inconclusive'\n"
        ),
        loses=["ex3_diagnose_tests"],
        why="checks the optimizer noise last instead of first",
    ),
    dict(
        cell="ex3_diagnose",
        source=(
            "def diagnose_regime(obs):\n"
            "    tried = lambda k: not math.isnan(obs[k])\n"
            "    helps = lambda k: tried(k) and obs[k] < 0\n"
            "    if helps('bigger_batch'):\n"
            "        return 'optimizer-noise-limited'\n"
            "    if helps('more_data') and helps('more_params'):\n"
            "        return 'compute-optimal'\n"
            "    if helps('more_data'):\n"
            "        return 'data-limited'\n"
            "    if helps('more_params'):\n"
            "        return 'capacity-limited'\n"
            "    if obs['gap'] > 0.1:\n"
            "        return 'distribution-mismatch' if tried('more_data') else 'data-limited'\n"
            "    if tried('more_data') and not tried('more_params'):\n"
            "        return 'capacity-limited'\n"
            "    return 'inconclusive'\n"
        ),
        loses=["ex3_diagnose_tests"],
        why="counts any decrease as helping, ignoring the 0.02-nat tolerance",
    ),
    # Exercise 4: critical batch size
    dict(
        cell="ex4_critical_batch",
        source=(
            "def critical_batch_size(loss):\n"
            "    return 2e8 / np.asarray(loss, float) ** 0.21\n"
        ),
        loses=["ex4_critical_batch_tests"],
        why="uses alpha_B as the exponent instead of 1/alpha_B",
    ),
    dict(
        cell="ex4_critical_batch",
        source=(
            "def critical_batch_size(loss):\n"
            "    return 2e8 * np.asarray(loss, float) ** (1 / 0.21)\n"
        ),
        loses=["ex4_critical_batch_tests"],
        why="multiplies by L^(1/alpha_B): the critical batch would grow with the loss",
    ),
    # Exercise 5: SGD noise floor
    dict(
        cell="ex5_noise_floor",
        source=(
            "def sgd_noise_floor(learning_rate, batch_size, dim, noise_var):\n"
            "    return learning_rate * noise_var * dim / (2 * batch_size)\n"
        ),
        loses=["ex5_noise_floor_tests"],
        why="forgets the 1/2 in the loss (returns E|delta|^2 instead of half of it)",
    ),
    dict(
        cell="ex5_noise_floor",
        source=(
            "def sgd_noise_floor(learning_rate, batch_size, dim, noise_var):\n"
            "    return learning_rate * noise_var * dim / (4 * batch_size ** 2)\n"
        ),
        loses=["ex5_noise_floor_tests"],
        why="takes the kick variance as eta^2 sigma^2 / B^2 (averages standard deviations)",
    ),
    dict(
        cell="ex5_noise_floor",
        source=(
            "def sgd_noise_floor(learning_rate, batch_size, dim, noise_var):\n"
            "    return learning_rate * np.sqrt(noise_var) * dim / (4 * batch_size)\n"
        ),
        loses=["ex5_noise_floor_tests"],
        why="uses the noise standard deviation where its variance belongs",
    ),
]
