"""JupyterHub for one class of the course: students, graders, and a shared grading service.

Install as ``/etc/jupyterhub/jupyterhub_config.py`` (``setup.sh`` does it) and edit the settings
at the top. Students log in to their own servers and get lessons through nbgrader's
*Assignments* tab; instructors and teaching assistants reach the formgrader through the service
named after the course, a Jupyter server run by the grading account in the course directory.
Needs JupyterHub 4 or newer. See ``autograde/GUIDE.md``, section "JupyterHub".
"""

import csv
import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

# --- settings --------------------------------------------------------------------------------
#: Must equal CourseDirectory.course_id in autograde/config.py.
COURSE_ID = "phase-transitions"
#: The Unix account that owns the course directory and runs the formgrader.
GRADER_ACCOUNT = f"grader-{COURSE_ID}"
#: The course repository, cloned into the grading account's home.
COURSE_ROOT = f"/home/{GRADER_ACCOUNT}/{COURSE_ID}"
#: Hub users who teach (hub administrators too) and who mark by hand.
INSTRUCTORS = ["instructor1"]
TEACHING_ASSISTANTS = []
#: The class: the ids of the roster CSV imported with `course-grade roster` (column `id`).
ROSTER = Path("/etc/jupyterhub/roster.csv")
#: Shared gradebook (PostgreSQL) for several graders; empty keeps SQLite in the course.
GRADEBOOK_URL = os.environ.get("PHASELAB_GRADEBOOK_URL", "")
#: Local port of the grading service.
SERVICE_PORT = 9999
# ----------------------------------------------------------------------------------------------


def roster_ids(path: Path) -> list[str]:
    """Student ids from the roster's ``id`` column (none if the file is absent)."""
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [row["id"].strip() for row in csv.DictReader(handle) if row.get("id", "").strip()]


STUDENTS = roster_ids(ROSTER)
GRADERS = INSTRUCTORS + TEACHING_ASSISTANTS

c.Authenticator.allowed_users = set(GRADERS + STUDENTS)
c.Authenticator.admin_users = set(INSTRUCTORS)

# nbgrader recognises courses by group names: formgrade-<course> may use the formgrader,
# nbgrader-<course> takes the course.
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE_ID}": {"users": GRADERS},
    f"nbgrader-{COURSE_ID}": {"users": STUDENTS},
}

c.JupyterHub.load_roles = [
    {   # graders open the grading service and can find it
        "name": f"formgrade-{COURSE_ID}",
        "groups": [f"formgrade-{COURSE_ID}"],
        "scopes": [f"access:services!service={COURSE_ID}", "list:services",
                   f"read:services!service={COURSE_ID}"],
    },
    {   # students can find the course's service (nbgrader's course list uses it)
        "name": f"nbgrader-{COURSE_ID}",
        "groups": [f"nbgrader-{COURSE_ID}"],
        "scopes": ["list:services", f"read:services!service={COURSE_ID}"],
    },
    {   # single-user servers act with their owner's permissions (nbgrader's extensions query
        # the hub's services and groups with the server's token)
        "name": "server",
        "scopes": ["inherit"],
    },
]

environment = {"JUPYTERHUB_DEFAULT_URL": "/lab"}
if GRADEBOOK_URL:
    environment["PHASELAB_GRADEBOOK_URL"] = GRADEBOOK_URL

c.JupyterHub.services = [
    {
        "name": COURSE_ID,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": ["jupyterhub-singleuser", f"--ServerApp.root_dir={COURSE_ROOT}"],
        "user": GRADER_ACCOUNT,
        "cwd": COURSE_ROOT,
        "environment": environment,
    },
]

# Everyone lands in JupyterLab.
c.Spawner.default_url = "/lab"
