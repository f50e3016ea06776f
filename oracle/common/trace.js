// What the recorders share around trace files: writing one (a step per
// line), comparing a re-execution with a recording, the seeded generator of
// the randomized workloads, and the INDEX.md of a folder of traces.
'use strict';
const fs = require('fs');
const path = require('path');

function writeTrace(file, t) {
  const head = JSON.stringify({ ...t, steps: undefined });
  const text = head.slice(0, -1) + ',"steps":[\n' + t.steps.map((s) => JSON.stringify(s)).join(',\n') + '\n]}\n';
  fs.writeFileSync(file, text);
  return text.length;
}

function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = canon(v[k]);
    return o;
  }
  return v;
}
// JSON equality with key order ignored.
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

// The first path at which e and g differ, or null.
function firstDiff(e, g, p) {
  if (same(e, g)) return null;
  if (e && g && typeof e === 'object' && typeof g === 'object' && Array.isArray(e) === Array.isArray(g)) {
    for (const k of new Set([...Object.keys(e), ...Object.keys(g)])) {
      const d = firstDiff(e[k], g[k], Array.isArray(e) ? `${p}[${k}]` : `${p}.${k}`);
      if (d) return d;
    }
  }
  return { path: p, expected: String(JSON.stringify(e)), got: String(JSON.stringify(g)) };
}

// mulberry32: a small seeded generator, so that a seed fixes a trace.
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    f: next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

// Flips the first `bits` bits of a hex string (the first 8-byte hash of an
// sd result or score: Hamming distance `bits` from the original).
function flip(hex, bits) {
  const b = Buffer.from(hex.slice(2), 'hex');
  for (let i = 0; i < bits; i++) b[i >> 3] ^= 0x80 >> (i & 7);
  return '0x' + b.toString('hex');
}

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? process.argv[i + 1] : def;
}

// Writes DIR/INDEX.md: one line per trace (file, steps, reverting steps,
// what it covers) and the totals; `intro` is the paragraph under the title.
function writeIndex(dir, title, intro) {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const tot = { steps: 0, reverts: 0, bytes: 0, ops: {}, events: {} };
  const lines = [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const t = JSON.parse(text);
    const reverts = t.steps.filter((s) => !s.ok).length;
    tot.steps += t.steps.length;
    tot.reverts += reverts;
    tot.bytes += text.length;
    for (const s of t.steps) {
      tot.ops[s.op] = (tot.ops[s.op] || 0) + 1;
      for (const e of s.events) tot.events[e.name] = (tot.events[e.name] || 0) + 1;
    }
    lines.push(`- \`${f}\` — ${t.steps.length} steps, ${reverts} reverting — ${t.description}`);
  }
  const list = (o) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const text =
    `# ${title}\n\n${intro}\n\n` +
    `${files.length} traces, ${tot.steps} steps, ${tot.reverts} reverting steps, ${tot.bytes} bytes.\n\n` +
    `Ops: ${list(tot.ops)}.\n\nEvents: ${list(tot.events)}.\n\n` +
    lines.join('\n') +
    '\n';
  fs.writeFileSync(path.join(dir, 'INDEX.md'), text);
  console.log(`INDEX.md: ${files.length} traces, ${tot.steps} steps, ${tot.bytes} bytes`);
}

// The command line of an index.js: node index.js DIR.
function indexMain(title, intro) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node index.js DIR');
    process.exit(2);
  }
  writeIndex(dir, title, intro);
}

// Re-executes one recorded trace on a fresh Chain (Chain.create, exec,
// observe) and compares every step with the recording; `check(step, got)`,
// called after every step, may add a check of its own (an error string;
// null when it passes and counts; undefined when it does not apply).
// Returns {file, steps, matched, checked, first, secs}.
async function replayOnChain(file, format, Chain, check = null) {
  const tr = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (tr.format !== format) throw new Error(`${file}: format is ${JSON.stringify(tr.format)}, expected "${format}"`);
  const chain = await Chain.create({ accounts: Object.entries(tr.accounts), params: tr.params });
  let matched = 0;
  let checked = 0;
  let first = null;
  const t0 = Date.now();
  for (const s of tr.steps) {
    const r = await chain.exec(s.time, s.op, s.from, s.args);
    const state = await chain.observe();
    const got = { i: s.i, time: s.time, op: s.op, from: s.from, args: s.args, ok: r.ok, revert: r.revert, events: r.events, state };
    let bad = same(s, got) ? null : firstDiff(s, got, `$.steps[${s.i}]`);
    const e = check ? check(s, got) : undefined;
    if (!bad && e) bad = { path: `$.steps[${s.i}].args`, expected: 'consistent args', got: e };
    else if (!bad && e === null) checked++;
    if (!bad) matched++;
    else if (!first) first = { step: s.i, op: s.op, ...bad };
  }
  await chain.close();
  return { file: path.basename(file), steps: tr.steps.length, matched, checked, first, secs: (Date.now() - t0) / 1000 };
}

// The command line of a validate.js: node validate.js TRACE.json...;
// `what` names the extra checks counted (e.g. "VRF proofs checked"), if any.
// Prints a line per trace and `validate: T traces (I identical), S/N steps
// identical`; exits 0 only when every step is identical.
function validateMain(validateOne, what = null) {
  (async () => {
    const files = process.argv.slice(2);
    if (!files.length) {
      console.error('usage: node validate.js TRACE.json...');
      process.exit(2);
    }
    let tot = 0;
    let ok = 0;
    let full = 0;
    let checked = 0;
    const extra = (n) => (what ? `, ${n} ${what}` : '');
    for (const f of files) {
      const r = await validateOne(f);
      tot += r.steps;
      ok += r.matched;
      checked += r.checked;
      if (r.matched === r.steps) full++;
      console.log(`${r.matched === r.steps ? 'ok  ' : 'DIFF'} ${r.file}: ${r.matched}/${r.steps} steps identical${extra(r.checked)}; ${r.secs.toFixed(1)} s`);
      if (r.first) console.log(`     first difference at step ${r.first.step} (${r.first.op}) ${r.first.path}\n     expected: ${r.first.expected.slice(0, 400)}\n     got:      ${r.first.got.slice(0, 400)}`);
    }
    console.log(`validate: ${files.length} traces (${full} identical), ${ok}/${tot} steps identical${extra(checked)}`);
    process.exit(ok === tot ? 0 : 1);
  })().catch((e) => {
    console.error(e.message || e);
    process.exit(2);
  });
}

module.exports = { writeTrace, canon, same, firstDiff, rng, flip, arg, writeIndex, indexMain, replayOnChain, validateMain };
