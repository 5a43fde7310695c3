// Builds this app into build/ (bundle.js, schemas, themes): see ../webpack.shared.js.
const courseAppConfig = require("../webpack.shared.js");

module.exports = courseAppConfig(__dirname, {
  webpack: require("webpack"),
  Build: require("@jupyterlab/builder").Build,
  miniSVGDataURI: require("mini-svg-data-uri"),
});
