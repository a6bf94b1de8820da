"""Plausible wrong answers to lesson 00; each must lose exactly the points of its exercise."""

ASSIGNMENT = "00-orientation"

CASES = [
    dict(
        cell="ex1_exponent",
        source=(
            "def power_law_exponent(x1, y1, x2, y2):\n"
            "    return (np.log(y2) - np.log(y1)) / (np.log(x2) - np.log(x1))\n"
        ),
        loses=["ex1_exponent_tests"],
        why="returns the slope instead of minus the slope",
    ),
    dict(
        cell="ex1_exponent",
        source=(
            "def power_law_exponent(x1, y1, x2, y2):\n"
            "    return -(np.log10(y2) - np.log10(y1)) / (np.log(x2) - np.log(x1))\n"
        ),
        loses=["ex1_exponent_tests"],
        why="mixes base-10 and natural logarithms",
    ),
    dict(
        cell="ex1_exponent",
        source=(
            "def power_law_exponent(x1, y1, x2, y2):\n"
            "    return -(y2 - y1) / (x2 - x1)\n"
        ),
        loses=["ex1_exponent_tests"],
        why="a slope on linear axes",
    ),
    dict(
        cell="ex2_fit",
        source=(
            "def fit_power_law(x, y):\n"
            "    slope, intercept = np.polyfit(np.log10(x), np.log10(y), deg=1)\n"
            "    return np.exp(intercept), -slope\n"
        ),
        loses=["ex2_fit_tests"],
        why="fits in base 10 but converts the intercept back with exp",
    ),
    dict(
        cell="ex2_fit",
        source=(
            "def fit_power_law(x, y):\n"
            "    slope, intercept = np.polyfit(x, np.log(y), deg=1)\n"
            "    return np.exp(intercept), -slope\n"
        ),
        loses=["ex2_fit_tests"],
        why="a semi-log (exponential) fit instead of log-log",
    ),
    dict(
        cell="ex2_fit",
        source=(
            "def fit_power_law(x, y):\n"
            "    slope, intercept = np.polyfit(np.log(x[:2]), np.log(y[:2]), deg=1)\n"
            "    return np.exp(intercept), -slope\n"
        ),
        loses=["ex2_fit_tests"],
        why="uses only the first two points",
    ),
    dict(
        cell="ex3_floor",
        source=(
            "def exponent_above_floor(x, y, floor):\n"
            "    return fit_power_law(np.asarray(x), np.asarray(y))[1]\n"
        ),
        loses=["ex3_floor_tests"],
        why="forgets to subtract the irreducible floor",
    ),
    dict(
        cell="ex3_floor",
        source=(
            "def exponent_above_floor(x, y, floor):\n"
            "    slope, _ = np.polyfit(np.log(np.asarray(x)), np.log(np.asarray(y)) - floor, 1)\n"
            "    return -slope\n"
        ),
        loses=["ex3_floor_tests"],
        why="subtracts the floor after taking logarithms",
    ),
    dict(
        cell="ex4_doublings",
        source=(
            "def doublings_to_target(current, target, exponent, floor):\n"
            "    if target <= floor:\n"
            "        return math.inf\n"
            "    if target >= current:\n"
            "        return 0.0\n"
            "    return math.log((current - floor) / (target - floor)) / exponent\n"
        ),
        loses=["ex4_doublings_tests"],
        why="counts e-foldings (natural log) instead of doublings",
    ),
    dict(
        cell="ex4_doublings",
        source=(
            "def doublings_to_target(current, target, exponent, floor):\n"
            "    if target >= current:\n"
            "        return 0.0\n"
            "    return math.log2(current / target) / exponent\n"
        ),
        loses=["ex4_doublings_tests"],
        why="ignores the floor: works with the whole loss, not its reducible part",
    ),
    dict(
        cell="ex4_doublings",
        source=(
            "def doublings_to_target(current, target, exponent, floor):\n"
            "    if target <= floor:\n"
            "        return math.inf\n"
            "    return math.log2((current - floor) / (target - floor)) / exponent\n"
        ),
        loses=["ex4_doublings_tests"],
        why="returns a negative number of doublings for a target above the current loss",
    ),
]
