// Runs before npm install/start/test, on whatever Node the machine has: written for old Node
// too, so an outdated runtime gets this one message instead of a stack trace further on.
'use strict';
var required = Number(/\d+/.exec(require('../package.json').engines.node)[0]);
var major = Number(process.versions.node.split('.')[0]);
if (major < required) {
  console.error(
    '\nfoodmesh needs Node ' +
      required +
      ' or newer (LTS); this is Node ' +
      process.versions.node +
      '.\n' +
      'Install Node ' +
      required +
      ' from the npm registry, beside the system one:\n\n' +
      '  npm install -g --prefix "$HOME/.cache/foodmesh/node-' +
      required +
      '" node@' +
      required +
      '\n' +
      '  export PATH="$HOME/.cache/foodmesh/node-' +
      required +
      '/bin:$PATH"\n\n' +
      "(or use nvm, fnm, or your distribution's Node " +
      required +
      ').\n',
  );
  process.exit(1);
}
