// Lets the CommonJS local runtime load ESM-only packages (middy 7 publishes only an "import" export condition).
// Node 22 can require() an ES module, but refuses a package whose exports map offers no "require"/"default"
// condition; this maps such packages to their entry file, as jest's moduleNameMapper does in tests. Deployed Lambda
// bundles are ESM and never load this file.
const Module = require('node:module');
const path = require('node:path');

const ESM_ONLY = /^@middy\/([^/]+)$/;
const root = path.join(__dirname, '..', 'node_modules');
const resolve = Module._resolveFilename;

Module._resolveFilename = function resolveEsmOnly(request, parent, isMain, options) {
  const match = ESM_ONLY.exec(request);
  if (match) return path.join(root, '@middy', match[1], 'index.js');
  return resolve.call(this, request, parent, isMain, options);
};
