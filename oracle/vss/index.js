#!/usr/bin/env node
// Writes INDEX.md for a directory of vss-trace/1 files: one line per trace
// (file, steps, reverting steps, what it covers) and the totals.
//   node index.js DIR
'use strict';
const { indexMain } = require('../common/trace');

indexMain(
  'VSS conformance traces',
  `vss-trace/1 files (docs/conformance-vss.md) recorded by oracle/vss from the VSS contracts of ` +
    `crynux-contracts bd7ee24 on an in-process EVM: the hand-written ones by \`cases.js\`, the ` +
    `randomized ones (\`random-N.json\`, seed N) by \`gen.js\`.`,
);
