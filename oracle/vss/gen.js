#!/usr/bin/env node
// Records a randomized vss-trace/1 trace. A seed fixes the whole trace: the
// workload is a function of the seed and of the contracts' answers.
//
//   node gen.js --seed N --out FILE [--steps 30] [--nodes 5]
//
// --steps is a maximum: recording stops before the file passes 38,000 bytes.
//
// Workload: honest, cheating, lazy and flaky nodes of two GPU models (some
// on an older version), with or without a local model, joining, pausing,
// resuming and quitting;
// two applications creating sd and llm tasks with fees from 1 wei to 20 CNX
// and task sizes 1 to 4. The applications pick nonces so that about 60 % of
// the tasks are selected for validation (a fair draw would give 10 %, too
// few groups for a short trace), and send the two extra tasks of each
// selected one. The relay uploads parameters and results; nodes submit the
// group's true score, a different one (cheaters), one a bit away (sd), an
// error report (flaky), or nothing (lazy: the task is aborted after the
// 180 s timeout); applications validate single tasks and groups (also with
// a member aborted while queued), abort queued tasks and the rest of a group
// that can no longer complete; a few steps are calls made out of turn.
'use strict';
const fs = require('fs');
const path = require('path');
const { ethers } = require('ethers');
const { Recorder, CNX, h32 } = require('./lib/recorder');
const vrf = require('./lib/vrf');
const { keyFor } = require('./lib/chain');
const { rng, arg } = require('../common/trace');

const GPUS = [
  { gpu_name: 'NVIDIA GeForce RTX 4090', gpu_vram: 24 },
  { gpu_name: 'NVIDIA GeForce RTX 3060', gpu_vram: 12 },
];
const SD_MODEL = 'crynux-ai/sdxl-turbo';
const LLM_MODEL = 'Qwen/Qwen2.5-7B';
const MAX_BYTES = 38000; // recording stops before a trace passes this size (< 40 KB)
const ENDED = new Set(['end_invalidated', 'end_success', 'end_aborted', 'end_group_refund', 'end_group_success']);

async function main() {
  const seed = Number(arg('seed', '1'));
  const out = arg('out', null);
  const nSteps = Number(arg('steps', '30'));
  const nNodes = Number(arg('nodes', '5'));
  if (!out || !Number.isInteger(seed) || !(nSteps > 0) || !(nNodes > 0)) {
    console.error('usage: node gen.js --seed N --out FILE [--steps 30] [--nodes 5]');
    process.exit(2);
  }
  const r = rng(seed);
  const accounts = {};
  const kind = {};
  for (let i = 0; i < nNodes; i++) {
    accounts['n' + i] = (1000n * CNX).toString();
    kind['n' + i] = r.pick(['honest', 'honest', 'honest', 'honest', 'honest', 'cheater', 'lazy', 'flaky']);
  }
  accounts.app0 = (10000n * CNX).toString();
  accounts.app1 = (10000n * CNX).toString();
  accounts.relay = '0';
  const R = await Recorder.create({
    name: path.basename(out, '.json'),
    description: `randomized (gen.js, seed ${seed}): ${nNodes} nodes (${Object.values(kind).join(', ')}), 2 apps`,
    accounts,
    params: {},
  });
  R.prefix = 'gen/' + seed;
  const tasks = {}; // id -> { app, guid, selected, group: [ids] | null, truth }
  const pendingExtra = { app0: [], app1: [] }; // task args of extra tasks to send
  let dt = 1;
  const full = () => R.chain.prevFull || { nodes: {}, tasks: {} };

  const truthOf = (guid, type) => (type === 'llm' ? ethers.keccak256(guid) : '0x' + ethers.keccak256(guid).slice(2, 34));
  const scoreFor = (node, t, type) => {
    const k = kind[node];
    if (k === 'cheater' && r.chance(0.7)) return type === 'llm' ? ethers.keccak256(h32(node + t.guid)) : '0x' + ethers.keccak256(h32(node + t.guid)).slice(2, 34);
    if (type === 'sd' && r.chance(0.2)) {
      const b = Buffer.from(t.truth.slice(2), 'hex');
      b[r.int(b.length)] ^= 1 << r.int(8);
      return '0x' + b.toString('hex');
    }
    return t.truth;
  };

  let bytes = 600;
  for (let i = 0; i < nSteps && bytes < MAX_BYTES; i++) {
    const st = full();
    const acts = [];
    const add = (w, f) => acts.push([w, f]);
    const nodeStatus = (n) => (st.nodes[n] ? st.nodes[n].status : 'quit');
    for (const n of Object.keys(kind)) {
      const s = nodeStatus(n);
      if (s === 'quit')
        add(i < nNodes ? 1000 : 3, async () => {
          const g = r.chance(0.75) ? GPUS[0] : GPUS[1];
          const version = r.chance(0.15) ? [2, 4, 0] : [2, 5, 0];
          const model_ids = r.chance(0.7) ? [g.gpu_vram >= 24 ? LLM_MODEL : SD_MODEL] : [];
          return R.step(dt, 'join', n, R.joinArgs(n, { ...g, version, model_ids }));
        });
      if (s === 'available' || s === 'busy') add(0.12, () => R.step(dt, r.pick(['pause', 'quit']), n));
      if (s === 'paused') add(1, () => R.step(dt, 'resume', n));
    }
    const open = (app) => Object.entries(st.tasks).filter(([id, x]) => tasks[id] && tasks[id].app === app && !ENDED.has(x.status)).length;
    for (const app of ['app0', 'app1']) {
      if (pendingExtra[app].length) add(8, () => R.step(dt, 'create_task', app, pendingExtra[app].shift()));
      else if (open(app) < 2)
        add(open(app) ? 0.3 : 3, async () => {
          const llm = r.chance(0.3);
          const opts = {
            task_type: llm ? 'llm' : 'sd',
            model_ids: [llm ? LLM_MODEL : SD_MODEL],
            required_gpu: llm ? GPUS[0].gpu_name : '',
            required_gpu_vram: llm ? GPUS[0].gpu_vram : 0,
            minimum_vram: llm ? 0 : r.pick([8, 12, 16]),
            task_size: 1 + r.int(4),
            task_fee: r.chance(0.15) ? String(1 + r.int(40)) : ((BigInt(1 + r.int(20)) * CNX) + BigInt(r.int(1000))).toString(),
            sampled: r.chance(0.6),
          };
          const a = await R.taskArgs(app, opts);
          const s = await R.step(dt, 'create_task', app, a);
          if (s.ok) {
            const { sampling_number } = vrf.prove(keyFor(app), s.state.tasks[a.task_id.toLowerCase()].sampling_seed);
            const t = { app, guid: a.guid, type: a.task_type, selected: vrf.selected(sampling_number), group: null, truth: truthOf(a.guid, a.task_type) };
            tasks[a.task_id.toLowerCase()] = t;
            if (t.selected) {
              t.group = [a.task_id.toLowerCase()];
              for (let k = 0; k < 2; k++) {
                const e = await R.taskArgs(app, { ...opts, sampled: undefined, guid: a.guid });
                pendingExtra[app].push(e);
                t.group.push(e.task_id.toLowerCase());
                tasks[e.task_id.toLowerCase()] = { ...t, extra: true };
              }
            }
          }
          return s;
        });
    }
    for (const [id, ts] of Object.entries(st.tasks)) {
      const t = tasks[id];
      if (!t || ENDED.has(ts.status)) continue;
      const age = R.time - ts.start_time;
      if (ts.status === 'started') add(4, () => R.step(dt, 'report_parameters_uploaded', 'relay', { task_id: id }));
      if (ts.status === 'parameters_uploaded' && kind[ts.node] !== 'lazy')
        add(4, () =>
          kind[ts.node] === 'flaky' && r.chance(0.5)
            ? R.step(dt, 'report_error', ts.node, { task_id: id, error: 'parameters_validation_failed' })
            : R.step(dt, 'submit_score', ts.node, { task_id: id, score: scoreFor(ts.node, t, ts.type) }),
        );
      if (['score_ready', 'error_reported'].includes(ts.status) && !t.group) add(4, () => R.step(dt, 'validate_single', t.app, { task_id: id, ...R.vrfArgs(t.app, id) }));
      if (ts.status === 'validated' || ts.status === 'group_validated') add(4, () => R.step(dt, 'report_result_uploaded', 'relay', { task_id: id }));
      // aborts after the timeout: tasks of lazy nodes, groups
      // that cannot complete any more, and now and then a finished task
      const stuck = (kind[ts.node] === 'lazy' && ['started', 'parameters_uploaded'].includes(ts.status)) || (t.group && t.group.some((x) => !st.tasks[x] || (ENDED.has(st.tasks[x].status) && st.tasks[x].node)));
      if (ts.status !== 'queued' && age > 180) add(stuck ? 2 : 0.1, () => R.step(dt, 'abort', r.chance(0.7) ? t.app : ts.node, { task_id: id, reason: 'timeout' }));
      if (ts.status === 'queued') add(t.group ? 0.8 : 0.3, () => R.step(dt, 'abort', t.app, { task_id: id, reason: 'none' }));
    }
    // group validations: every member has a result, or was aborted while
    // queued (no node: validate_group then compares the others)
    const hasResult = (x) => st.tasks[x] && ['score_ready', 'error_reported'].includes(st.tasks[x].status);
    const ready = (x) => hasResult(x) || (st.tasks[x] && st.tasks[x].status === 'end_aborted' && !st.tasks[x].node);
    for (const [id, t] of Object.entries(tasks))
      if (t.group && t.group[0] === id && t.group.every(ready) && t.group.some(hasResult))
        add(6, () => R.step(dt, 'validate_group', t.app, { task_ids: t.group, guid: t.guid, ...R.vrfArgs(t.app, t.group[0]) }));
    // calls out of turn: any op on any known task by a random actor
    const ids = Object.keys(tasks).filter((id) => st.tasks[id]);
    if (ids.length)
      add(0.6, () => {
        const id = r.pick(ids);
        const t = tasks[id];
        const who = r.pick(['app0', 'app1', 'relay', ...Object.keys(kind)]);
        switch (r.int(5)) {
          case 0: return R.step(dt, 'submit_score', who, { task_id: id, score: t.truth });
          case 1: return R.step(dt, 'report_parameters_uploaded', who, { task_id: id });
          case 2: return R.step(dt, 'abort', who, { task_id: id, reason: 'timeout' });
          case 3: return R.step(dt, 'validate_single', who, { task_id: id, ...R.vrfArgs(t.app, id) });
          default: return R.step(dt, 'report_result_uploaded', who, { task_id: id });
        }
      });
    let tot = 0;
    for (const [w] of acts) tot += w;
    let x = r.f() * tot;
    let chosen = acts[acts.length - 1][1];
    for (const [w, f] of acts) {
      if (x < w) {
        chosen = f;
        break;
      }
      x -= w;
    }
    const done = await chosen();
    bytes += JSON.stringify(done).length + 2;
    dt = r.chance(0.04) ? 150 + r.int(60) : 1 + r.int(15);
  }
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  bytes = R.write(out);
  await R.close();
  const t = R.trace;
  const ops = {};
  for (const s of t.steps) ops[s.op] = (ops[s.op] || 0) + 1;
  const reverts = t.steps.filter((s) => !s.ok).length;
  console.log(`${path.basename(out)}: ${t.steps.length} steps, ${reverts} reverting, ${bytes} bytes; ${Object.entries(ops).map(([k, v]) => k + ' ' + v).join(', ')}`);
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
