#!/usr/bin/env node
// Records a randomized hydrogen-trace/1 trace. A seed fixes the whole trace:
// the workload is a function of the seed and of the contracts' answers.
//
//   node gen.js --seed N --out FILE [--steps 300] [--nodes 20]
//
// Workload: honest, cheating (another result), lazy (never answer) and
// flaky (report an error) nodes with four GPU kinds (two sharing a name with
// different VRAM, which Node.sol counts as two GPU ids), joining, pausing,
// resuming, quitting and joining again; two applications creating sd and
// gpt tasks with VRAM limits 0 to 24 GB (many revert for want of nodes);
// nodes committing, disclosing and reporting errors in random order; result
// nodes reporting the upload (sometimes twice); tasks cancelled after their
// 15 minutes by the creator or a node; a few calls made out of turn.
'use strict';
const { Recorder, CNX } = require('./lib/recorder');
const { rng, arg } = require('../common/trace');

const GPUS = [
  { gpu_name: 'NVIDIA GeForce RTX 4090', gpu_vram: 24 },
  { gpu_name: 'NVIDIA GeForce RTX 4090', gpu_vram: 16 },
  { gpu_name: 'NVIDIA GeForce RTX 3060', gpu_vram: 12 },
  { gpu_name: 'NVIDIA RTX A4000', gpu_vram: 16 },
];
const VRAM_LIMITS = [0, 0, 0, 8, 12, 16, 20, 24];

async function main() {
  const seed = Number(arg('seed', '1'));
  const out = arg('out', null);
  const nSteps = Number(arg('steps', '300'));
  const nNodes = Number(arg('nodes', '20'));
  if (!out || !Number.isInteger(seed) || !(nSteps > 0) || !(nNodes > 0)) {
    console.error('usage: node gen.js --seed N --out FILE [--steps 300] [--nodes 20]');
    process.exit(2);
  }
  const r = rng(seed);
  const accounts = {};
  const kind = {};
  const gpu = {};
  const weights = GPUS.map(() => 1 + r.int(4));
  const pickGpu = () => {
    let x = r.int(weights.reduce((a, b) => a + b, 0));
    for (let i = 0; i < GPUS.length; i++) if ((x -= weights[i]) < 0) return GPUS[i];
    return GPUS[0];
  };
  for (let i = 0; i < nNodes; i++) {
    const n = 'n' + i;
    accounts[n] = (1000n * CNX).toString();
    kind[n] = r.pick(['honest', 'honest', 'honest', 'honest', 'honest', 'honest', 'cheater', 'lazy', 'flaky']);
    gpu[n] = pickGpu();
  }
  accounts.app0 = (100000n * CNX).toString();
  accounts.app1 = (100000n * CNX).toString();
  const R = await Recorder.create({
    name: `random-${seed}`,
    description: `randomized: seed ${seed}, ${nNodes} nodes (${GPUS.length} GPU kinds, honest, cheating, lazy, flaky), 2 applications, up to ${nSteps} steps`,
    accounts,
  });
  const nodes = Object.keys(kind);
  const status = {}; // node -> status, from the recorded states
  const tasks = new Map(); // id -> {id, nodes, creator, created, truth, committed, disclosed, resultNode, uploads}
  const apply = (s) => {
    for (const [n, v] of Object.entries(s.state.nodes)) status[n] = v.status;
    for (const e of s.events) {
      if (e.name === 'TaskCreated') {
        if (!tasks.has(e.task_id))
          tasks.set(e.task_id, { id: e.task_id, nodes: [], creator: e.creator, created: R.time, committed: [false, false, false], disclosed: [false, false, false], results: [], resultNode: null, uploads: 0 });
        tasks.get(e.task_id).nodes[e.round] = e.node;
      }
      if (e.name === 'TaskSuccess' && tasks.has(e.task_id)) tasks.get(e.task_id).resultNode = e.result_node;
    }
    for (const [id, v] of Object.entries(s.state.tasks)) if (v === null) tasks.delete(Number(id));
  };
  const step = async (dt, op, from, args = {}) => {
    const s = await R.step(dt, op, from, args);
    apply(s);
    return s;
  };
  const resultFor = (t, round) => {
    const node = t.nodes[round];
    const base = t.type === 'gpt' ? '0x' + ((t.id * 7919) % 65536).toString(16).padStart(4, '0') + 'aa'.repeat(6) : '0x' + ((t.id * 104729) % 2 ** 32).toString(16).padStart(8, '0') + 'c3'.repeat(12);
    if (kind[node] === 'cheater') return base.slice(0, -2) + (t.type === 'gpt' ? '00' : '3c');
    if (t.type === 'sd' && r.chance(0.3)) return base.slice(0, -1) + '2'; // one bit away: still matches
    return base;
  };

  for (const n of nodes.slice(0, Math.max(3, Math.floor(nNodes * 0.7)))) await step(1 + r.int(3), 'join', n, gpu[n]);
  while (R.trace.steps.length < nSteps) {
    const dt = r.chance(0.02) ? 300 + r.int(700) : r.int(15);
    const live = [...tasks.values()];
    const x = r.f();
    if (x < 0.14) {
      const app = r.pick(['app0', 'app1']);
      const type = r.chance(0.35) ? 'gpt' : 'sd';
      const s = await step(dt, 'create_task', app, R.createArgs(type, r.pick(VRAM_LIMITS)));
      for (const e of s.events) if (e.name === 'TaskCreated') tasks.get(e.task_id).type = type;
    } else if (x < 0.75 && live.length) {
      const t = r.chance(0.7) ? live[r.int(Math.min(3, live.length))] : r.pick(live); // mostly the oldest
      const round = r.int(3);
      const node = t.nodes[round];
      if (!t.committed[round]) {
        if (kind[node] === 'lazy' && !r.chance(0.1)) continue;
        let s;
        if (kind[node] === 'flaky' && r.chance(0.7)) s = await step(dt, 'report_error', node, { task_id: t.id, round });
        else {
          t.results[round] = resultFor(t, round);
          s = await step(dt, 'commit', node, { task_id: t.id, round, result: t.results[round], nonce: R.label('nonce') });
        }
        if (s.ok) t.committed[round] = true;
      } else if (t.results[round] && !t.disclosed[round] && (t.committed.every((c) => c) || r.chance(0.1))) {
        const s = await step(dt, 'disclose', node, { task_id: t.id, round, result: t.results[round] });
        if (s.ok) t.disclosed[round] = true;
      } else if (t.resultNode && t.uploads < (r.chance(0.1) ? 2 : 1)) {
        const rr = t.nodes.indexOf(t.resultNode);
        const s = await step(dt, 'report_uploaded', t.resultNode, { task_id: t.id, round: rr });
        if (s.ok) t.uploads++;
      } else if (R.time + dt > t.created + 900) {
        await step(dt, 'cancel', r.chance(0.5) ? t.creator : node, { task_id: t.id });
      }
    } else if (x < 0.8 && live.length) {
      const t = r.pick(live);
      if (R.time + dt > t.created + 900 || r.chance(0.2)) await step(dt, 'cancel', r.chance(0.6) ? t.creator : r.pick(t.nodes), { task_id: t.id });
    } else if (x < 0.97) {
      const n = r.pick(nodes);
      const st = status[n] || 'quit';
      let op;
      if (st === 'quit') op = 'join';
      else if (st === 'paused') op = r.chance(0.7) ? 'resume' : 'quit';
      else op = r.chance(0.15) ? 'quit' : r.chance(0.5) ? 'pause' : null;
      if (!op) continue;
      await step(dt, op, n, op === 'join' ? gpu[n] : {});
    } else {
      // out of turn: a random node calls a random task
      const n = r.pick(nodes);
      const id = 1 + r.int(Math.max(1, R.chain.live.size + 3));
      const op = r.pick(['commit', 'disclose', 'report_error', 'report_uploaded', 'resume', 'join']);
      const args = op === 'join' ? gpu[n] : op === 'resume' ? {} : op === 'commit' ? { task_id: id, round: r.int(4), result: '0x01', nonce: R.label('nonce') } : op === 'disclose' ? { task_id: id, round: r.int(4), result: '0x01' } : { task_id: id, round: r.int(4) };
      await step(dt, op, n, args);
    }
  }
  const bytes = R.write(out);
  const reverts = R.trace.steps.filter((s) => !s.ok).length;
  console.log(`${out}: ${R.trace.steps.length} steps (${reverts} reverting), ${bytes} bytes`);
  await R.close();
}

main().catch((e) => {
  console.error(e.stack || e.message || e);
  process.exit(1);
});
