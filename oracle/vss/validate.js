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
const { Chain } = require('./lib/chain');
const vrf = require('./lib/vrf');
const { replayOnChain, validateMain } = require('../common/trace');

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

// The VRF check of every validate step, with the task records the steps
// before it listed.
function vrfChecker() {
  const known = {}; // task id -> its latest listed record
  return (s, got) => {
    const e = s.op === 'validate_single' || s.op === 'validate_group' ? checkVrf(s, known) : undefined;
    Object.assign(known, got.state.tasks);
    return e;
  };
}

validateMain((file) => replayOnChain(file, 'vss-trace/1', Chain, vrfChecker()), 'VRF proofs checked');
