"""Hypothesis strategies shared by the unit tests."""

from __future__ import annotations

from hypothesis import strategies as st

from phaselab import scaling as sc

#: Scaling exponents in the range published fits fall in.
exponents = st.floats(min_value=0.1, max_value=0.9)

#: Chinchilla-form loss laws L(N, D) = E + A / N^alpha + B / D^beta.
chinchilla_params = st.builds(
    sc.ChinchillaParams,
    E=st.floats(min_value=0.5, max_value=3.0),
    A=st.floats(min_value=10.0, max_value=1e4),
    B=st.floats(min_value=10.0, max_value=1e4),
    alpha=exponents,
    beta=exponents,
)
