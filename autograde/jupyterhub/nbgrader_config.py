"""nbgrader settings every account of the hub shares: install as /etc/jupyter/nbgrader_config.py.

Students and graders alike find the course and its exchange here. The grading account adds the
course's own settings (grader_nbgrader_config.py).
"""

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "phase-transitions"
# Released lessons, submissions and feedback pass through this folder (created by setup.sh,
# writable by everyone, sticky so nobody can delete another's files).
c.Exchange.root = "/srv/nbgrader/exchange"
