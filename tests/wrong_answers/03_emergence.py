"""Plausible wrong answers to lesson 03; each must lose exactly the points of its exercise."""

ASSIGNMENT = "03-emergence"

_EXACT_MATCH = (
    "def exact_match(predictions, targets):\n"
    "    return np.array([float(list(p) == list(t)) for p, t in zip(predictions, targets)])\n"
)

_LEVENSHTEIN_BODY = (
    "    distances = []\n"
    "    for p, t in zip(predictions, targets):\n"
    "        p, t = list(p), list(t)\n"
    "        previous = list(range(len(t) + 1))\n"
    "        for i in range(1, len(p) + 1):\n"
    "            current = [i]\n"
    "            for j in range(1, len(t) + 1):\n"
    "                current.append(min(previous[j] + 1, current[j - 1] + 1,\n"
    "                                   previous[j - 1] + (p[i - 1] != t[j - 1])))\n"
    "            previous = current\n"
    "        distances.append(previous[-1])\n"
    "    return np.array(distances, dtype=float)\n"
)

_THRESHOLD_CHECKS = (
    "    for a in (accuracy_1, accuracy_2):\n"
    "        if not 0.0 < a < 1.0:\n"
    "            raise ValueError('accuracy outside (0, 1)')\n"
    "    if (loss_1 - loss_2) * (accuracy_1 - accuracy_2) >= 0:\n"
    "        raise ValueError('the lower loss must have the higher accuracy')\n"
)

CASES = [
    # --- exercise 1a: exact match and per-token accuracy
    dict(
        cell="ex1_match_metrics",
        source=_EXACT_MATCH + (
            "\n\ndef per_token_accuracy(predictions, targets):\n"
            "    return np.array([sum(a == b for a, b in zip(p, t)) / len(t)\n"
            "                     for p, t in zip(predictions, targets)])\n"
        ),
        loses=["ex1_match_metrics_tests"],
        why="divides by the target's length, so an answer with an extra token scores 1",
    ),
    dict(
        cell="ex1_match_metrics",
        source=(
            "def exact_match(predictions, targets):\n"
            "    return np.array([float(all(a == b for a, b in zip(p, t)))\n"
            "                     for p, t in zip(predictions, targets)])\n"
            "\n\ndef per_token_accuracy(predictions, targets):\n"
            "    return np.array([sum(a == b for a, b in zip(p, t)) / max(len(p), len(t))\n"
            "                     for p, t in zip(predictions, targets)])\n"
        ),
        loses=["ex1_match_metrics_tests"],
        why="exact match compares only the common prefix, so a truncated answer counts",
    ),
    dict(
        cell="ex1_match_metrics",
        source=_EXACT_MATCH + (
            "\n\ndef per_token_accuracy(predictions, targets):\n"
            "    return np.array([sum(a == b for a, b in zip(p, t)) / min(len(p), len(t))\n"
            "                     for p, t in zip(predictions, targets)])\n"
        ),
        loses=["ex1_match_metrics_tests"],
        why="divides by the shorter length",
    ),
    # --- exercise 1b: token edit distance
    dict(
        cell="ex1_edit_distance",
        source=(
            "def token_edit_distance(predictions, targets):\n"
            "    return np.array([sum(a != b for a, b in zip(p, t)) + abs(len(p) - len(t))\n"
            "                     for p, t in zip(predictions, targets)], dtype=float)\n"
        ),
        loses=["ex1_edit_distance_tests"],
        why="Hamming distance plus the length difference instead of Levenshtein",
    ),
    dict(
        cell="ex1_edit_distance",
        source=(
            "def token_edit_distance(predictions, targets):\n"
            + _LEVENSHTEIN_BODY.replace("previous = list(range(len(t) + 1))",
                                        "previous = [0] * (len(t) + 1)")
        ),
        loses=["ex1_edit_distance_tests"],
        why="initialises the first row of the table with zeros",
    ),
    dict(
        cell="ex1_edit_distance",
        source=(
            "def token_edit_distance(predictions, targets):\n"
            + _LEVENSHTEIN_BODY.replace("(p[i - 1] != t[j - 1])", "2 * (p[i - 1] != t[j - 1])")
        ),
        loses=["ex1_edit_distance_tests"],
        why="a substitution costs 2 (a deletion plus an insertion)",
    ),
    # --- exercise 1c: Brier score
    dict(
        cell="ex1_brier",
        source=(
            "def brier_score(probabilities, labels):\n"
            "    q = np.asarray(probabilities, dtype=float)\n"
            "    one_hot = np.zeros_like(q)\n"
            "    one_hot[np.arange(q.shape[0]), np.asarray(labels)] = 1.0\n"
            "    return ((q - one_hot) ** 2).mean(axis=1)\n"
        ),
        loses=["ex1_brier_tests"],
        why="averages over the classes instead of summing",
    ),
    dict(
        cell="ex1_brier",
        source=(
            "def brier_score(probabilities, labels):\n"
            "    q = np.asarray(probabilities, dtype=float)\n"
            "    return (1 - q[np.arange(q.shape[0]), np.asarray(labels)]) ** 2\n"
        ),
        loses=["ex1_brier_tests"],
        why="keeps only the correct class's term",
    ),
    # --- exercise 2: exact match from per-token correctness
    dict(
        cell="ex2_exact_match_model",
        source=(
            "def expected_exact_match(per_token, length):\n"
            "    return np.asarray(per_token, dtype=float) * np.asarray(length, dtype=float)\n"
            "\n\ndef chance_of_zero_score(per_token, length, n_items):\n"
            "    return (1.0 - expected_exact_match(per_token, length)) ** n_items\n"
        ),
        loses=["ex2_exact_match_model_tests"],
        why="multiplies p by the length instead of raising it to that power",
    ),
    dict(
        cell="ex2_exact_match_model",
        source=(
            "def expected_exact_match(per_token, length):\n"
            "    return np.asarray(per_token, dtype=float) ** np.asarray(length, dtype=float)\n"
            "\n\ndef chance_of_zero_score(per_token, length, n_items):\n"
            "    return (1.0 - np.asarray(per_token, dtype=float)) ** (\n"
            "        np.asarray(length, dtype=float) * np.asarray(n_items, dtype=float))\n"
        ),
        loses=["ex2_exact_match_model_tests"],
        why="an answer fails only if every token fails: (1 - p)^(L n)",
    ),
    dict(
        cell="ex2_exact_match_model",
        source=(
            "def expected_exact_match(per_token, length):\n"
            "    exponent = np.asarray(length, dtype=float) - 1\n"
            "    return np.asarray(per_token, dtype=float) ** exponent\n"
            "\n\ndef chance_of_zero_score(per_token, length, n_items):\n"
            "    return (1.0 - expected_exact_match(per_token, length)) ** n_items\n"
        ),
        loses=["ex2_exact_match_model_tests"],
        why="off by one in the exponent",
    ),
    dict(
        cell="ex2_exact_match_model",
        source=(
            "def expected_exact_match(per_token, length):\n"
            "    return np.asarray(per_token, dtype=float) ** np.asarray(length, dtype=float)\n"
            "\n\ndef chance_of_zero_score(per_token, length, n_items):\n"
            "    return 1.0 - expected_exact_match(per_token, length) ** n_items\n"
        ),
        loses=["ex2_exact_match_model_tests"],
        why="computes 1 - P(all n answers right) instead of P(all n answers wrong)",
    ),
    # --- exercise 3: the threshold model from two points
    dict(
        cell="ex3_threshold",
        source=(
            "def solve_threshold(loss_1, accuracy_1, loss_2, accuracy_2):\n"
            + _THRESHOLD_CHECKS
            + "    z_1 = np.log((1 - accuracy_1) / accuracy_1)\n"
            "    z_2 = np.log((1 - accuracy_2) / accuracy_2)\n"
            "    tau = (loss_2 - loss_1) / (z_1 - z_2)\n"
            "    return loss_1 + tau * z_1, tau\n"
        ),
        loses=["ex3_threshold_tests"],
        why="wrong sign of the logit, ln((1 - a) / a): tau comes out negative",
    ),
    dict(
        cell="ex3_threshold",
        source=(
            "def solve_threshold(loss_1, accuracy_1, loss_2, accuracy_2):\n"
            + _THRESHOLD_CHECKS
            + "    z_1 = np.log10(accuracy_1 / (1 - accuracy_1))\n"
            "    z_2 = np.log10(accuracy_2 / (1 - accuracy_2))\n"
            "    tau = (loss_2 - loss_1) / (z_1 - z_2)\n"
            "    return loss_1 + tau * z_1, tau\n"
        ),
        loses=["ex3_threshold_tests"],
        why="a base-10 logit: tau off by a factor ln 10",
    ),
    dict(
        cell="ex3_threshold",
        source=(
            "def solve_threshold(loss_1, accuracy_1, loss_2, accuracy_2):\n"
            + _THRESHOLD_CHECKS
            + "    z_1 = np.log(accuracy_1 / (1 - accuracy_1))\n"
            "    z_2 = np.log(accuracy_2 / (1 - accuracy_2))\n"
            "    tau = (loss_2 - loss_1) / (z_1 - z_2)\n"
            "    return loss_1 - tau * z_1, tau\n"
        ),
        loses=["ex3_threshold_tests"],
        why="solves logit(a) = (L_c - L) / tau for L_c with the wrong sign",
    ),
    dict(
        cell="ex3_threshold",
        source=(
            "def solve_threshold(loss_1, accuracy_1, loss_2, accuracy_2):\n"
            "    z_1 = np.log(accuracy_1 / (1 - accuracy_1))\n"
            "    z_2 = np.log(accuracy_2 / (1 - accuracy_2))\n"
            "    tau = (loss_2 - loss_1) / (z_1 - z_2)\n"
            "    return loss_1 + tau * z_1, tau\n"
        ),
        loses=["ex3_threshold_tests"],
        why="never raises: data with accuracy rising with the loss give a negative tau",
    ),
    # --- exercise 4: the emergence size
    dict(
        cell="ex4_emergence_size",
        source=(
            "def emergence_size(critical_loss, irreducible, scale, alpha):\n"
            "    if critical_loss <= irreducible:\n"
            "        raise ValueError('never reached')\n"
            "    return scale * critical_loss ** (-1.0 / alpha)\n"
        ),
        loses=["ex4_emergence_size_tests"],
        why="forgets to subtract the irreducible loss",
    ),
    dict(
        cell="ex4_emergence_size",
        source=(
            "def emergence_size(critical_loss, irreducible, scale, alpha):\n"
            "    if critical_loss <= irreducible:\n"
            "        raise ValueError('never reached')\n"
            "    return scale * (critical_loss - irreducible) ** (1.0 / alpha)\n"
        ),
        loses=["ex4_emergence_size_tests"],
        why="wrong sign of the exponent",
    ),
    dict(
        cell="ex4_emergence_size",
        source=(
            "def emergence_size(critical_loss, irreducible, scale, alpha):\n"
            "    if critical_loss <= irreducible:\n"
            "        raise ValueError('never reached')\n"
            "    return scale * (critical_loss - irreducible) ** (-alpha)\n"
        ),
        loses=["ex4_emergence_size_tests"],
        why="exponent -alpha instead of -1/alpha",
    ),
    dict(
        cell="ex4_emergence_size",
        source=(
            "def emergence_size(critical_loss, irreducible, scale, alpha):\n"
            "    return scale * abs(critical_loss - irreducible) ** (-1.0 / alpha)\n"
        ),
        loses=["ex4_emergence_size_tests"],
        why="returns a size for a threshold below the irreducible loss instead of raising",
    ),
    # --- exercise 5: the emergence score
    dict(
        cell="ex5_emergence_score",
        source=(
            "def emergence_score(scales, scores):\n"
            "    order = np.argsort(np.asarray(scales, dtype=float))\n"
            "    y = np.asarray(scores, dtype=float)[order]\n"
            "    direction = np.sign(np.argmax(y) - np.argmin(y))\n"
            "    step = np.sqrt(np.mean(np.diff(y) ** 2))\n"
            "    return float(direction * (y.max() - y.min()) / step)\n"
        ),
        loses=["ex5_emergence_score_tests"],
        why="mean of the squared steps instead of their median",
    ),
    dict(
        cell="ex5_emergence_score",
        source=(
            "def emergence_score(scales, scores):\n"
            "    y = np.asarray(scores, dtype=float)\n"
            "    direction = np.sign(np.argmax(y) - np.argmin(y))\n"
            "    step = np.sqrt(np.median(np.diff(y) ** 2))\n"
            "    return float(direction * (y.max() - y.min()) / step)\n"
        ),
        loses=["ex5_emergence_score_tests"],
        why="does not sort the points by scale",
    ),
    dict(
        cell="ex5_emergence_score",
        source=(
            "def emergence_score(scales, scores):\n"
            "    order = np.argsort(np.asarray(scales, dtype=float))\n"
            "    y = np.asarray(scores, dtype=float)[order]\n"
            "    return float((y.max() - y.min()) / np.sqrt(np.median(np.diff(y) ** 2)))\n"
        ),
        loses=["ex5_emergence_score_tests"],
        why="drops the sign, so a falling curve scores as a rising one",
    ),
    dict(
        cell="ex5_emergence_score",
        source=(
            "def emergence_score(scales, scores):\n"
            "    order = np.argsort(np.asarray(scales, dtype=float))\n"
            "    y = np.asarray(scores, dtype=float)[order]\n"
            "    direction = np.sign(np.argmax(y) - np.argmin(y))\n"
            "    return float(direction * (y.max() - y.min()) / np.median(np.diff(y) ** 2))\n"
        ),
        loses=["ex5_emergence_score_tests"],
        why="forgets the square root of the median squared step",
    ),
]
