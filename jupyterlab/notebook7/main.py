"""Serves the webpack-built Jupyter Notebook 7.6 single-notebook page (build/) with Debian's
jupyterlab_server on jupyter_server 1.23: /notebooks/<path> opens a notebook, as in Notebook 7.
After jupyter/notebook notebook/app.py (NotebookHandler), without the tree/edit/console pages.
The course's browser test (tests/helpers/jupyterlab.ts) starts it; by hand, see ../README.md.
"""
import json
import os

from jsonschema import Draft7Validator
from jupyter_server.utils import ensure_async, url_escape, url_path_join as ujoin
from jupyterlab_server import LabServerApp
from jupyterlab_server.handlers import LabHandler
import jupyterlab_server.settings_utils as _settings_utils
from tornado import web

# Settings schemas of JupyterLab 4.5+ need Draft 7: see ../lab/main.py.
_settings_utils.Validator = Draft7Validator

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ["JUPYTER_NO_CONFIG"] = "1"

with open(os.path.join(HERE, "package.json")) as fid:
    version = json.load(fid)["version"]


class NotebookHandler(LabHandler):
    """/notebooks/<path>: the Notebook 7 single-notebook page."""

    @web.authenticated
    async def get(self, path=""):
        path = path.strip("/")
        if await ensure_async(self.contents_manager.dir_exists(path=path)):
            self.redirect(ujoin(self.base_url, "tree", url_escape(path)))
            return
        page_config = dict(self.get_page_config())
        page_config["treePath"] = path
        # Which Notebook 7 page this is: keeps the Edit, Kernel and Run menus.
        page_config["notebookPage"] = "notebooks"
        self.write(self.render_template("notebooks.html", page_config=page_config))


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": CourseNotebookApp}]


class CourseNotebookApp(LabServerApp):
    name = __name__
    extension_url = "/notebooks"
    default_url = "/notebooks"
    load_other_extensions = False
    app_name = "Jupyter Notebook (course build)"
    app_version = version
    app_settings_dir = os.path.join(HERE, "settings")
    schemas_dir = os.path.join(HERE, "build", "schemas")
    static_dir = os.path.join(HERE, "build")
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(HERE, "build", "themes")
    # Defaults; the test points both elsewhere (--CourseNotebookApp.user_settings_dir=...).
    user_settings_dir = os.path.join(HERE, "build", "user_settings")
    workspaces_dir = os.path.join(HERE, "build", "workspaces")

    def initialize_handlers(self):
        self.handlers.append(("/notebooks(.*)", NotebookHandler))
        super().initialize_handlers()

    def initialize_settings(self):
        super().initialize_settings()
        self.serverapp.web_app.settings["terminals_available"] = False


if __name__ == "__main__":
    CourseNotebookApp.launch_instance()
