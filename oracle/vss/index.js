#!/usr/bin/env node
// Writes INDEX.md for a directory of vss-trace/1 files: one line per trace
// (file, steps, reverting steps, what it covers) and the totals.
//   node index.js DIR
'use strict';
const { writeIndex } = require('../common/trace');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node index.js DIR');
  process.exit(2);
}
writeIndex(
  dir,
  'VSS conformance traces',
  `vss-trace/1 files (docs/conformance-vss.md) recorded by oracle/vss from the VSS contracts of ` +
    `crynux-contracts bd7ee24 on an in-process EVM: the hand-written ones by \`cases.js\`, the ` +
    `randomized ones (\`random-N.json\`, seed N) by \`gen.js\`.`,
);
