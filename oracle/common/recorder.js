// What an edition's Recorder shares: a trace being written, the steps
// executed on its Chain (exec and observe) and recorded with what the
// contracts answered, hand-written scenarios' expectations, and writing.
'use strict';
const { writeTrace } = require('./trace');

class BaseRecorder {
  // trace: {format, name, description, params, accounts}; chain: the
  // edition's Chain, created for those accounts and params.
  init(trace, chain) {
    this.trace = { ...trace, steps: [] };
    this.chain = chain;
    this.time = 0;
    this.labels = 0;
    return this;
  }

  async step(dt, op, from, args = {}) {
    this.time += dt;
    const r = await this.chain.exec(this.time, op, from, args);
    const state = await this.chain.observe();
    const s = { i: this.trace.steps.length, time: this.time, op, from, args, ok: r.ok, revert: r.revert, events: r.events, state };
    this.trace.steps.push(s);
    return s;
  }

  // A step that must succeed (or revert with `revert`): the premise of a
  // hand-written scenario; a scenario that does not go as written is a bug
  // in the scenario, not a trace to keep.
  async must(dt, op, from, args = {}, revert = null) {
    const s = await this.step(dt, op, from, args);
    if (revert === null && !s.ok) throw new Error(`${this.trace.name}: step ${s.i} ${op} reverted: ${s.revert}`);
    if (revert !== null && s.revert !== revert) throw new Error(`${this.trace.name}: step ${s.i} ${op}: expected revert ${revert}, got ${s.ok ? 'success' : s.revert}`);
    return s;
  }

  write(file) {
    return writeTrace(file, this.trace);
  }

  async close() {
    await this.chain.close();
  }
}

module.exports = { BaseRecorder };
