// Records one vss-trace/1 file: executes steps on a Chain, observes the state
// after each, and offers what an application does around VSSTask (task ids
// committed from a GUID and a nonce, the VRF proof of the sampling seed, the
// two extra tasks of a validation group).
'use strict';
const { ethers } = require('ethers');
const { BaseRecorder } = require('../../common/recorder');
const { Chain, keyFor, publicKeyOf } = require('./chain');
const vrf = require('./vrf');

const STAKE = (400n * 10n ** 18n).toString();
const CNX = 10n ** 18n;

const DEFAULT_PARAMS = {
  stake_wei: STAKE,
  task_timeout_s: 180,
  queue_size_limit: 50,
  kickout_threshold: 10,
  task_score_rewards: [10, 9, 6],
  task_score_pool_size: 3,
  distance_threshold: 24,
  sampling_modulus: 10,
  max_nodes: 100000,
};

// Deterministic byte strings for GUIDs and nonces: keccak256 of a label.
const h32 = (label) => ethers.keccak256(ethers.toUtf8Bytes(label));
const commitmentOf = (guid, nonce) => ethers.keccak256(ethers.concat([guid, nonce]));

class Recorder extends BaseRecorder {
  static async create({ name, description, accounts, params = {} }) {
    const r = new Recorder();
    const trace = { format: 'vss-trace/1', name, description, params: { ...DEFAULT_PARAMS, ...params }, accounts };
    r.init(trace, await Chain.create({ accounts: Object.entries(accounts), params: trace.params }));
    r.prefix = name;
    return r;
  }

  label(what) {
    return h32(`${this.prefix}/${what}/${this.labels++}`);
  }

  joinArgs(n, { gpu_name = 'NVIDIA GeForce RTX 4090', gpu_vram = 24, version = [2, 5, 0], model_ids = [], stake = STAKE, key_of = null } = {}) {
    return { gpu_name, gpu_vram, version, public_key: publicKeyOf(key_of || n), model_ids, stake };
  }

  // create_task args for a new task id. `guid` groups the tasks of a
  // validation group; `sampled` (true / false / undefined) grinds the nonce
  // until the VRF output of the sampling seed the task will get is (is not)
  // a multiple of 10, so that a hand-written trace can choose its case.
  async taskArgs(app, { task_type = 'sd', guid = null, sampled, model_ids = ['crynux-ai/sdxl-turbo'], minimum_vram = 8, required_gpu = '', required_gpu_vram = 0, task_version = [2, 5, 0], task_size = 1, task_fee = (10n * CNX).toString() } = {}) {
    guid = guid || this.label('guid');
    for (let tries = 0; tries < 1000; tries++) {
      const nonce = this.label('nonce');
      const task_id = commitmentOf(guid, nonce);
      if (sampled !== undefined) {
        const seed = await this.chain.nextSamplingSeed(task_id);
        const { sampling_number } = vrf.prove(keyFor(app), seed);
        if (vrf.selected(sampling_number) !== sampled) continue;
      }
      return { task_type, task_id, nonce, guid, model_ids, minimum_vram, required_gpu, required_gpu_vram, task_version, task_size, task_fee };
    }
    throw new Error('no nonce found');
  }

  // The latest listed entry of a task or node (states list only the
  // entries a step changed).
  latest(kind, key) {
    for (let i = this.trace.steps.length - 1; i >= 0; i--) {
      const e = this.trace.steps[i].state[kind][kind === 'tasks' ? key.toLowerCase() : key];
      if (e) return e;
    }
    throw new Error(`unknown ${kind} entry ${key}`);
  }

  seedOf(taskId) {
    return this.latest('tasks', taskId).sampling_seed;
  }

  // The VRF arguments of validate_single / validate_group for `signer`'s key
  // over the sampling seed of `taskId` (`alpha` overrides the seed).
  vrfArgs(signer, taskId, { alpha = null, tamper = false } = {}) {
    const seed = alpha || this.seedOf(taskId);
    let { proof } = vrf.prove(keyFor(signer), seed);
    if (tamper) proof = proof.slice(0, -2) + ((parseInt(proof.slice(-2), 16) ^ 1).toString(16).padStart(2, '0'));
    return this.vrfFields(signer, proof, seed);
  }

  vrfFields(signer, proof, seed) {
    const public_key = publicKeyOf(signer);
    return { vrf_proof: proof, public_key, key_of: signer, sampling_number: vrf.samplingNumber(proof), vrf_valid: vrf.verify(public_key, proof, seed) };
  }
}

module.exports = { Recorder, STAKE, CNX, h32, commitmentOf, DEFAULT_PARAMS };
