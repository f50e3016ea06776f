// Records one hydrogen-trace/1 file: executes steps on a Chain and observes
// the state after each.
'use strict';
const { Chain, DEFAULTS, ethers } = require('./chain');
const { BaseRecorder } = require('../../common/recorder');

const CNX = 10n ** 18n;
// Deterministic byte strings for task and data hashes, nonces: keccak256 of a label.
const h32 = (label) => ethers.keccak256(ethers.toUtf8Bytes(label));

class Recorder extends BaseRecorder {
  static async create({ name, description, accounts, params = {} }) {
    const trace = { format: 'hydrogen-trace/1', name, description, params: { ...DEFAULTS, ...params }, accounts };
    return new Recorder().init(trace, await Chain.create({ accounts: Object.entries(accounts), params: trace.params }));
  }

  label(what) {
    return h32(`${this.trace.name}/${what}/${this.labels++}`);
  }

  createArgs(task_type = 'sd', vram_limit = 0) {
    return { task_type, task_hash: this.label('task'), data_hash: this.label('data'), vram_limit };
  }

  // Creates a task that must start; returns its id and its nodes by round.
  async create(app, task_type = 'sd', vram_limit = 0, dt = 1) {
    const s = await this.must(dt, 'create_task', app, this.createArgs(task_type, vram_limit));
    const ev = s.events.filter((e) => e.name === 'TaskCreated');
    return { id: ev[0].task_id, nodes: ev.map((e) => e.node) };
  }
}

module.exports = { Recorder, CNX, h32 };
