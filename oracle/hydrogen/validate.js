#!/usr/bin/env node
// Re-executes recorded hydrogen-trace/1 files on the contracts and checks
// that every step's outcome, revert reason, events and state come out
// identical (JSON compared with key order ignored). The chain is rebuilt the
// same way, block for block, so the on-chain node selection (seeded by the
// parent block hash) picks the same nodes again.
//
//   node validate.js TRACE.json...
'use strict';
const { Chain } = require('./lib/chain');
const { replayOnChain, validateMain } = require('../common/trace');

validateMain((file) => replayOnChain(file, 'hydrogen-trace/1', Chain));
