"""Serves the webpack-built JupyterLab 4.6 frontend in build/ with Debian's jupyterlab_server
(LabServerApp) on jupyter_server, after jupyterlab's examples/app/main.py. The course's browser
test (tests/helpers/jupyterlab.ts) starts it; by hand, see ../README.md.

    /usr/bin/python3 main.py --ServerApp.port=8899 --ServerApp.root_dir=../.. ...
"""
import json
import os

from jsonschema import Draft7Validator
from jupyterlab_server import LabServerApp
import jupyterlab_server.settings_utils as _settings_utils

# jupyterlab_server < 2.25.2 (bookworm has 2.16.5) validates settings with Draft 4, which
# ignores `const`, so JupyterLab 4.5+ schemas that use oneOf/const (e.g. the notebook
# windowingMode) reject every value with a 400. 2.25.2 switched to Draft 7 (PR #423): same here.
_settings_utils.Validator = Draft7Validator

HERE = os.path.dirname(os.path.abspath(__file__))

# Standalone: ignore Jupyter config files on disk.
os.environ["JUPYTER_NO_CONFIG"] = "1"

with open(os.path.join(HERE, "package.json")) as fid:
    version = json.load(fid)["version"]


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": CourseLabApp}]


class CourseLabApp(LabServerApp):
    extension_url = "/lab"
    default_url = "/lab"
    name = __name__
    load_other_extensions = False
    app_name = "JupyterLab (course build)"
    app_version = version
    # settings/page_config.json disables the "Jupyter news?" toast (noise in screenshots).
    app_settings_dir = os.path.join(HERE, "settings")
    schemas_dir = os.path.join(HERE, "build", "schemas")
    static_dir = os.path.join(HERE, "build")
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(HERE, "build", "themes")
    # Defaults; the test points both elsewhere (--CourseLabApp.user_settings_dir=...).
    user_settings_dir = os.path.join(HERE, "build", "user_settings")
    workspaces_dir = os.path.join(HERE, "build", "workspaces")

    def initialize_settings(self):
        super().initialize_settings()
        self.serverapp.web_app.settings["terminals_available"] = False


if __name__ == "__main__":
    CourseLabApp.launch_instance()
