"""Plausible wrong answers to lesson 05; each must lose exactly the points of its exercise."""

ASSIGNMENT = "05-double-descent"

CASES = [
    # Exercise 1: the random-feature map
    dict(
        cell="ex1_relu_features",
        source=(
            "def relu_features(x, weights):\n"
            "    return np.maximum(x @ weights, 0.0)\n"
        ),
        loses=["ex1_relu_features_tests"],
        why="forgets the 1/sqrt(P) scale",
    ),
    dict(
        cell="ex1_relu_features",
        source=(
            "def relu_features(x, weights):\n"
            "    return np.maximum(x @ weights, 0.0) / np.sqrt(x.shape[1])\n"
        ),
        loses=["ex1_relu_features_tests"],
        why="scales by the input dimension d instead of the number of features P",
    ),
    dict(
        cell="ex1_relu_features",
        source=(
            "def relu_features(x, weights):\n"
            "    return (x @ weights) / np.sqrt(weights.shape[1])\n"
        ),
        loses=["ex1_relu_features_tests"],
        why="leaves out the ReLU (linear features)",
    ),
    # Exercise 2: the minimum-norm fit
    dict(
        cell="ex2_min_norm_fit",
        source=(
            "def min_norm_fit(features, y):\n"
            "    z = np.asarray(features, dtype=float)\n"
            "    return np.linalg.solve(z.T @ z, z.T @ y)\n"
        ),
        loses=["ex2_min_norm_fit_tests"],
        why="normal equations: Z^T Z is singular in the over-parameterised case",
    ),
    dict(
        cell="ex2_min_norm_fit",
        source=(
            "def min_norm_fit(features, y):\n"
            "    z = np.asarray(features, dtype=float)\n"
            "    return z.T @ np.linalg.solve(z @ z.T, y)\n"
        ),
        loses=["ex2_min_norm_fit_tests"],
        why="the interpolation formula everywhere: Z Z^T is singular when P < n",
    ),
    dict(
        cell="ex2_min_norm_fit",
        source=(
            "def min_norm_fit(features, y):\n"
            "    z = np.asarray(features, dtype=float)\n"
            "    return np.linalg.solve(z.T @ z + 1e-3 * np.eye(z.shape[1]), z.T @ y)\n"
        ),
        loses=["ex2_min_norm_fit_tests"],
        why="a small ridge instead of the minimum-norm solution",
    ),
    dict(
        cell="ex2_min_norm_fit",
        source=(
            "def min_norm_fit(features, y):\n"
            "    z = np.asarray(features, dtype=float)\n"
            "    if z.shape[0] >= z.shape[1]:\n"
            "        return np.linalg.solve(z.T @ z, z.T @ y)\n"
            "    return z.T @ np.linalg.solve(z @ z.T, y)\n"
        ),
        loses=["ex2_min_norm_fit_tests"],
        why="one formula per shape: fails when the columns of Z are dependent (hidden test)",
    ),
    # Exercise 3: test risk over a sweep
    dict(
        cell="ex3_test_risk_curve",
        source=(
            "def test_risk_curve(x_train, y_train, x_test, f_test, weights, feature_counts):\n"
            "    risks = []\n"
            "    for count in feature_counts:\n"
            "        w = weights[:, :count]\n"
            "        a = min_norm_fit(relu_features(x_train, w), y_train)\n"
            "        risks.append(np.mean((relu_features(x_train, w) @ a - y_train) ** 2))\n"
            "    return np.array(risks)\n"
        ),
        loses=["ex3_test_risk_curve_tests"],
        why="reports the training error instead of the test error",
    ),
    dict(
        cell="ex3_test_risk_curve",
        source=(
            "def test_risk_curve(x_train, y_train, x_test, f_test, weights, feature_counts):\n"
            "    risks = []\n"
            "    for count in feature_counts:\n"
            "        w = weights[:, :count]\n"
            "        a = min_norm_fit(relu_features(x_train, w), y_train)\n"
            "        risks.append(np.sqrt(np.mean((relu_features(x_test, w) @ a - f_test) ** 2)))\n"
            "    return np.array(risks)\n"
        ),
        loses=["ex3_test_risk_curve_tests"],
        why="root mean squared error instead of mean squared error",
    ),
    dict(
        cell="ex3_test_risk_curve",
        source=(
            "def test_risk_curve(x_train, y_train, x_test, f_test, weights, feature_counts):\n"
            "    risks = []\n"
            "    for count in feature_counts:\n"
            "        a = min_norm_fit(relu_features(x_train, weights), y_train)\n"
            "        risks.append(np.mean((relu_features(x_test, weights) @ a - f_test) ** 2))\n"
            "    return np.array(risks)\n"
        ),
        loses=["ex3_test_risk_curve_tests"],
        why="uses all columns of weights for every model size",
    ),
    # Exercise 4: the theoretical risk
    dict(
        cell="ex4_min_norm_risk",
        source=(
            "def min_norm_risk(p, n, sigma, r):\n"
            "    p = np.asarray(p, dtype=float)\n"
            "    risk = np.full(p.shape, np.inf)\n"
            "    under, over = p <= n - 2, p >= n + 2\n"
            "    risk[under] = sigma**2 * p[under] / (n - p[under] - 1) + sigma**2\n"
            "    risk[over] = (r**2 * (1 - n / p[over]) + sigma**2 * n / (p[over] - n - 1)\n"
            "                  + sigma**2)\n"
            "    return risk\n"
        ),
        loses=["ex4_min_norm_risk_tests"],
        why="adds the test-label noise sigma^2, which the formula excludes",
    ),
    dict(
        cell="ex4_min_norm_risk",
        source=(
            "def min_norm_risk(p, n, sigma, r):\n"
            "    p = np.asarray(p, dtype=float)\n"
            "    risk = np.full(p.shape, np.inf)\n"
            "    under, over = p <= n - 2, p >= n + 2\n"
            "    risk[under] = sigma**2 * p[under] / (n - p[under])\n"
            "    risk[over] = r**2 * (1 - n / p[over]) + sigma**2 * n / (p[over] - n)\n"
            "    return risk\n"
        ),
        loses=["ex4_min_norm_risk_tests"],
        why="the proportional-limit denominators (no -1) at finite n",
    ),
    dict(
        cell="ex4_min_norm_risk",
        source=(
            "def min_norm_risk(p, n, sigma, r):\n"
            "    p = np.asarray(p, dtype=float)\n"
            "    risk = np.full(p.shape, np.nan)\n"
            "    under, over = p <= n - 2, p >= n + 2\n"
            "    risk[under] = sigma**2 * p[under] / (n - p[under] - 1)\n"
            "    risk[over] = r**2 * (1 - n / p[over]) + sigma**2 * n / (p[over] - n - 1)\n"
            "    return risk\n"
        ),
        loses=["ex4_min_norm_risk_tests"],
        why="returns nan instead of inf between the two branches",
    ),
    dict(
        cell="ex4_min_norm_risk",
        source=(
            "def min_norm_risk(p, n, sigma, r):\n"
            "    p = np.asarray(p, dtype=float)\n"
            "    with np.errstate(divide='ignore'):\n"
            "        return np.where(p < n, sigma**2 * p / (n - p - 1),\n"
            "                        r**2 * (1 - n / p) + sigma**2 * n / (p - n - 1))\n"
        ),
        loses=["ex4_min_norm_risk_tests"],
        why="applies the formulas right up to p = n (finite, even negative, at the threshold)",
    ),
    dict(
        cell="ex4_min_norm_risk",
        source=(
            "def min_norm_risk(p, n, sigma, r):\n"
            "    p = np.asarray(p, dtype=float)\n"
            "    risk = np.full(p.shape, np.inf)\n"
            "    under, over = p <= n - 2, p >= n + 2\n"
            "    risk[under] = sigma**2 * p[under] / (n - p[under] - 1)\n"
            "    risk[over] = r * (1 - n / p[over]) + sigma**2 * n / (p[over] - n - 1)\n"
            "    return risk\n"
        ),
        loses=["ex4_min_norm_risk_tests"],
        why="bias r (1 - n/p) instead of r^2 (1 - n/p): only a hidden test with r != 1 sees it",
    ),
    # Exercise 5: locating the peak
    dict(
        cell="ex5_peak_feature_count",
        source=(
            "def peak_feature_count(feature_counts, risks):\n"
            "    return int(np.asarray(feature_counts)[np.argmax(np.mean(risks, axis=0))])\n"
        ),
        loses=["ex5_peak_feature_count_tests"],
        why="the mean over repeats, which one wild draw dominates",
    ),
    dict(
        cell="ex5_peak_feature_count",
        source=(
            "def peak_feature_count(feature_counts, risks):\n"
            "    return int(np.argmax(np.median(risks, axis=0)))\n"
        ),
        loses=["ex5_peak_feature_count_tests"],
        why="returns the position of the peak instead of the model size",
    ),
    dict(
        cell="ex5_peak_feature_count",
        source=(
            "def peak_feature_count(feature_counts, risks):\n"
            "    return int(np.asarray(feature_counts)[np.argmax(np.median(risks, axis=1))])\n"
        ),
        loses=["ex5_peak_feature_count_tests"],
        why="takes the median along the wrong axis (over model sizes)",
    ),
    # Exercise 6: a ridge that removes the peak
    dict(
        cell="ex6_ridge_lambda",
        source="def peak_removing_lambda():\n    return 0.0\n",
        loses=["ex6_ridge_lambda_tests"],
        why="no regularisation at all",
    ),
    dict(
        cell="ex6_ridge_lambda",
        source="def peak_removing_lambda():\n    return 1e-4\n",
        loses=["ex6_ridge_lambda_tests"],
        why="a ridge too weak to remove the peak",
    ),
    dict(
        cell="ex6_ridge_lambda",
        source="def peak_removing_lambda():\n    return 10.0\n",
        loses=["ex6_ridge_lambda_tests"],
        why="a ridge so strong that the large models lose their advantage",
    ),
]
