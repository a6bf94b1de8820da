#!/usr/bin/env bash
# Prepare a JupyterHub machine for the course. Run as root, from a clone of the repository:
#
#   REPO_URL=https://example.org/phase-transitions.git autograde/jupyterhub/setup.sh
#
# It creates the grading account and the exchange, clones the course into the grading account's
# home, installs one Python environment for every server (JupyterHub included), installs the
# three configuration files of this folder, and enables the formgrader for the grading account
# only. It can be run again: existing accounts, clones and environments are kept.
set -euo pipefail

COURSE_ID=phase-transitions
GRADER="grader-${COURSE_ID}"
EXCHANGE=/srv/nbgrader/exchange
ENV_DIR="${ENV_DIR:-/opt/${COURSE_ID}}"
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO_URL="${REPO_URL:-$(git -C "${HERE}" config --get remote.origin.url || true)}"
COURSE_ROOT="/home/${GRADER}/${COURSE_ID}"

if [ "$(id -u)" != "0" ]; then
    echo "run this as root" >&2
    exit 1
fi

# The grading account owns the course directory; its home is closed to students.
if ! id "${GRADER}" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "${GRADER}"
fi
chmod 0700 "/home/${GRADER}"

# nbgrader's exchange: everyone writes, nobody removes another's files.
mkdir -p "${EXCHANGE}"
chmod 1777 "${EXCHANGE}"

if [ ! -d "${COURSE_ROOT}/.git" ]; then
    if [ -z "${REPO_URL}" ]; then
        echo "set REPO_URL to the course repository" >&2
        exit 1
    fi
    runuser -u "${GRADER}" -- git clone --quiet "${REPO_URL}" "${COURSE_ROOT}"
fi

# One environment for the hub and every single-user server.
if [ ! -x "${ENV_DIR}/bin/python" ]; then
    python3 -m venv "${ENV_DIR}"
fi
"${ENV_DIR}/bin/python" -m pip install --quiet --upgrade pip
"${ENV_DIR}/bin/python" -m pip install --quiet -c "${COURSE_ROOT}/constraints.txt" \
    "${COURSE_ROOT}[course]" "jupyterhub>=4,<6"

install -D -m 0644 "${HERE}/jupyterhub_config.py" /etc/jupyterhub/jupyterhub_config.py
install -D -m 0644 "${HERE}/nbgrader_config.py" /etc/jupyter/nbgrader_config.py
install -D -o "${GRADER}" -g "${GRADER}" -m 0644 "${HERE}/grader_nbgrader_config.py" \
    "/home/${GRADER}/.jupyter/nbgrader_config.py"

# Students see the Assignments tab and Validate, never the formgrader or assignment creation.
"${ENV_DIR}/bin/jupyter" labextension disable --level=sys_prefix @jupyter/nbgrader:formgrader
"${ENV_DIR}/bin/jupyter" labextension disable --level=sys_prefix @jupyter/nbgrader:create-assignment
"${ENV_DIR}/bin/jupyter" server extension disable --sys-prefix nbgrader.server_extensions.formgrader

# The grading account gets them back for itself.
as_grader() { runuser -u "${GRADER}" -- "$@"; }
as_grader "${ENV_DIR}/bin/jupyter" labextension enable --level=user @jupyter/nbgrader:formgrader
as_grader "${ENV_DIR}/bin/jupyter" labextension enable --level=user @jupyter/nbgrader:create-assignment
as_grader "${ENV_DIR}/bin/jupyter" server extension enable --user nbgrader.server_extensions.formgrader

echo "Done. Put the class roster in /etc/jupyterhub/roster.csv, edit INSTRUCTORS in"
echo "/etc/jupyterhub/jupyterhub_config.py, then start the hub:"
echo "  PATH=${ENV_DIR}/bin:\$PATH jupyterhub -f /etc/jupyterhub/jupyterhub_config.py"
