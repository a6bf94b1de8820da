"""Benchmarks of the course: how fast the lessons run and grade, measured side by side.

``python -m benchmarks.run`` (or ``make bench``) measures every figure group and writes
``benchmarks/results.json`` (one entry per figure) and the readable ``benchmarks/RESULTS.md``.
Machines are noisy, so every figure is the median of several runs, shown with its minimum and
maximum, and every comparison is a ratio of two measurements taken in the same run.

Modules:

* :mod:`benchmarks.core` -- a figure, its goal and verdict, summary statistics, timers;
* :mod:`benchmarks.report` -- the JSON file and the markdown table;
* one module per figure group: :mod:`benchmarks.notebooks` (solution notebooks),
  :mod:`benchmarks.grokking` (training speed, with :mod:`benchmarks.torch_reference`),
  :mod:`benchmarks.widgets` (demo callbacks), :mod:`benchmarks.grading` (nbgrader) and
  :mod:`benchmarks.testsuite` (pytest);
* :mod:`benchmarks.run` -- the command line.

Nothing runs at import time.
"""
