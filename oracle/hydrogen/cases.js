#!/usr/bin/env node
// Records the hand-written hydrogen-trace/1 traces: each scenario below is a
// short story about one rule of Task.sol / Node.sol (crynux-contracts
// efff09f) and what the contracts answer. `must` steps are the premise of
// the story (the recording stops if the contracts answer otherwise); `step`
// steps record whatever happens.
//
//   node cases.js OUTDIR [NAME...]
'use strict';
const fs = require('fs');
const path = require('path');
const { Recorder, CNX } = require('./lib/recorder');
const { flip } = require('../common/trace');

const NODE_CNX = (1000n * CNX).toString();
const APP_CNX = (10000n * CNX).toString();
const RTX4090 = { gpu_name: 'NVIDIA GeForce RTX 4090', gpu_vram: 24 };
const RTX3060 = { gpu_name: 'NVIDIA GeForce RTX 3060', gpu_vram: 12 };
const A4000_16 = { gpu_name: 'NVIDIA RTX A4000', gpu_vram: 16 };

// sd results are 8-byte pHashes, one per image; two match when every pair
// of hashes differs in fewer than distance_threshold (5) bits.
const SD_A = '0xab00ff00ab00ff00' + '1234567812345678';
const SD_B = '0x54ff00ff54ff00ff' + 'edcba987edcba987';
const SD_C = '0x0f0f0f0f0f0f0f0f' + '0f0f0f0f0f0f0f0f';
const GPT_A = '0x' + '7b2274657874223a2268656c6c6f227d'; // {"text":"hello"}
const GPT_B = '0x' + '7b2274657874223a2268656c6c6f217d';

function accounts(nodes, apps = 1) {
  const a = {};
  for (let i = 0; i < nodes; i++) a['n' + i] = NODE_CNX;
  for (let i = 0; i < apps; i++) a['app' + i] = APP_CNX;
  return a;
}

async function joinAll(R, n, gpu = RTX4090, first = 0) {
  for (let i = first; i < first + n; i++) await R.must(1, 'join', 'n' + i, gpu);
}

const commit = (R, t, round, result, dt = 1) => R.must(dt, 'commit', t.nodes[round], { task_id: t.id, round, result, nonce: R.label('nonce') });
const disclose = (R, t, round, result, dt = 1) => R.must(dt, 'disclose', t.nodes[round], { task_id: t.id, round, result });
const reportError = (R, t, round, dt = 1) => R.must(dt, 'report_error', t.nodes[round], { task_id: t.id, round });
const uploaded = (R, t, round, dt = 1) => R.must(dt, 'report_uploaded', t.nodes[round], { task_id: t.id, round });

async function commitAll(R, t, results) {
  for (let i = 0; i < 3; i++) await commit(R, t, i, results[i]);
}

// Commits the three results, then discloses the rounds of `order` in turn.
async function play(R, t, results, order) {
  await commitAll(R, t, results);
  for (const round of order) await disclose(R, t, round, results[round]);
}

const CASES = {
  'success-then-third-settles': {
    description: 'three agreeing sd results: the second disclosure pays its node and emits TaskSuccess naming the first discloser, the result node reports the upload (paid), the third disclosure pays the last node and deletes the task',
    nodes: 3,
    async run(R) {
      await joinAll(R, 3);
      const t = await R.create('app0');
      await play(R, t, [SD_A, flip(SD_A, 1), flip(SD_A, 4)], [1, 0]);
      await uploaded(R, t, 1);
      await disclose(R, t, 2, flip(SD_A, 4));
      await R.step(1, 'report_uploaded', t.nodes[1], { task_id: t.id, round: 1 });
    },
  },
  'try-delete-keeps-task': {
    description: 'tryDeleteTask keeps a task while any of its nodes is in some task: two settled nodes of task 1 are taken by task 2, so the third disclosure of task 1 leaves it stored (balance 0) for good',
    nodes: 4,
    async run(R) {
      await joinAll(R, 4);
      const t = await R.create('app0');
      await play(R, t, [GPT_A, GPT_A, GPT_A], [0, 1]);
      await uploaded(R, t, 0);
      const t2 = await R.create('app0'); // three of the four available: n-free plus the two settled nodes
      await disclose(R, t, 2, GPT_A);
      await play(R, t2, [SD_B, SD_B, SD_B], [0, 1]);
      await uploaded(R, t2, 0);
      await disclose(R, t2, 2, SD_B);
    },
  },
  'error-two-agree-third-paid': {
    description: 'two error reports agree (empty results match): both reporters are paid, the task aborts with "Task error reported"; the third node reports an error after the abort (reportTaskError has no aborted check) and is paid too',
    nodes: 3,
    async run(R) {
      await joinAll(R, 3);
      const t = await R.create('app0');
      await reportError(R, t, 2);
      await reportError(R, t, 0);
      await reportError(R, t, 1, 5);
    },
  },
  'error-two-agree-committed-slashed': {
    description: 'two error reports agree after the third node committed a real result: the committed node is slashed (fee back to the creator, stake to the owner) and can no longer disclose',
    nodes: 3,
    async run(R) {
      await joinAll(R, 3);
      const t = await R.create('app0', 'gpt');
      await commit(R, t, 1, GPT_A);
      await reportError(R, t, 0);
      await reportError(R, t, 2);
      await R.step(1, 'disclose', t.nodes[1], { task_id: t.id, round: 1, result: GPT_A });
      await R.step(1, 'quit', t.nodes[1]);
    },
  },
  'error-one-reporter-slashed': {
    description: 'one error report and two agreeing results: the error report is the first disclosure, so checkTaskResult settles the third, slashes the error reporter and names the second as result node',
    nodes: 3,
    async run(R) {
      await joinAll(R, 3);
      const t = await R.create('app0');
      await commit(R, t, 0, SD_A);
      await commit(R, t, 2, SD_A);
      await reportError(R, t, 1);
      await disclose(R, t, 0, SD_A);
      await disclose(R, t, 2, SD_A);
      await uploaded(R, t, 0);
    },
  },
  'cancel-frees-moved-on-node': {
    description: 'cancelTask frees every selected node that is in some task: a settled node of task 1 that task 2 took is freed from task 2 by the cancel of task 1 (available while task 2 still counts on it), and is then taken again by task 3',
    nodes: 5,
    async run(R) {
      await joinAll(R, 5);
      const t = await R.create('app0');
      await play(R, t, [SD_A, SD_A, SD_A], [0, 1]);
      const t2 = await R.create('app0');
      await R.must(400, 'cancel', 'app0', { task_id: t.id }, 'Task has not exceeded the deadline yet');
      await R.must(600, 'cancel', 'app0', { task_id: t.id });
      const t3 = await R.create('app0');
      await play(R, t2, [GPT_A, GPT_A, GPT_A], [0, 1, 2]);
      await R.step(1, 'report_uploaded', t2.nodes[0], { task_id: t2.id, round: 0 });
      await R.step(901, 'cancel', t3.nodes[2], { task_id: t3.id });
    },
  },
  'upload-twice-pays-again': {
    description: 'a second reportResultsUploaded pays the result node again out of the task balance and frees it from the task it is in now; a third one underflows the task balance (Panic(0x11)), and so does the third disclosure; only a cancel frees the last node',
    nodes: 4,
    async run(R) {
      await joinAll(R, 4);
      const t = await R.create('app0');
      await play(R, t, [GPT_A, GPT_A, GPT_A], [0, 1]);
      await uploaded(R, t, 0);
      await R.step(1, 'report_uploaded', t.nodes[0], { task_id: t.id, round: 0 }); // node available: finishTask reverts
      const t2 = await R.create('app0');
      await R.step(1, 'report_uploaded', t.nodes[0], { task_id: t.id, round: 0 });
      await R.step(1, 'report_uploaded', t.nodes[0], { task_id: t.id, round: 0 });
      await R.step(1, 'disclose', t.nodes[2], { task_id: t.id, round: 2, result: GPT_A }); // the balance is spent
      await R.step(901, 'cancel', t.nodes[2], { task_id: t.id });
      await R.step(1, 'commit', t2.nodes[0], { task_id: t2.id, round: 0, result: GPT_B, nonce: R.label('nonce') });
    },
  },
  'create-task-reverts': {
    description: "createTask reverting with each of Node.sol's reasons: \"No available nodes\" (sd, no VRAM limit, fewer than three available), \"No kind of gpu vram meets condition\" (sd with a VRAM limit, also at the third seat), \"No kind of gpu id meets condition\" (gpt: no model, name and VRAM alike, with three available nodes), and \"Not enough tokens for task\"",
    nodes: 8,
    accounts: { app1: (29n * CNX).toString() },
    async run(R) {
      await R.must(1, 'create_task', 'app0', R.createArgs('sd', 0), 'No available nodes');
      await R.must(1, 'join', 'n0', RTX4090);
      await R.must(1, 'join', 'n1', RTX4090);
      await R.must(1, 'create_task', 'app0', R.createArgs('sd', 0), 'No available nodes');
      await R.must(1, 'create_task', 'app0', R.createArgs('sd', 20), 'No kind of gpu vram meets condition');
      await R.must(1, 'create_task', 'app0', R.createArgs('gpt', 0), 'No kind of gpu id meets condition');
      await R.must(1, 'join', 'n2', RTX3060);
      await R.must(1, 'join', 'n3', { gpu_name: RTX4090.gpu_name, gpu_vram: 16 });
      await R.must(1, 'create_task', 'app0', R.createArgs('gpt', 0), 'No kind of gpu id meets condition');
      await R.must(1, 'create_task', 'app0', R.createArgs('sd', 24), 'No kind of gpu vram meets condition');
      await R.must(1, 'create_task', 'app0', R.createArgs('sd', 25), 'No kind of gpu vram meets condition');
      await R.must(1, 'create_task', 'app1', R.createArgs('sd', 0), 'Not enough tokens for task');
      await R.must(1, 'join', 'n4', RTX4090);
      await R.must(1, 'create_task', 'app0', R.createArgs('gpt', 24));
      await R.must(1, 'create_task', 'app0', R.createArgs('sd', 12), 'No kind of gpu vram meets condition');
      await R.must(1, 'join', 'n5', A4000_16);
      await R.must(1, 'join', 'n6', A4000_16);
      await R.must(1, 'join', 'n7', A4000_16);
      await R.must(1, 'create_task', 'app0', R.createArgs('gpt', 17), 'No kind of gpu id meets condition');
      await R.must(1, 'create_task', 'app0', R.createArgs('sd', 16));
      await R.step(1, 'create_task', 'app0', R.createArgs('sd', 0));
      await R.step(1, 'create_task', 'app0', R.createArgs('sd', 0));
    },
  },
  'cancel-timeouts': {
    description: 'cancelTask: the deadline is create time + 15 minutes and must be passed strictly; the creator or a selected node may cancel, anyone else is "Unauthorized to cancel task"; the whole balance goes back to the creator, the nodes are freed, the task is deleted',
    nodes: 4,
    apps: 2,
    async run(R) {
      await joinAll(R, 3);
      const t = await R.create('app0');
      await commit(R, t, 0, SD_A);
      await R.must(898, 'cancel', 'app0', { task_id: t.id }, 'Task has not exceeded the deadline yet');
      await R.must(1, 'cancel', 'app0', { task_id: t.id }, 'Task has not exceeded the deadline yet');
      await R.must(1, 'cancel', 'app1', { task_id: t.id }, 'Unauthorized to cancel task');
      await R.must(0, 'join', 'n3', RTX4090);
      await R.must(0, 'cancel', 'n3', { task_id: t.id }, 'Unauthorized to cancel task');
      await R.must(0, 'cancel', t.nodes[2], { task_id: t.id });
      await R.must(1, 'cancel', 'app0', { task_id: t.id }, 'Task not exist');
      await R.must(1, 'cancel', 'app0', { task_id: 99 }, 'Task not exist');
      const t2 = await R.create('app1');
      await play(R, t2, [SD_A, SD_A, SD_B], [0, 1]);
      await R.must(2000, 'cancel', t2.nodes[1], { task_id: t2.id });
    },
  },
  'slash-disclosure-orders': {
    description: 'one cheater among three, disclosed last (slashed after the task succeeded) and disclosed first (slashed, the second discloser is the result node); three different results abort with "Task result illegal" and refund the whole fee',
    nodes: 9,
    async run(R) {
      await joinAll(R, 9);
      const t = await R.create('app0');
      await play(R, t, [SD_A, SD_A, SD_B], [0, 1, 2]);
      await uploaded(R, t, 0);
      const t2 = await R.create('app0', 'gpt');
      await play(R, t2, [GPT_B, GPT_A, GPT_A], [0, 2, 1]);
      await uploaded(R, t2, 2);
      const t3 = await R.create('app0');
      await play(R, t3, [SD_A, SD_B, SD_C], [2, 1, 0]);
      await R.step(1, 'cancel', 'app0', { task_id: t3.id });
    },
  },
  'slash-pending-nodes': {
    description: 'a node that paused or quit while busy is slashed as a busy one; a node pending quit that is settled gets its stake back, one pending pause ends paused',
    nodes: 6,
    async run(R) {
      await joinAll(R, 6);
      const t = await R.create('app0');
      await R.must(1, 'pause', t.nodes[2]);
      await R.must(1, 'quit', t.nodes[1]);
      await R.must(1, 'quit', t.nodes[0]);
      await play(R, t, [SD_A, SD_A, SD_B], [0, 1, 2]);
      await uploaded(R, t, 0);
      const t2 = await R.create('app0', 'gpt');
      await R.must(1, 'pause', t2.nodes[0]);
      await R.must(1, 'quit', t2.nodes[1]);
      await play(R, t2, [GPT_B, GPT_A, GPT_A], [1, 2, 0]);
      await R.step(1, 'resume', t2.nodes[0]);
      await R.step(1, 'join', t2.nodes[0], RTX4090);
    },
  },
  'node-status-reverts': {
    description: 'Node.sol: join twice, join without enough tokens, quit/pause/resume from the wrong status ("Illegal node status"), pause and resume of an available node, quit of a paused node (stake back), rejoin after quit',
    nodes: 3,
    accounts: { n9: (399n * CNX).toString() },
    async run(R) {
      await R.must(1, 'join', 'n9', RTX4090, 'Not enough token to stake');
      await R.must(1, 'quit', 'n0', {}, 'Illegal node status');
      await R.must(1, 'pause', 'n0', {}, 'Illegal node status');
      await R.must(1, 'resume', 'n0', {}, 'Illegal node status');
      await R.must(1, 'join', 'n0', RTX4090);
      await R.must(1, 'join', 'n0', RTX4090, 'Node already joined');
      await R.must(1, 'resume', 'n0', {}, 'Illegal node status');
      await R.must(1, 'pause', 'n0');
      await R.must(1, 'pause', 'n0', {}, 'Illegal node status');
      await R.must(1, 'join', 'n0', RTX4090, 'Node already joined');
      await R.must(1, 'resume', 'n0');
      await R.must(1, 'pause', 'n0');
      await R.must(1, 'quit', 'n0');
      await R.must(1, 'join', 'n0', RTX3060);
      await R.must(1, 'join', 'n1', RTX3060);
      await R.must(1, 'join', 'n2', RTX3060);
      const t = await R.create('app0', 'gpt');
      await R.must(1, 'pause', 'n1');
      await R.must(1, 'pause', 'n1', {}, 'Illegal node status');
      await R.must(1, 'quit', 'n1', {}, 'Illegal node status');
      await R.must(1, 'quit', 'n2');
      await R.must(1, 'quit', 'n2', {}, 'Illegal node status');
      await R.must(1, 'resume', 'n2', {}, 'Illegal node status');
      await R.must(901, 'cancel', 'app0', { task_id: t.id });
      await R.must(1, 'join', 'n2', RTX4090);
      await R.must(1, 'resume', 'n1');
    },
  },
  'commit-disclose-reverts': {
    description: 'the checks of submitTaskResultCommitment, discloseTaskResult, reportTaskError and reportResultsUploaded, in their order: "Task not exist", "Round not exist", "Not selected node", "Already submitted", "Nonce already used", "Commitments not ready", "Mismatch result and commitment", "Invalid result", "Not result round", "Task is aborted"',
    nodes: 4,
    async run(R) {
      await joinAll(R, 4);
      const t = await R.create('app0');
      const [a, b, c] = t.nodes;
      const other = ['n0', 'n1', 'n2', 'n3'].find((n) => !t.nodes.includes(n));
      const nonce = R.label('nonce');
      await R.must(1, 'commit', a, { task_id: 7, round: 0, result: SD_A, nonce }, 'Task not exist');
      await R.must(1, 'commit', a, { task_id: t.id, round: 3, result: SD_A, nonce }, 'Round not exist');
      await R.must(1, 'commit', other, { task_id: t.id, round: 0, result: SD_A, nonce }, 'Not selected node');
      await R.must(1, 'commit', a, { task_id: t.id, round: 1, result: SD_A, nonce }, 'Not selected node');
      await R.must(1, 'commit', a, { task_id: t.id, round: 0, result: SD_A, nonce });
      await R.must(1, 'commit', a, { task_id: t.id, round: 0, result: SD_A, nonce: R.label('nonce') }, 'Already submitted');
      await R.must(1, 'commit', b, { task_id: t.id, round: 1, result: SD_A, nonce }, 'Nonce already used');
      await R.must(1, 'disclose', a, { task_id: t.id, round: 0, result: SD_A }, 'Commitments not ready');
      await R.must(1, 'disclose', a, { task_id: t.id, round: 0, result: '0x' }, 'Invalid result');
      await R.must(1, 'commit_raw', b, { task_id: t.id, round: 1, commitment: '0x' + '00'.repeat(31) + '02', nonce: R.label('nonce') });
      await R.must(1, 'report_error', b, { task_id: t.id, round: 1 }, 'Already submitted');
      await R.must(1, 'report_uploaded', a, { task_id: t.id, round: 0 }, 'Not result round');
      await R.must(1, 'commit', c, { task_id: t.id, round: 2, result: SD_A, nonce: R.label('nonce') });
      await R.must(1, 'disclose', a, { task_id: t.id, round: 0, result: SD_B }, 'Mismatch result and commitment');
      await R.must(1, 'disclose', b, { task_id: t.id, round: 1, result: SD_A }, 'Mismatch result and commitment');
      await R.must(1, 'disclose', a, { task_id: t.id, round: 0, result: SD_A });
      await R.must(1, 'disclose', a, { task_id: t.id, round: 0, result: SD_A }, 'Already submitted');
      await R.must(1, 'disclose', c, { task_id: t.id, round: 2, result: SD_A });
      await R.must(1, 'report_uploaded', c, { task_id: t.id, round: 2 }, 'Not result round');
      await R.must(1, 'report_uploaded', a, { task_id: t.id, round: 3 }, 'Round not exist');
      await R.must(1, 'report_uploaded', a, { task_id: t.id, round: 0 });
      // an aborted task that is still stored: three different results
      const t2 = await R.create('app0', 'gpt');
      await play(R, t2, [GPT_A, GPT_B, GPT_A + 'ff'], [0, 1, 2]);
      await R.must(1, 'report_error', b, { task_id: 1, round: 1 }, 'Already submitted');
      await R.step(1, 'report_uploaded', t2.nodes[0], { task_id: t2.id, round: 0 });
    },
  },
  'sd-hamming-threshold': {
    description: 'sd results match when every 8-byte hash differs in fewer than 5 bits: 4 bits match, 5 do not; a length that is not a multiple of 8 never matches, not even itself; gpt results match only byte-equal',
    nodes: 6,
    async run(R) {
      await joinAll(R, 6);
      let t = await R.create('app0');
      await play(R, t, [SD_A, flip(SD_A, 4), flip(SD_A, 5)], [0, 1, 2]);
      await uploaded(R, t, 0);
      t = await R.create('app0');
      const odd = SD_A + 'ab';
      await play(R, t, [odd, odd, odd], [0, 1, 2]);
      t = await R.create('app0', 'gpt');
      await play(R, t, [GPT_A, GPT_A + '00', GPT_A], [0, 1, 2]);
    },
  },
};

(async () => {
  const [outDir, ...names] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: node cases.js OUTDIR [NAME...]');
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of names.length ? names : Object.keys(CASES)) {
    const c = CASES[name];
    if (!c) throw new Error('unknown case ' + name);
    const acc = { ...accounts(c.nodes, c.apps || 1), ...(c.accounts || {}) };
    const R = await Recorder.create({ name, description: c.description, accounts: acc });
    await c.run(R);
    const bytes = R.write(path.join(outDir, name + '.json'));
    console.log(`${name}: ${R.trace.steps.length} steps, ${bytes} bytes`);
    await R.close();
  }
})().catch((e) => {
  console.error(e.stack || e.message || e);
  process.exit(1);
});
