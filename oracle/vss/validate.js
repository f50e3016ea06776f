#!/usr/bin/env node
// Re-executes recorded vss-trace/1 files on the contracts and checks that
// every step's outcome, revert reason, events and state come out identical
// (JSON compared with key order ignored). It also checks the recorded VRF
// fields of every validate_single / validate_group step against the JS
// ECVRF (lib/vrf.js): `sampling_number` must be the proof's output, and
// `vrf_valid` the JS verdict on the proof for the public key and the
// task's sampling seed; the contract must agree with that verdict (a step
// that reverts with "Invalid VRF proof" has vrf_valid false, a step that
// succeeds has vrf_valid true).
//
//   node validate.js TRACE.json...
'use strict';
const fs = require('fs');
const path = require('path');
const { Chain } = require('./lib/chain');
const vrf = require('./lib/vrf');
const { same, firstDiff } = require('../common/trace');

// The VRF fields of a validate step against the JS ECVRF and the contract's
// answer; returns an error string, null when consistent, undefined when
// the task is unknown (nothing to check).
function checkVrf(s, known) {
  const a = s.args;
  const first = s.op === 'validate_group' ? a.task_ids[0] : a.task_id;
  const t = known[String(first).toLowerCase()];
  if (!t) return undefined; // unknown task: the contract reverts before any VRF check
  if (vrf.samplingNumber(a.vrf_proof) !== a.sampling_number) return 'sampling_number is not the proof output';
  const valid = vrf.verify(a.public_key, a.vrf_proof, t.sampling_seed);
  if (valid !== a.vrf_valid) return `vrf_valid is ${a.vrf_valid}, the JS ECVRF says ${valid}`;
  if (s.revert === 'Invalid VRF proof' && valid) return 'the contract rejects a proof the JS ECVRF accepts';
  if (s.ok && !valid) return 'the contract accepts a proof the JS ECVRF rejects';
  return null;
}

async function validate(file) {
  const tr = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (tr.format !== 'vss-trace/1') throw new Error(`${file}: format is ${JSON.stringify(tr.format)}, expected "vss-trace/1"`);
  const chain = await Chain.create({ accounts: Object.entries(tr.accounts), params: tr.params });
  let matched = 0;
  let vrfChecked = 0;
  let first = null;
  const known = {}; // task id -> its latest listed record
  const t0 = Date.now();
  for (const s of tr.steps) {
    const r = await chain.exec(s.time, s.op, s.from, s.args);
    const state = await chain.observe();
    const got = { i: s.i, time: s.time, op: s.op, from: s.from, args: s.args, ok: r.ok, revert: r.revert, events: r.events, state };
    let bad = same(s, got) ? null : firstDiff(s, got, `$.steps[${s.i}]`);
    if (!bad && (s.op === 'validate_single' || s.op === 'validate_group')) {
      const e = checkVrf(s, known);
      if (e) bad = { path: `$.steps[${s.i}].args`, expected: 'consistent VRF fields', got: e };
      else if (e === null) vrfChecked++;
    }
    if (!bad) matched++;
    else if (!first) first = { step: s.i, op: s.op, ...bad };
    Object.assign(known, state.tasks);
  }
  await chain.close();
  return { file: path.basename(file), steps: tr.steps.length, matched, vrfChecked, first, secs: (Date.now() - t0) / 1000 };
}

(async () => {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error('usage: node validate.js TRACE.json...');
    process.exit(2);
  }
  let tot = 0;
  let ok = 0;
  let full = 0;
  let vrfs = 0;
  for (const f of files) {
    const r = await validate(f);
    tot += r.steps;
    ok += r.matched;
    vrfs += r.vrfChecked;
    if (r.matched === r.steps) full++;
    console.log(`${r.matched === r.steps ? 'ok  ' : 'DIFF'} ${r.file}: ${r.matched}/${r.steps} steps identical, ${r.vrfChecked} VRF proofs checked; ${r.secs.toFixed(1)} s`);
    if (r.first) console.log(`     first difference at step ${r.first.step} (${r.first.op}) ${r.first.path}\n     expected: ${r.first.expected.slice(0, 400)}\n     got:      ${r.first.got.slice(0, 400)}`);
  }
  console.log(`validate: ${files.length} traces (${full} identical), ${ok}/${tot} steps identical, ${vrfs} VRF proofs checked`);
  process.exit(ok === tot ? 0 : 1);
})().catch((e) => {
  console.error(e.message || e);
  process.exit(2);
});
