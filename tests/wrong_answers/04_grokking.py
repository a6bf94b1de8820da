"""Plausible wrong answers for lesson 04 (grokking); each must lose exactly the listed cells."""

ASSIGNMENT = "04-grokking"

_SPLIT = '''def make_split(p, train_fraction, seed):
    a, b = np.divmod(np.arange(p * p), p)
    table = np.stack([a, b, {answer}], axis=1)
    {order}
    n_train = {n_train}
    return table[order[:n_train]], table[order[n_train:]]
'''

_ADAMW = '''def adamw_update(param, grad, m, v, step, lr, beta1=0.9, beta2=0.98, eps=1e-8,
                 weight_decay=1.0):
{grad_line}    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = {m_hat}
    v_hat = {v_hat}
    param = param - {decay} - lr * m_hat / ({denominator})
    return param, m, v
'''


def _adamw(grad="", t="step", decay="lr * weight_decay * param",
           denominator="np.sqrt(v_hat) + eps", corrected=True):
    m_hat = f"m / (1 - beta1**{t})" if corrected else "m"
    v_hat = f"v / (1 - beta2**{t})" if corrected else "v"
    grad_line = f"    {grad}\n" if grad else ""
    return _ADAMW.format(grad_line=grad_line, m_hat=m_hat, v_hat=v_hat, decay=decay,
                         denominator=denominator)


_FOURIER = '''def fourier_power(embedding):
    spectrum = np.sum(np.abs(np.fft.rfft(embedding, axis={axis})) ** 2, axis={sum_axis})
    {double}
    return spectrum / spectrum.sum()


def top_frequencies(power, k):
    return {top}
'''


def _fourier(axis=0, sum_axis=1, double="spectrum[1:] *= 2",
             top="np.argsort(power[1:])[::-1][:k] + 1"):
    return _FOURIER.format(axis=axis, sum_axis=sum_axis, double=double, top=top)


_DETECT = '''def detect_grokking(history, val_threshold=0.95, train_threshold=0.99):
    steps = np.asarray(history["steps"])
    train_acc = np.asarray(history["train_acc"])
    val_acc = np.asarray(history["val_acc"])
    saturated = np.flatnonzero(train_acc {train_cmp} train_threshold)
    if saturated.size == 0:
        return {missing}
    start = {start}
    crossed = np.flatnonzero(val_acc[start:] {val_cmp} val_threshold)
    if crossed.size == 0:
        return {missing}
    return {result}
'''


def _detect(train_cmp=">=", val_cmp=">=", missing="None", start="saturated[0]",
            result="int(steps[start + crossed[0]])"):
    return _DETECT.format(train_cmp=train_cmp, val_cmp=val_cmp, missing=missing, start=start,
                          result=result)


_DEFAULT_SPLIT = dict(answer="(a + b) % p",
                      order="order = np.random.default_rng(seed).permutation(p * p)",
                      n_train="round(train_fraction * p * p)")

CASES = [
    # Exercise 1: the split.
    dict(cell="ex1_split", loses=["ex1_split_tests"],
         source=_SPLIT.format(**{**_DEFAULT_SPLIT, "answer": "a + b"}),
         why="forgets the modulo: answers run up to 2p - 2"),
    dict(cell="ex1_split", loses=["ex1_split_tests"],
         source=_SPLIT.format(**{**_DEFAULT_SPLIT, "order": "order = np.arange(p * p)"}),
         why="no shuffle: the training set is the first rows of the ordered table"),
    dict(cell="ex1_split", loses=["ex1_split_tests"],
         source=_SPLIT.format(**{**_DEFAULT_SPLIT, "order":
                                 "order = np.random.default_rng(seed).integers(0, p * p, p * p)"}),
         why="draws rows with replacement, so some equations repeat and others are missing"),
    dict(cell="ex1_split", loses=["ex1_split_tests"],
         source=_SPLIT.format(**{**_DEFAULT_SPLIT, "n_train": "round(train_fraction * p)"}),
         why="takes the fraction of p instead of p squared"),
    # Exercise 2: accuracy.
    dict(cell="ex2_accuracy", loses=["ex2_accuracy_tests"],
         source="def accuracy(logits, labels):\n"
                "    return float(np.mean(np.argmax(logits, axis=0) == labels))\n",
         why="argmax over the examples (axis 0) instead of the classes"),
    dict(cell="ex2_accuracy", loses=["ex2_accuracy_tests"],
         source="def accuracy(logits, labels):\n"
                "    return float(np.sum(np.argmax(logits, axis=1) == labels))\n",
         why="returns the number of correct answers, not the fraction"),
    dict(cell="ex2_accuracy", loses=["ex2_accuracy_tests"],
         source="def accuracy(logits, labels):\n"
                "    return 100 * float(np.mean(np.argmax(logits, axis=1) == labels))\n",
         why="returns a percentage instead of a fraction"),
    # Exercise 3: AdamW.
    dict(cell="ex3_adamw", loses=["ex3_adamw_tests"],
         source=_adamw(grad="grad = grad + weight_decay * param", decay="0"),
         why="L2 penalty in the gradient (Adam with coupled decay) instead of decoupled decay"),
    dict(cell="ex3_adamw", loses=["ex3_adamw_tests"],
         source=_adamw(corrected=False),
         why="no bias correction of the moment estimates"),
    dict(cell="ex3_adamw", loses=["ex3_adamw_tests"],
         source=_adamw(t="(step - 1)"),
         why="counts the steps from 0 in the bias corrections (off by one)"),
    dict(cell="ex3_adamw", loses=["ex3_adamw_tests"],
         source=_adamw(denominator="np.sqrt(v_hat + eps)"),
         why="puts epsilon inside the square root"),
    dict(cell="ex3_adamw", loses=["ex3_adamw_tests"],
         source=_adamw(decay="weight_decay * param"),
         why="weight decay not multiplied by the learning rate"),
    # Exercise 4: weight norm.
    dict(cell="ex4_weight_norm", loses=["ex4_weight_norm_tests"],
         source="def weight_norm(params):\n"
                "    return float(sum(np.linalg.norm(value) for value in params.values()))\n",
         why="adds the norms of the arrays instead of taking the norm of everything"),
    dict(cell="ex4_weight_norm", loses=["ex4_weight_norm_tests"],
         source="def weight_norm(params):\n"
                "    return float(sum(np.sum(value ** 2) for value in params.values()))\n",
         why="forgets the square root (returns the squared norm)"),
    dict(cell="ex4_weight_norm", loses=["ex4_weight_norm_tests"],
         source="def weight_norm(params):\n"
                "    return float(np.sqrt(sum(np.sum(value ** 2) for value in params.values()\n"
                "                             if np.ndim(value) == 2)))\n",
         why="counts only the weight matrices and leaves out the biases"),
    # Exercise 5: Fourier power and key frequencies.
    dict(cell="ex5_fourier", loses=["ex5_fourier_tests"],
         source=_fourier(double="pass"),
         why="normalises the rfft power without doubling the bins k >= 1 (Parseval)"),
    dict(cell="ex5_fourier", loses=["ex5_fourier_tests"],
         source=_fourier(top="np.argsort(power[1:])[::-1][:k]"),
         why="returns positions in power[1:] (off by one) instead of frequencies"),
    dict(cell="ex5_fourier", loses=["ex5_fourier_tests"],
         source=_fourier(top="np.argsort(power)[::-1][:k]"),
         why="lets frequency 0 (the mean) count as a key frequency"),
    dict(cell="ex5_fourier", loses=["ex5_fourier_tests"],
         source=_fourier(top="np.argsort(power[1:])[:k] + 1"),
         why="returns the weakest frequencies (ascending sort)"),
    dict(cell="ex5_fourier", loses=["ex5_fourier_tests"],
         source=_fourier(axis=1, sum_axis=0),
         why="transforms along the embedding axis instead of the token axis"),
    # Exercise 6: detecting grokking.
    dict(cell="ex6_detect", loses=["ex6_detect_tests"],
         source=_detect(result="int(start + crossed[0])"),
         why="returns the index of the crossing instead of its step"),
    dict(cell="ex6_detect", loses=["ex6_detect_tests"],
         source=_detect(val_cmp=">", train_cmp=">"),
         why="strict comparisons: reaching a threshold exactly does not count"),
    dict(cell="ex6_detect", loses=["ex6_detect_tests"],
         source=_detect(start="0"),
         why="ignores training saturation and reports the first validation crossing"),
    dict(cell="ex6_detect", loses=["ex6_detect_tests"],
         source=_detect(missing="-1"),
         why="returns -1 instead of None for runs that never grok"),
]
