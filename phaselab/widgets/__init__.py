"""Interactive demos, one module per lesson topic.

Each demo is split in two: a pure function that computes what the figure shows from the
control values (unit-tested and timed by the benchmarks), and a ``build_*`` function that wires
ipywidgets controls to a matplotlib figure through :func:`phaselab.widgets.core.linked_figure`.
Import the topic module you need, e.g. ``from phaselab.widgets import powerlaw``.
"""
