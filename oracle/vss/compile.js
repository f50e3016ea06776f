// Compiles the VSS contracts (contracts/*.sol, contracts/libs/*.sol) with
// solc-js 0.8.24, optimizer on with 200 runs and viaIR, as in the
// repository's hardhat.config.js at bd7ee24, and writes build/artifacts.json.
'use strict';
const { compile } = require('../common/compile');

compile(__dirname, {
  subdirs: ['contracts', 'contracts/libs'],
  settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true },
  want: ['QOS', 'TaskQueue', 'NetworkStats', 'Node', 'VSSTask'],
});
