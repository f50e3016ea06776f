#!/usr/bin/env node
// Writes INDEX.md for a directory of hydrogen-trace/1 files: one line per
// trace (file, steps, reverting steps, what it covers) and the totals.
//   node index.js DIR
'use strict';
const { indexMain } = require('../common/trace');

indexMain(
  'Hydrogen conformance traces',
  'hydrogen-trace/1 files (docs/conformance-hydrogen.md) recorded by oracle/hydrogen from the Hydrogen contracts of ' +
    'crynux-contracts efff09f on an in-process EVM: the hand-written ones by `cases.js`, the ' +
    'randomized ones (`random-N.json`, seed N) by `gen.js`.',
);
