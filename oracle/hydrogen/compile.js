// Compiles the Hydrogen contracts (contracts/*.sol, put there by sources.js)
// with solc-js 0.8.18, optimizer on with 200 runs, as the repository's
// truffle-config.js at efff09f, and OpenZeppelin contracts 4.9.5 (the
// version of its package-lock.json), and writes build/artifacts.json.
'use strict';
const fs = require('fs');
const path = require('path');
const { compile } = require('../common/compile');

if (!fs.existsSync(path.join(__dirname, 'contracts', 'Task.sol'))) {
  console.error('contracts/Task.sol is missing: run node sources.js PATH-TO-crynux-contracts-CLONE first');
  process.exit(2);
}
compile(__dirname, {
  subdirs: ['contracts'],
  settings: { optimizer: { enabled: true, runs: 200 } },
  want: ['CrynuxToken', 'Node', 'Task'],
});
