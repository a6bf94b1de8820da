"""phaselab: the helper package of the course *Phase Transitions in Deep Learning*.

One module per topic (:mod:`phaselab.scaling`, :mod:`phaselab.phases`,
:mod:`phaselab.emergence`, :mod:`phaselab.grokking`, :mod:`phaselab.double_descent`), a shared
plotting style (:mod:`phaselab.plots`), widget builders with pure callbacks
(:mod:`phaselab.widgets`) and the checking helper every test cell uses (:mod:`phaselab.checks`).
Importing the package imports none of them: import the module you need.
"""

__version__ = "0.1.0"
