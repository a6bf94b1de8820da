"""A JupyterLab server for the browser tests: loopback only, no token, throw-away settings.

The server runs from the repository root (so ``solutions/``, ``lessons/`` and the copies the
tests make are all reachable, and nbgrader's *Validate* finds ``nbgrader_config.py`` in its
working directory) with this interpreter's environment. Its runtime, configuration, data and
IPython folders are fresh temporary ones, so nothing a learner configured leaks in and nothing
the tests do leaks out.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

#: Seconds to wait for the server to answer after launch (about 5 s on an idle machine).
START_TIMEOUT_S = 120.0

#: User settings of the throw-away profile: no news pop-up or update check, no autosave, and
#: every cell kept in the page (no windowing), so that the tests see the whole notebook.
USER_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

#: Variables removed from the server's environment: the lessons must run as a learner runs
#: them (demos on, fast mode), whatever the calling shell has set.
CLEARED_VARIABLES = ("NBGRADER_EXECUTION", "PHASELAB_FULL", "MPLBACKEND")


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_user_settings(config_dir: Path) -> None:
    """Write :data:`USER_SETTINGS` where JupyterLab reads a profile's settings."""
    for plugin, values in USER_SETTINGS.items():
        path = config_dir / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")


class JupyterLab:
    """A running JupyterLab server; use :meth:`start`, then :meth:`stop`.

    Parameters
    ----------
    root
        The server's working and root directory.
    scratch
        An empty folder for the server's runtime, configuration, data and IPython folders.
    log_path
        Where the server's output goes (kept as a test artefact).
    """

    def __init__(self, root: Path, scratch: Path, log_path: Path) -> None:
        self.root = root
        self.scratch = scratch
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self._cookies = CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self._cookies))

    def environment(self) -> dict[str, str]:
        """The server's environment: ours, with private Jupyter folders and one BLAS thread."""
        env = {k: v for k, v in os.environ.items() if k not in CLEARED_VARIABLES}
        folders = {"JUPYTER_RUNTIME_DIR": "runtime", "JUPYTER_CONFIG_DIR": "config",
                   "JUPYTER_DATA_DIR": "data", "IPYTHONDIR": "ipython"}
        for variable, name in folders.items():
            env[variable] = str(self.scratch / name)
            (self.scratch / name).mkdir(parents=True, exist_ok=True)
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(variable, "1")
        return env

    def command(self) -> list[str]:
        """The command line: loopback, fixed port, no token or password, no browser."""
        return [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
            "--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password=",
            f"--ServerApp.root_dir={self.root}",
            # Lets the tests read the notebook model (outputs, execution counts) in the page.
            "--LabApp.expose_app_in_browser=True",
        ]

    def start(self) -> None:
        """Launch the server and wait until its REST API answers.

        Raises
        ------
        RuntimeError
            If the server exits or does not answer within :data:`START_TIMEOUT_S`; the message
            ends with the tail of its log.
        """
        env = self.environment()
        write_user_settings(Path(env["JUPYTER_CONFIG_DIR"]))
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            self.command(), cwd=self.root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self._process.returncode}"
                                   f"\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status", timeout=2.0)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer on {self.url} within "
                           f"{START_TIMEOUT_S:.0f} s\n{self.log_tail()}")

    def api(self, method: str, path: str, *, timeout: float = 30.0) -> Any:
        """Call the server's REST API and return the decoded JSON answer (``None`` if empty).

        Requests that change something carry the server's XSRF cookie back as a header, as the
        browser does (there is no token to authenticate them otherwise).
        """
        headers = {}
        if method != "GET":
            headers["X-XSRFToken"] = self._xsrf_token(timeout)
        request = urllib.request.Request(self.url + path, method=method, headers=headers,
                                         data=b"" if method in ("POST", "PUT") else None)
        with self._opener.open(request, timeout=timeout) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def _xsrf_token(self, timeout: float) -> str:
        """The ``_xsrf`` cookie the server sets on its pages, fetched once."""
        for cookie in self._cookies:
            if cookie.name == "_xsrf":
                return str(cookie.value)
        self._opener.open(self.url + "/lab", timeout=timeout).read()
        return next(str(c.value) for c in self._cookies if c.name == "_xsrf")

    def shut_down_sessions(self, under: str = "") -> None:
        """Stop the kernels of every notebook session whose path starts with ``under``."""
        for session in self.api("GET", "/api/sessions") or []:
            if session.get("path", "").startswith(under):
                self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        """Shut the server and its kernels down cleanly, killing it if it will not stop."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                self.shut_down_sessions()
                self.api("POST", "/api/shutdown", timeout=10.0)
                process.wait(timeout=30)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
                pass
            for stop_signal in (signal.SIGTERM, signal.SIGKILL):
                if process.poll() is not None:
                    break
                try:
                    os.killpg(process.pid, stop_signal)  # its own group: start_new_session
                    process.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
