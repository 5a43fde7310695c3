// The Jupyter Notebook 7.6 single-notebook page (/notebooks/<path>) from npm packages, after
// jupyter/notebook app/index.template.js, for the course's browser test
// (tests/notebooks/jupyterlab.test.ts). plugins.json says which plugins of each package load,
// as Notebook 7's own build does; `modules` names the same packages, as does package.json
// "jupyterlab.extensions" (webpack needs each import written out; the build checks that the
// lists agree, see ../webpack.shared.js).
import { PageConfig } from "@jupyterlab/coreutils";
import { PluginRegistry } from "@lumino/coreutils";
import plugins from "./plugins.json";
// eslint-disable-next-line
__webpack_public_path__ = PageConfig.getOption("fullStaticUrl") + "/";

const styles = import("./build/style.js");

const modules = {
  "@jupyter-notebook/application-extension": () => import("@jupyter-notebook/application-extension"),
  "@jupyter-notebook/console-extension": () => import("@jupyter-notebook/console-extension"),
  "@jupyter-notebook/docmanager-extension": () => import("@jupyter-notebook/docmanager-extension"),
  "@jupyter-notebook/help-extension": () => import("@jupyter-notebook/help-extension"),
  "@jupyter-notebook/notebook-extension": () => import("@jupyter-notebook/notebook-extension"),
  "@jupyterlab/application-extension": () => import("@jupyterlab/application-extension"),
  "@jupyterlab/apputils-extension": () => import("@jupyterlab/apputils-extension"),
  "@jupyterlab/cell-toolbar-extension": () => import("@jupyterlab/cell-toolbar-extension"),
  "@jupyterlab/celltags-extension": () => import("@jupyterlab/celltags-extension"),
  "@jupyterlab/codemirror-extension": () => import("@jupyterlab/codemirror-extension"),
  "@jupyterlab/completer-extension": () => import("@jupyterlab/completer-extension"),
  "@jupyterlab/console-extension": () => import("@jupyterlab/console-extension"),
  "@jupyterlab/csvviewer-extension": () => import("@jupyterlab/csvviewer-extension"),
  "@jupyterlab/docmanager-extension": () => import("@jupyterlab/docmanager-extension"),
  "@jupyterlab/documentsearch-extension": () => import("@jupyterlab/documentsearch-extension"),
  "@jupyterlab/filebrowser-extension": () => import("@jupyterlab/filebrowser-extension"),
  "@jupyterlab/fileeditor-extension": () => import("@jupyterlab/fileeditor-extension"),
  "@jupyterlab/help-extension": () => import("@jupyterlab/help-extension"),
  "@jupyterlab/htmlviewer-extension": () => import("@jupyterlab/htmlviewer-extension"),
  "@jupyterlab/imageviewer-extension": () => import("@jupyterlab/imageviewer-extension"),
  "@jupyterlab/logconsole-extension": () => import("@jupyterlab/logconsole-extension"),
  "@jupyterlab/mainmenu-extension": () => import("@jupyterlab/mainmenu-extension"),
  "@jupyterlab/markedparser-extension": () => import("@jupyterlab/markedparser-extension"),
  "@jupyterlab/mathjax-extension": () => import("@jupyterlab/mathjax-extension"),
  "@jupyterlab/metadataform-extension": () => import("@jupyterlab/metadataform-extension"),
  "@jupyterlab/notebook-extension": () => import("@jupyterlab/notebook-extension"),
  "@jupyterlab/services-extension": () => import("@jupyterlab/services-extension"),
  "@jupyterlab/shortcuts-extension": () => import("@jupyterlab/shortcuts-extension"),
  "@jupyterlab/theme-light-extension": () => import("@jupyterlab/theme-light-extension"),
  "@jupyterlab/toc-extension": () => import("@jupyterlab/toc-extension"),
  "@jupyterlab/tooltip-extension": () => import("@jupyterlab/tooltip-extension"),
  "@jupyterlab/translation-extension": () => import("@jupyterlab/translation-extension"),
  "@jupyterlab/ui-components-extension": () => import("@jupyterlab/ui-components-extension"),
};
const mimeModules = {
  "@jupyterlab/javascript-extension": () => import("@jupyterlab/javascript-extension"),
  "@jupyterlab/json-extension": () => import("@jupyterlab/json-extension"),
};

/** The plugins of package `name` that plugins.json allows and page_config does not disable. */
function pluginsOf(name, mod) {
  const exported = Object.prototype.hasOwnProperty.call(mod, "__esModule") || mod.default ? mod.default : mod;
  const list = Array.isArray(exported) ? exported : [exported];
  const allowed = plugins.plugins[name];
  if (allowed === undefined) throw new Error(`plugins.json does not list ${name}`);
  return list.filter((p) => (allowed === true || allowed.includes(p.id)) && !PageConfig.Extension.isDisabled(p.id));
}

window.addEventListener("load", async function () {
  await styles;
  const mods = [];
  for (const [name, load] of Object.entries(modules)) mods.push(...pluginsOf(name, await load()));
  const mimeExtensions = await Promise.all(plugins.mime.map(async (name) => (await mimeModules[name]()).default));
  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins(mods);
  const { IServiceManager } = await import("@jupyterlab/services");
  const serviceManager = await pluginRegistry.resolveRequiredService(IServiceManager);
  const { NotebookApp } = await import("@jupyter-notebook/application");
  const app = new NotebookApp({ pluginRegistry, serviceManager, mimeExtensions, availablePlugins: [] });
  // Exposed for the browser test (page.evaluate): commands, shell, serviceManager.
  window.jupyterapp = app;
  await app.start();
  await app.restored;
  document.body.setAttribute("data-jlab-restored", "true");
  console.log("Notebook 7 (course build) restored");
});
