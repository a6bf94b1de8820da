"""Every lesson opened, run and driven in JupyterLab under headless Chromium."""
