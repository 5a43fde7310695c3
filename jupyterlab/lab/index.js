// A JupyterLab 4.6 frontend from npm packages (after jupyterlab examples/app), for the course's
// browser test (tests/notebooks/jupyterlab.test.ts). It imports the packages package.json lists
// under "jupyterlab.extensions" (the build checks that they agree, see ../webpack.shared.js).
import { JupyterLab } from "@jupyterlab/application";
import { PageConfig } from "@jupyterlab/coreutils";
// eslint-disable-next-line
__webpack_public_path__ = PageConfig.getOption("fullStaticUrl") + "/";

const styles = import("./build/style.js");

const extensions = [
  import("@jupyterlab/application-extension"),
  import("@jupyterlab/apputils-extension"),
  import("@jupyterlab/celltags-extension"),
  import("@jupyterlab/codemirror-extension"),
  import("@jupyterlab/completer-extension"),
  import("@jupyterlab/console-extension"),
  import("@jupyterlab/docmanager-extension"),
  import("@jupyterlab/documentsearch-extension"),
  import("@jupyterlab/filebrowser-extension"),
  import("@jupyterlab/fileeditor-extension").then((p) => p.default.filter(({ id }) => !id.includes(":language-server"))),
  import("@jupyterlab/help-extension"),
  import("@jupyterlab/imageviewer-extension"),
  import("@jupyterlab/inspector-extension"),
  import("@jupyterlab/launcher-extension"),
  import("@jupyterlab/mainmenu-extension"),
  import("@jupyterlab/markdownviewer-extension"),
  import("@jupyterlab/markedparser-extension"),
  import("@jupyterlab/mathjax-extension"),
  import("@jupyterlab/metadataform-extension"),
  import("@jupyterlab/notebook-extension").then((p) => p.default.filter(({ id }) => !id.includes(":language-server"))),
  import("@jupyterlab/rendermime-extension"),
  import("@jupyterlab/running-extension"),
  import("@jupyterlab/settingeditor-extension"),
  import("@jupyterlab/shortcuts-extension"),
  import("@jupyterlab/statusbar-extension"),
  import("@jupyterlab/theme-light-extension"),
  import("@jupyterlab/toc-extension"),
  import("@jupyterlab/tooltip-extension"),
  import("@jupyterlab/translation-extension"),
  import("@jupyterlab/ui-components-extension"),
];

// Same MIME renderers as JupyterLab's own (minus vega5/mermaid/pdf): no plotly renderer,
// exactly like a stock JupyterLab without the jupyterlab-plotly extension.
const mimeExtensions = [import("@jupyterlab/javascript-extension"), import("@jupyterlab/json-extension")];

window.addEventListener("load", async function () {
  await styles;
  // Honour page_config disabledExtensions, as JupyterLab's own index.js does.
  const { isDisabled } = PageConfig.Extension;
  const keep = (mod) => {
    const plugins = mod.default !== undefined ? mod.default : mod;
    return (Array.isArray(plugins) ? plugins : [plugins]).filter((p) => !isDisabled(p.id));
  };
  const lab = new JupyterLab({ mimeExtensions: await Promise.all(mimeExtensions) });
  lab.registerPluginModules((await Promise.all(extensions)).map(keep));
  // Exposed for the browser test (page.evaluate): commands, shell, serviceManager.
  window.jupyterapp = lab;
  await lab.start();
  await lab.restored;
  document.body.setAttribute("data-jlab-restored", "true");
  console.log("JupyterLab (course build) restored");
});
