#!/usr/bin/env node
// Records the hand-written vss-trace/1 traces: each scenario below is a
// short story about one rule of VSSTask.sol (bd7ee24) and what the contracts
// answer. `must` steps are the premise of the story (the recording stops if
// the contracts answer otherwise); `step` steps record whatever happens.
//
//   node cases.js OUTDIR [NAME...]
'use strict';
const fs = require('fs');
const path = require('path');
const { Recorder, CNX } = require('./lib/recorder');
const { flip } = require('../common/trace');

const NODE_CNX = (1000n * CNX).toString();
const APP_CNX = (10000n * CNX).toString();
const TEN = (10n * CNX).toString();

// sd scores are 8-byte pHashes, one per image; two match when every pair of
// hashes differs in fewer than 24 bits.
const SD_A = '0xab00ff00ab00ff00' + '1234567812345678';
const SD_B = '0x54ff00ff54ff00ff' + 'edcba987edcba987';
const SD_C = '0x0f0f0f0f0f0f0f0f' + '0f0f0f0f0f0f0f0f';
const SD_NEAR = '0xab00ff00ab00ff01' + '1234567812345679'; // 1 bit from SD_A in each hash
const LLM_A = '0x' + 'a1'.repeat(32);
const LLM_B = '0x' + 'a1'.repeat(31) + 'a2';

function accounts(nodes, apps = 1) {
  const a = {};
  for (let i = 0; i < nodes; i++) a['n' + i] = NODE_CNX;
  for (let i = 0; i < apps; i++) a['app' + i] = APP_CNX;
  a.relay = '0';
  return a;
}

const nodeOf = (R, id) => R.latest('tasks', id).node;

async function joinAll(R, n, opts = {}) {
  for (let i = 0; i < n; i++) await R.must(1, 'join', 'n' + i, R.joinArgs('n' + i, opts));
}

// relay uploads the parameters, then the task's node submits `score` (or
// reports an error when score is 'error'; does nothing more when null).
async function run(R, id, score, dt = 5) {
  await R.must(1, 'report_parameters_uploaded', 'relay', { task_id: id });
  if (score === 'error') await R.must(dt, 'report_error', nodeOf(R, id), { task_id: id, error: 'parameters_validation_failed' });
  else if (score !== null) await R.must(dt, 'submit_score', nodeOf(R, id), { task_id: id, score });
}

// A validation group: a task whose VRF output is a multiple of 10, then the
// two extra tasks the application sends with the same GUID.
async function group(R, app, opts = {}) {
  const a1 = await R.taskArgs(app, { ...opts, sampled: true });
  await R.must(1, 'create_task', app, a1);
  const ids = [a1.task_id];
  for (let k = 0; k < 2; k++) {
    const a = await R.taskArgs(app, { ...opts, guid: a1.guid });
    await R.must(1, 'create_task', app, a);
    ids.push(a.task_id);
  }
  return { ids, guid: a1.guid };
}

async function single(R, app, opts = {}) {
  const a = await R.taskArgs(app, { ...opts, sampled: false });
  await R.must(1, 'create_task', app, a);
  return a.task_id;
}

// Three nodes, one validation group whose tasks get `scores` in order, the
// group validation, then result uploads: `wrongUpload` (a task that is not
// the validated one: "Wrong task") and `upload` (null: none).
async function groupCase(R, scores, { opts = {}, upload = 0, wrongUpload = null } = {}) {
  await joinAll(R, 3);
  const g = await group(R, 'app0', opts);
  for (let k = 0; k < 3; k++) await run(R, g.ids[k], scores[k]);
  await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g));
  if (wrongUpload !== null) await R.must(1, 'report_result_uploaded', 'relay', { task_id: g.ids[wrongUpload] }, 'Wrong task');
  if (upload !== null) await R.must(1, 'report_result_uploaded', 'relay', { task_id: g.ids[upload] });
  return g;
}

const validateGroup = (R, app, g, extra = {}) => ({ task_ids: g.ids, guid: g.guid, ...R.vrfArgs(app, g.ids[0]), ...extra });

const CASES = {
  'single-success': {
    description: 'One node, a task whose VRF output is not a multiple of 10: parameters uploaded by the relay, score, validate_single, result uploaded; the node is paid the whole fee and gets 10 QoS points. With the reverts of each call made out of turn or by the wrong caller.',
    accounts: accounts(1, 2),
    async run(R) {
      await R.must(1, 'join', 'n0', R.joinArgs('n0'));
      const id = await single(R, 'app0');
      await R.must(1, 'submit_score', 'n0', { task_id: id, score: SD_A }, 'Illegal previous task state');
      await R.must(1, 'report_parameters_uploaded', 'app0', { task_id: id }, 'Invalid caller');
      await R.must(1, 'report_parameters_uploaded', 'relay', { task_id: id });
      await R.must(1, 'report_parameters_uploaded', 'relay', { task_id: id }, 'Illegal previous task state');
      await R.must(1, 'submit_score', 'app0', { task_id: id, score: SD_A }, 'Invalid caller');
      await R.must(1, 'submit_score', 'n0', { task_id: id, score: '0x' }, 'Invalid task score');
      await R.must(20, 'submit_score', 'n0', { task_id: id, score: SD_A });
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: id }, 'Illegal previous task state');
      await R.must(1, 'validate_single', 'app1', { task_id: id, ...R.vrfArgs('app1', id) }, 'Invalid caller');
      await R.must(1, 'validate_single', 'app0', { task_id: id, ...R.vrfArgs('app1', id) }, 'Not task creator');
      await R.must(1, 'validate_single', 'app0', { task_id: id, ...R.vrfArgs('app0', id, { tamper: true }) }, 'Invalid VRF proof');
      await R.must(1, 'validate_single', 'app0', { task_id: id, ...R.vrfArgs('app0', id) });
      await R.must(1, 'report_result_uploaded', 'app0', { task_id: id }, 'Invalid caller');
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: id });
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: id }, 'Wrong task');
    },
  },
  'single-error-reported': {
    description: 'The node reports a parameters validation error; validate_single ends the task aborted (incorrect_result): the creator is refunded and the node still gets 10 QoS points.',
    accounts: accounts(1),
    async run(R) {
      await R.must(1, 'join', 'n0', R.joinArgs('n0'));
      const id = await single(R, 'app0', { task_type: 'llm', required_gpu: 'NVIDIA GeForce RTX 4090', required_gpu_vram: 24, model_ids: ['Qwen/Qwen2.5-7B'] });
      await run(R, id, 'error');
      await R.must(1, 'validate_single', 'app0', { task_id: id, ...R.vrfArgs('app0', id) });
    },
  },
  'sampling-not-selected-group': {
    description: 'Three tasks of one GUID whose VRF outputs are not multiples of 10: they cannot be validated as a group ("Task is not selected for validation") and are validated one by one.',
    accounts: accounts(3),
    async run(R) {
      await joinAll(R, 3);
      const a = await R.taskArgs('app0', { sampled: false });
      await R.must(1, 'create_task', 'app0', a);
      const ids = [a.task_id];
      for (let k = 0; k < 2; k++) {
        const b = await R.taskArgs('app0', { guid: a.guid, sampled: false });
        await R.must(1, 'create_task', 'app0', b);
        ids.push(b.task_id);
      }
      for (const id of ids) await run(R, id, SD_A);
      await R.must(1, 'validate_group', 'app0', { task_ids: ids, guid: a.guid, ...R.vrfArgs('app0', ids[0]) }, 'Task is not selected for validation');
      for (const id of ids) await R.must(1, 'validate_single', 'app0', { task_id: id, ...R.vrfArgs('app0', id) });
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: ids[1] });
    },
  },
  'sampling-group-reverts': {
    description: 'A task whose VRF output is a multiple of 10 cannot be validated alone ("Task is selected for validation"); validate_group reverts for a wrong order, a wrong GUID, a tampered proof, another account\'s key and another caller, then succeeds.',
    accounts: accounts(3, 2),
    async run(R) {
      await joinAll(R, 3);
      const g = await group(R, 'app0');
      for (const id of g.ids) await run(R, id, SD_A);
      await R.must(1, 'validate_single', 'app0', { task_id: g.ids[0], ...R.vrfArgs('app0', g.ids[0]) }, 'Task is selected for validation');
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', { ids: [g.ids[1], g.ids[0], g.ids[2]], guid: g.guid }), 'Invalid task sequence');
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', { ids: g.ids, guid: R.label('guid') }), 'Incorrect Task GUID');
      await R.must(1, 'validate_group', 'app0', { task_ids: g.ids, guid: g.guid, ...R.vrfArgs('app0', g.ids[0], { tamper: true }) }, 'Invalid VRF proof');
      await R.must(1, 'validate_group', 'app0', { task_ids: g.ids, guid: g.guid, ...R.vrfArgs('app1', g.ids[0]) }, 'Not task creator');
      await R.must(1, 'validate_group', 'app1', validateGroup(R, 'app0', g), 'Invalid caller');
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g));
    },
  },
  'group-all-agree': {
    description: 'A validation group whose three results match; the third task finishes first, the first last, but QoS points go by position in the group (10, 9, 6: updateTaskGroupQOS passes the array index, not the finishing order). The fee of the first task is split by those points with a remainder of 2 wei that goes to the last payee; the two extra fees are refunded.',
    accounts: accounts(3),
    async run(R) {
      await joinAll(R, 3);
      const g = await group(R, 'app0', { task_fee: (10n * CNX + 7n).toString() });
      for (const id of g.ids) await R.must(1, 'report_parameters_uploaded', 'relay', { task_id: id });
      await R.must(10, 'submit_score', nodeOf(R, g.ids[2]), { task_id: g.ids[2], score: SD_A });
      await R.must(10, 'submit_score', nodeOf(R, g.ids[1]), { task_id: g.ids[1], score: SD_NEAR });
      await R.must(10, 'submit_score', nodeOf(R, g.ids[0]), { task_id: g.ids[0], score: SD_A });
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g));
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: g.ids[1] }, 'Wrong task');
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: g.ids[0] });
    },
  },
  'group-third-differs': {
    description: 'Two results match, the third differs: the third node is slashed (its stake goes to the owner, NodeSlashed), its task ends invalidated and its fee is refunded; the fee is split 10:9 between the two others.',
    accounts: accounts(3),
    async run(R) {
      await groupCase(R, [SD_A, SD_A, SD_B], { opts: { task_fee: (7n * CNX + 1n).toString() } });
    },
  },
  'group-first-differs': {
    description: 'The first task of the group differs and the two extra tasks match: the second task is the validated one (it carries the payments), the first node is slashed.',
    accounts: accounts(3),
    async run(R) {
      await groupCase(R, [SD_C, SD_A, SD_NEAR], { opts: { task_fee: (3n * CNX).toString() }, wrongUpload: 0, upload: 1 });
    },
  },
  'group-all-differ': {
    description: 'Three different results: all three tasks end aborted (incorrect_result), every fee is refunded, no one is slashed; each node gets its group points and 10 more from the abort.',
    accounts: accounts(3),
    async run(R) {
      await groupCase(R, [SD_A, SD_B, SD_C], { upload: null });
    },
  },
  'group-llm-one-byte': {
    description: 'An llm group on one GPU model: llm results match only when byte-equal, so a one-byte difference gets the third node slashed.',
    accounts: accounts(4),
    async run(R) {
      for (let i = 0; i < 4; i++) await R.must(1, 'join', 'n' + i, R.joinArgs('n' + i, i === 3 ? { gpu_name: 'NVIDIA GeForce RTX 3060', gpu_vram: 12 } : {}));
      const opts = { task_type: 'llm', required_gpu: 'NVIDIA GeForce RTX 4090', required_gpu_vram: 24, model_ids: ['Qwen/Qwen2.5-7B'], task_fee: (1n * CNX + 1n).toString() };
      const g = await group(R, 'app0', opts);
      await run(R, g.ids[0], LLM_A);
      await run(R, g.ids[1], LLM_A);
      await run(R, g.ids[2], LLM_B);
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g));
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: g.ids[0] });
    },
  },
  'group-sd-threshold-nontransitive': {
    description: 'pHash distances at the threshold of 24 bits: the second result is 23 bits from the first (a match), the third 24 bits from the first (no match) but 1 bit from the second; the contract compares the first with the second, then the first with the third, so the third node is slashed.',
    accounts: accounts(3),
    async run(R) {
      await groupCase(R, [SD_A, flip(SD_A, 23), flip(SD_A, 24)]);
    },
  },
  'group-error-one': {
    description: 'In a group, the second node reports an error and the other two agree: the error reporter\'s task ends invalidated and it is slashed.',
    accounts: accounts(3),
    async run(R) {
      await groupCase(R, [SD_A, 'error', SD_A]);
    },
  },
  'group-error-two': {
    description: 'In a group, the second and third nodes report errors and the first submits a score: two error reports match each other, so the first (honest) node is slashed and no task is validated; the two error tasks end aborted.',
    accounts: accounts(3),
    async run(R) {
      await groupCase(R, [SD_A, 'error', 'error'], { upload: null });
    },
  },
  'group-fee-remainder-tiny': {
    description: 'A 5-wei group fee split 10:9:6 among three matching results: 2 wei, then the 3 wei left (less than 3 wei would remain), then 5*6/25 = 1 wei from nothing: the "below 3 wei" check underflows and validate_group reverts with Panic(0x11). The group is stuck; after the timeout the creator aborts the three tasks and gets the fees back.',
    accounts: accounts(3),
    async run(R) {
      await joinAll(R, 3);
      const g = await group(R, 'app0', { task_fee: '5' });
      for (const id of g.ids) await run(R, id, SD_A);
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g), 'Panic(0x11)');
      await R.must(181, 'abort', 'app0', { task_id: g.ids[0], reason: 'none' });
      await R.must(0, 'abort', 'app0', { task_id: g.ids[1], reason: 'none' });
      await R.must(0, 'abort', 'app0', { task_id: g.ids[2], reason: 'none' });
    },
  },
  'group-fee-remainder-small': {
    description: 'A 30-wei group fee split 10:9:6 among three matching results: 12, 10, then the 8 wei left (30*6/25 = 7 would leave 1 wei, less than 3).',
    accounts: accounts(3),
    async run(R) {
      await groupCase(R, [SD_A, SD_A, SD_A], { opts: { task_fee: '30' } });
    },
  },
  'group-queued-member-aborted-agree': {
    description: 'Two nodes for a group of three: the third task queues and the creator aborts it (no refund: it never had a node). validate_group then accepts the aborted task (no node, so no "Wrong task") and compares the two finished ones: they match, the first is validated and paid 10:9, the second refunded.',
    accounts: accounts(2),
    async run(R) {
      await joinAll(R, 2);
      const g = await group(R, 'app0', { task_fee: (2n * CNX + 1n).toString() });
      await R.must(1, 'abort', 'app0', { task_id: g.ids[2], reason: 'none' });
      await run(R, g.ids[0], SD_A);
      await run(R, g.ids[1], SD_NEAR);
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g));
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: g.ids[0] });
    },
  },
  'group-queued-member-aborted-differ': {
    description: 'As group-queued-member-aborted-agree, but the two finished results differ: with two results there is no majority, both tasks end aborted (incorrect_result) and are refunded; no one is slashed.',
    accounts: accounts(2),
    async run(R) {
      await joinAll(R, 2);
      const g = await group(R, 'app0');
      await R.must(1, 'abort', 'app0', { task_id: g.ids[2], reason: 'none' });
      await run(R, g.ids[0], SD_A);
      await run(R, g.ids[1], SD_B);
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g));
    },
  },
  'group-member-timeout': {
    description: 'The third node of a group never submits; the creator aborts its task after the 180 s timeout. The group can then no longer be validated ("Wrong task": the aborted task is no longer its node\'s task), and the creator aborts the two tasks that did finish (abort is allowed from any state once the timeout has passed).',
    accounts: accounts(3),
    async run(R) {
      await joinAll(R, 3);
      const g = await group(R, 'app0');
      await run(R, g.ids[0], SD_A);
      await run(R, g.ids[1], SD_A);
      await run(R, g.ids[2], null);
      await R.must(1, 'abort', 'app0', { task_id: g.ids[2], reason: 'timeout' }, 'Timeout not reached');
      await R.must(200, 'abort', 'app0', { task_id: g.ids[2], reason: 'timeout' });
      await R.must(1, 'validate_group', 'app0', validateGroup(R, 'app0', g), 'Wrong task');
      await R.must(1, 'abort', 'app0', { task_id: g.ids[0], reason: 'timeout' });
      await R.must(1, 'abort', nodeOf(R, g.ids[1]), { task_id: g.ids[1], reason: 'none' });
    },
  },
  'timeout-boundary': {
    description: 'Abort at the timeout boundary: at start + 180 s it reverts ("Timeout not reached", the check is strict), at start + 181 s it succeeds; a stranger cannot abort; the node itself can abort its task; a task aborted while started gives its node 10 QoS points, one aborted after the parameters upload none.',
    accounts: accounts(1, 2),
    async run(R) {
      await R.must(1, 'join', 'n0', R.joinArgs('n0'));
      const id = await single(R, 'app0');
      await R.must(180, 'abort', 'app0', { task_id: id, reason: 'timeout' }, 'Timeout not reached');
      await R.must(0, 'abort', 'app1', { task_id: id, reason: 'timeout' }, 'Invalid caller');
      await R.must(1, 'abort', 'app0', { task_id: id, reason: 'timeout' });
      const id2 = await single(R, 'app1');
      await run(R, id2, null);
      await R.must(181, 'abort', 'n0', { task_id: id2, reason: 'model_download_failed' });
      await R.step(1, 'abort', 'app1', { task_id: id2, reason: 'timeout' });
    },
  },
  'qos-kickout-timeouts': {
    description: 'A node that has its parameters uploaded but never submits, twice: each abort scores 0 points, and after the second its recent window (0 + 0 + 10 for the missing slot) is at the kick-out threshold of 10, so it is kicked out and its stake returned.',
    accounts: accounts(1),
    async run(R) {
      await R.must(1, 'join', 'n0', R.joinArgs('n0'));
      for (let k = 0; k < 2; k++) {
        const id = await single(R, 'app0');
        await run(R, id, null);
        await R.must(181, 'abort', 'app0', { task_id: id, reason: 'timeout' });
      }
      await R.step(1, 'join', 'n0', R.joinArgs('n0'));
    },
  },
  'queue-abort-and-pop': {
    description: 'No node: tasks are queued (priced by fee / task size). The creator aborts a queued task: it leaves the queue but is not refunded (the refund needs a selected node), and aborting it again succeeds silently. A node joins and takes the best-priced task; when it finishes, the next one.',
    accounts: accounts(1, 2),
    async run(R) {
      const t1 = await single(R, 'app0', { task_fee: (6n * CNX).toString(), task_size: 3 });
      const t2 = await single(R, 'app1', { task_fee: (4n * CNX).toString(), task_size: 1 });
      const t3 = await single(R, 'app0', { task_fee: (1n * CNX).toString(), task_size: 1 });
      await R.must(1, 'abort', 'app1', { task_id: t3, reason: 'none' }, 'Invalid caller');
      await R.must(1, 'abort', 'app0', { task_id: t3, reason: 'none' });
      await R.must(1, 'abort', 'app0', { task_id: t3, reason: 'none' });
      await R.must(1, 'join', 'n0', R.joinArgs('n0'));
      const first = R.latest('nodes', 'n0').current_task;
      await run(R, first, SD_A);
      await R.must(1, 'validate_single', first === t2 ? 'app1' : 'app0', { task_id: first, ...R.vrfArgs(first === t2 ? 'app1' : 'app0', first) });
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: first });
      void t1;
    },
  },
  'queue-limit': {
    description: 'A queue limit of 2: TaskQueue.pushTask rejects a task when the queue is full, so a third task reverts ("Task queue is full") whatever its price; the eviction of the cheapest task in VSSTask.changeTaskState(Queued) can never run. Aborting a queued task makes room again.',
    accounts: accounts(0, 1),
    params: { queue_size_limit: 2 },
    async run(R) {
      await single(R, 'app0', { task_fee: (5n * CNX).toString() });
      const b = await single(R, 'app0', { task_fee: (3n * CNX).toString() });
      await R.must(1, 'create_task', 'app0', await R.taskArgs('app0', { task_fee: (4n * CNX).toString() }), 'Task queue is full');
      await R.must(1, 'create_task', 'app0', await R.taskArgs('app0', { task_fee: (1n * CNX).toString() }), 'Task queue is full');
      await R.must(1, 'abort', 'app0', { task_id: b, reason: 'none' });
      await single(R, 'app0', { task_fee: (1n * CNX).toString() });
    },
  },
  'node-pause-quit-busy': {
    description: 'Node life cycle: join reverts (public key of another account, stake below 400 CNX, already joined); pause and quit while busy become pending and take effect when the task ends; resume picks up a queued task; quit returns the stake.',
    accounts: accounts(2),
    async run(R) {
      await R.must(1, 'join', 'n0', R.joinArgs('n0', { key_of: 'n1' }), 'Public key mismatch');
      await R.must(1, 'join', 'n0', R.joinArgs('n0', { stake: (399n * CNX).toString() }), 'Staked amount is not enough');
      await R.must(1, 'join', 'n0', R.joinArgs('n0'));
      await R.must(1, 'join', 'n0', R.joinArgs('n0'), 'Node already joined');
      await R.must(1, 'join', 'n1', R.joinArgs('n1'));
      const a = await single(R, 'app0');
      const b = await single(R, 'app0');
      await R.must(1, 'pause', nodeOf(R, a));
      await R.must(1, 'quit', nodeOf(R, b));
      const c = await single(R, 'app0');
      await run(R, a, SD_A);
      await R.must(1, 'validate_single', 'app0', { task_id: a, ...R.vrfArgs('app0', a) });
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: a });
      await run(R, b, SD_A);
      await R.must(1, 'validate_single', 'app0', { task_id: b, ...R.vrfArgs('app0', b) });
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: b });
      const paused = nodeOf(R, a);
      await R.must(1, 'resume', paused);
      await R.must(1, 'resume', paused, {}, 'Illegal node status');
      void c;
    },
  },
  'create-task-reverts': {
    description: 'create_task reverts: an llm or sd_ft task without a GPU name, a zero fee, a nonce used before; calls on an unknown task id ("Task not found"). An sd_ft task on a named GPU runs and is compared like sd.',
    accounts: accounts(1),
    async run(R) {
      await R.must(1, 'join', 'n0', R.joinArgs('n0'));
      await R.must(1, 'create_task', 'app0', await R.taskArgs('app0', { task_type: 'llm', model_ids: ['Qwen/Qwen2.5-7B'] }), 'GPU name is empty');
      await R.must(1, 'create_task', 'app0', await R.taskArgs('app0', { task_type: 'sd_ft' }), 'GPU name is empty');
      await R.must(1, 'create_task', 'app0', await R.taskArgs('app0', { task_fee: '0' }), 'Task fee cannot be 0');
      const a = await R.taskArgs('app0', { task_type: 'sd_ft', required_gpu: 'NVIDIA GeForce RTX 4090', required_gpu_vram: 24, sampled: false });
      await R.must(1, 'create_task', 'app0', a);
      const b = await R.taskArgs('app0', {});
      await R.must(1, 'create_task', 'app0', { ...b, nonce: a.nonce }, 'Nonce is used');
      await R.must(1, 'report_parameters_uploaded', 'relay', { task_id: b.task_id }, 'Task not found');
      await R.must(1, 'abort', 'app0', { task_id: b.task_id, reason: 'none' }, 'Task not found');
      await run(R, a.task_id, SD_NEAR);
      await R.must(1, 'validate_single', 'app0', { task_id: a.task_id, ...R.vrfArgs('app0', a.task_id) });
      await R.must(1, 'report_result_uploaded', 'relay', { task_id: a.task_id });
    },
  },
  'version-and-models': {
    description: 'Task versions and models: a node whose version is too old is not chosen (the task queues); a node holding the task\'s model is preferred; fewer than 3 holders of a model send DownloadModel notices to other nodes; report_model_downloaded adds a model.',
    accounts: accounts(4),
    async run(R) {
      await R.must(1, 'join', 'n0', R.joinArgs('n0', { version: [2, 4, 9] }));
      const q = await single(R, 'app0', { task_version: [2, 5, 0] });
      await R.must(1, 'join', 'n1', R.joinArgs('n1', { version: [2, 5, 1], model_ids: ['crynux-ai/sdxl-turbo'] }));
      await R.must(1, 'join', 'n2', R.joinArgs('n2', { model_ids: ['crynux-ai/stable-diffusion-v1-5'] }));
      await R.must(1, 'join', 'n3', R.joinArgs('n3'));
      const t = await single(R, 'app0', { model_ids: ['crynux-ai/stable-diffusion-v1-5'] });
      await R.must(1, 'report_model_downloaded', 'n3', { model_id: 'crynux-ai/stable-diffusion-v1-5' });
      await R.must(1, 'report_model_downloaded', 'n3', { model_id: 'crynux-ai/stable-diffusion-v1-5' });
      await R.must(1, 'update_version', 'n0', { version: [2, 5, 0] });
      const u = await single(R, 'app0', { model_ids: ['crynux-ai/stable-diffusion-v1-5'] });
      void q; void t; void u;
    },
  },
};

(async () => {
  const [out, ...names] = process.argv.slice(2);
  if (!out) {
    console.error('usage: node cases.js OUTDIR [NAME...]');
    process.exit(2);
  }
  fs.mkdirSync(out, { recursive: true });
  for (const name of names.length ? names : Object.keys(CASES)) {
    const c = CASES[name];
    if (!c) throw new Error('unknown case ' + name);
    const R = await Recorder.create({ name, description: c.description, accounts: c.accounts, params: c.params });
    await c.run(R);
    const bytes = R.write(path.join(out, name + '.json'));
    await R.close();
    console.log(`${name}: ${R.trace.steps.length} steps, ${bytes} bytes`);
  }
})().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
