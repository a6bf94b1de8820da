"""Tools for teaching the course to a class: nbgrader configuration and grading commands.

Nothing here runs at import time; see :mod:`autograde.config` for the course settings that
``nbgrader_config.py`` applies.
"""
