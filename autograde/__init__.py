"""Tools for teaching the course to a class: nbgrader configuration and grading commands.

Nothing here runs at import time. :mod:`autograde.config` holds the course settings that
``nbgrader_config.py`` applies; ``course-grade`` (:mod:`autograde.cli`) is the instructor's
command, built from one small module per step: :mod:`~autograde.roster`,
:mod:`~autograde.release`, :mod:`~autograde.collect`, :mod:`~autograde.grading`,
:mod:`~autograde.regrade`, :mod:`~autograde.feedback`, :mod:`~autograde.export` and, for
learners, :mod:`~autograde.progress`. :mod:`~autograde.postgres` starts a private PostgreSQL
server for trials and tests, and :mod:`~autograde.benchmark` times class grading. The
instructor guide is ``autograde/GUIDE.md``.
"""
