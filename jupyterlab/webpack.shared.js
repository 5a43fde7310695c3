// The webpack config both apps build with: a JupyterLab-style frontend from npm packages.
// Adapted from jupyterlab/jupyterlab examples/app (v4.5.0, webpack variant). Each app's
// webpack.config.js passes its own folder and its own copies of the build tools, so this file
// needs no node_modules of its own.
const fs = require("fs");

/**
 * The app's extension packages are written down two or three times: package.json
 * "jupyterlab.extensions" (whose styles, schemas and themes the build copies), the imports in
 * index.js (webpack needs each written out), and for Notebook 7 plugins.json. Says which differ,
 * rather than build an app with a plugin that has no style or no settings.
 */
function checkExtensionLists(dir, listed) {
  const source = fs.readFileSync(dir + "/index.js", "utf8");
  const lists = { "index.js": [...source.matchAll(/import\(["']([^"']+-extension)["']\)/g)].map((m) => m[1]) };
  if (fs.existsSync(dir + "/plugins.json")) {
    const plugins = JSON.parse(fs.readFileSync(dir + "/plugins.json", "utf8"));
    lists["plugins.json"] = [...Object.keys(plugins.plugins), ...plugins.mime];
  }
  for (const [file, names] of Object.entries(lists)) {
    const missing = listed.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !listed.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(
        `${dir}: ${file} and package.json "jupyterlab.extensions" differ; ` +
          `missing from ${file}: ${missing.join(", ") || "none"}; not in package.json: ${extra.join(", ") || "none"}`,
      );
    }
  }
}

/**
 * @param {string} dir the app folder (holds package.json, index.js; output goes to dir/build)
 * @param {{ webpack: any, Build: any, miniSVGDataURI: (svg: string) => string }} tools
 */
module.exports = function courseAppConfig(dir, { webpack, Build, miniSVGDataURI }) {
  const data = require(dir + "/package.json");
  checkExtensionLists(dir, data.jupyterlab.extensions);
  // Copies each extension's settings schemas and theme assets into build/ and writes
  // build/style.js, which imports every extension's CSS.
  const extensionAssetConfig = Build.ensureAssets({
    packageNames: data.jupyterlab.extensions,
    output: dir + "/build",
  });
  return [
    {
      context: dir,
      entry: ["./index.js"],
      output: { path: dir + "/build", filename: "bundle.js" },
      bail: true,
      devtool: false,
      mode: process.env.JLAB_MODE || "production",
      performance: { hints: false },
      // Not minified: the same code (production React, NODE_ENV=production) in about half the
      // build time (webpack 47 s instead of 100 s on 2 cores); the bundle is 19 MB instead of 11,
      // served from localhost.
      optimization: { minimize: false },
      module: {
        rules: [
          { test: /\.css$/, use: ["style-loader", "css-loader"] },
          { test: /\.html$/, type: "asset/resource" },
          { test: /\.md$/, type: "asset/source" },
          { test: /\.(jpg|png|gif)$/, type: "asset/resource" },
          { test: /\.js.map$/, type: "asset/resource" },
          { test: /\.woff2(\?v=\d+\.\d+\.\d+)?$/, type: "asset" },
          { test: /\.woff(\?v=\d+\.\d+\.\d+)?$/, type: "asset" },
          { test: /\.ttf(\?v=\d+\.\d+\.\d+)?$/, type: "asset" },
          { test: /\.eot(\?v=\d+\.\d+\.\d+)?$/, type: "asset/resource" },
          {
            test: /\.svg(\?v=\d+\.\d+\.\d+)?$/,
            issuer: /\.css$/,
            type: "asset/inline",
            generator: { dataUrl: (content) => miniSVGDataURI(content.toString()) },
          },
          { test: /\.svg(\?v=\d+\.\d+\.\d+)?$/, issuer: /\.js$/, type: "asset/source" },
          // As in @jupyterlab/builder's webpack.config.base: ESM packages with
          // extension-less relative imports (@jupyter/web-components).
          { test: /\.m?js$/, type: "javascript/auto" },
          { test: /\.m?js/, resolve: { fullySpecified: false } },
          { test: /\.c?js/, resolve: { fullySpecified: false } },
        ],
      },
      resolve: {
        fallback: { url: false, buffer: false, crypto: false, path: false, process: false },
      },
      plugins: [new webpack.DefinePlugin({ process: { cwd: () => "/", env: {} } })],
    },
  ].concat(extensionAssetConfig);
};
