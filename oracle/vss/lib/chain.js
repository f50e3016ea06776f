// A VSS network on the in-process Hardhat EVM: deploys the contracts of
// crynux-contracts bd7ee24 as the repository's test set-up does (QOS,
// NetworkStats, Node, TaskQueue, VSSTask, then the address wiring; the
// migration script at that commit still names the removed CrynuxToken and
// Task contracts), executes trace steps (one transaction per block, block
// timestamp = BASE_TIME + step time, gas free) and observes events and state
// in the vocabulary of vss-trace/1 (docs/conformance-vss.md).
'use strict';
const path = require('path');
const { ethers } = require('ethers');
const vrf = require('./vrf');
const { hardhatProvider, EvmChain } = require('../../common/evm');

const ART = require(path.join(__dirname, '..', 'build', 'artifacts.json'));
const BASE_TIME = 1731100000; // 2024-11-08T21:06:40Z, the month VSSTask was deployed
const START_BLOCK = 100000;
const ZERO32 = '0x' + '00'.repeat(32);

// Enum names, in the order of the Solidity declarations in VSSTask.sol / Node.sol.
const NODE_STATUS = ['quit', 'available', 'busy', 'pending_pause', 'pending_quit', 'paused'];
const TASK_TYPES = ['sd', 'llm', 'sd_ft'];
const TASK_STATUS = [
  'queued', 'started', 'parameters_uploaded', 'error_reported', 'score_ready', 'validated',
  'group_validated', 'end_invalidated', 'end_success', 'end_aborted', 'end_group_refund', 'end_group_success',
];
const ABORT_REASONS = ['none', 'timeout', 'model_download_failed', 'incorrect_result', 'task_fee_too_low'];
const TASK_ERRORS = ['none', 'parameters_validation_failed'];

const iface = {};
for (const n of Object.keys(ART.contracts)) iface[n] = new ethers.Interface(ART.contracts[n].abi);

const keyFor = (name) => ethers.keccak256(ethers.toUtf8Bytes('avrami-vss/' + name));
// The 64-byte public key (x ‖ y) that Node.join and VSS.validateSamplingNumber take.
const publicKeyOf = (name) => '0x' + new ethers.SigningKey(keyFor(name)).publicKey.slice(4);

function enumIndex(list, v, what) {
  if (typeof v === 'number') return v;
  const i = list.indexOf(v);
  if (i < 0) throw new Error(`bad ${what}: ${JSON.stringify(v)}`);
  return i;
}

class Chain extends EvmChain {
  // accounts: array of [name, initialBalanceWei(string)] in trace order.
  // params: the trace's params; task_timeout_s, queue_size_limit,
  // kickout_threshold and distance_threshold differing from the deployed
  // defaults are set through the owner functions of the contracts.
  static async create({ accounts, params = {} }) {
    const c = new Chain();
    c.ethers = ethers;
    c.iface = iface;
    c.provider = hardhatProvider(path.join(__dirname, '..'));
    c.accountList = accounts.map(([n]) => n);
    c.addr = {};
    c.name = {};
    await c.rpc('hardhat_reset', []);
    await c.rpc('evm_setAutomine', [false]);
    // Start past block 100,000, as the chain in service was: VSSTask's nonce
    // check computes block.number - 100000, which underflows (Panic(0x11)
    // instead of "Nonce is used") on a younger chain.
    // Their timestamps are fixed here: left to Hardhat, the first would come
    // from the wall clock, and the block hashes (hence the sampling seeds)
    // would depend on when the trace is recorded.
    await c.rpc('evm_setNextBlockTimestamp', ['0x' + (BASE_TIME - 2 * START_BLOCK).toString(16)]);
    await c.rpc('hardhat_mine', ['0x' + START_BLOCK.toString(16), '0x1']);
    const add = async (name, balance) => {
      const a = ethers.computeAddress(keyFor(name));
      c.addr[name] = a;
      c.name[a.toLowerCase()] = name;
      await c.rpc('hardhat_impersonateAccount', [a]);
      await c.rpc('hardhat_setBalance', [a, '0x' + BigInt(balance).toString(16)]);
    };
    await add('@owner', 0);
    for (const [n, v] of accounts) {
      if (n.startsWith('@')) throw new Error('actor names may not start with @: ' + n);
      await add(n, v);
    }
    c.lastTime = BASE_TIME - 100;
    const owner = c.addr['@owner'];
    const deploy = async (name, args) => {
      const data = ethers.concat([ART.contracts[name].bytecode, iface[name].encodeDeploy(args)]);
      const r = await c.send({ from: owner, data }, c.lastTime);
      if (r.status !== '0x1') throw new Error('deploy failed: ' + name);
      return ethers.getAddress(r.contractAddress);
    };
    c.qos = await deploy('QOS', []);
    c.stats = await deploy('NetworkStats', []);
    c.node = await deploy('Node', [c.qos, c.stats]);
    c.queue = await deploy('TaskQueue', []);
    c.task = await deploy('VSSTask', [c.node, c.qos, c.queue, c.stats]);
    c.name[c.task.toLowerCase()] = '@task';
    c.name[c.node.toLowerCase()] = '@node';
    const setup = [
      [c.stats, 'NetworkStats', 'updateNodeContractAddress', [c.node]],
      [c.stats, 'NetworkStats', 'updateTaskContractAddress', [c.task]],
      [c.qos, 'QOS', 'updateNodeContractAddress', [c.node]],
      [c.qos, 'QOS', 'updateTaskContractAddress', [c.task]],
      [c.queue, 'TaskQueue', 'updateTaskContractAddress', [c.task]],
      [c.node, 'Node', 'updateTaskContractAddress', [c.task]],
    ];
    if (c.addr.relay) setup.push([c.task, 'VSSTask', 'setRelayAddress', [c.addr.relay]]);
    if (params.queue_size_limit !== undefined && params.queue_size_limit !== 50)
      setup.push([c.queue, 'TaskQueue', 'updateSizeLimit', [params.queue_size_limit]]);
    if (params.task_timeout_s !== undefined && params.task_timeout_s !== 180)
      setup.push([c.task, 'VSSTask', 'updateTimeout', [params.task_timeout_s]]);
    if (params.distance_threshold !== undefined && params.distance_threshold !== 24)
      setup.push([c.task, 'VSSTask', 'updateDistanceThreshold', [params.distance_threshold]]);
    if (params.kickout_threshold !== undefined && params.kickout_threshold !== 10)
      setup.push([c.qos, 'QOS', 'updateKickoutThreshold', [params.kickout_threshold]]);
    for (const [to, ci, fn, args] of setup) {
      const r = await c.send({ from: owner, to, data: iface[ci].encodeFunctionData(fn, args) }, c.lastTime);
      if (r.status !== '0x1') throw new Error('setup failed: ' + fn);
    }
    c.joined = new Set();
    c.taskIds = []; // commitments of stored tasks, in creation order
    return c;
  }

  // The sampling seed VSSTask.createTask will store for `commitment` if the
  // transaction goes into the next block: keccak256(blockhash(parent) ‖ commitment)
  // (libs/VSS.sol generateSamplingSeed).
  async nextSamplingSeed(commitment) {
    const b = await this.rpc('eth_getBlockByNumber', ['latest', false]);
    return ethers.keccak256(ethers.concat([b.hash, commitment]));
  }

  calldata(op, args, from) {
    const T = (fn, a) => [this.task, iface.VSSTask.encodeFunctionData(fn, a)];
    const N = (fn, a) => [this.node, iface.Node.encodeFunctionData(fn, a)];
    switch (op) {
      case 'join':
        return [...N('join', [args.gpu_name, BigInt(args.gpu_vram), args.version, args.public_key, args.model_ids]), BigInt(args.stake)];
      case 'quit':
      case 'pause':
      case 'resume':
        return [...N(op, []), 0n];
      case 'update_version':
        return [...N('updateVersion', [args.version]), 0n];
      case 'report_model_downloaded':
        return [...N('reportModelDownloaded', [args.model_id]), 0n];
      case 'create_task':
        return [
          ...T('createTask', [
            enumIndex(TASK_TYPES, args.task_type, 'task_type'), args.task_id, args.nonce, args.model_ids,
            BigInt(args.minimum_vram), args.required_gpu, BigInt(args.required_gpu_vram), args.task_version, BigInt(args.task_size),
          ]),
          BigInt(args.task_fee),
        ];
      case 'report_parameters_uploaded':
        return [...T('reportTaskParametersUploaded', [args.task_id]), 0n];
      case 'submit_score':
        return [...T('submitTaskScore', [args.task_id, args.score]), 0n];
      case 'report_error':
        return [...T('reportTaskError', [args.task_id, enumIndex(TASK_ERRORS, args.error, 'error')]), 0n];
      case 'validate_single':
        return [...T('validateSingleTask', [args.task_id, args.vrf_proof, args.public_key]), 0n];
      case 'validate_group':
        return [...T('validateTaskGroup', [...args.task_ids, args.guid, args.vrf_proof, args.public_key]), 0n];
      case 'report_result_uploaded':
        return [...T('reportTaskResultUploaded', [args.task_id]), 0n];
      case 'abort':
        return [...T('abortTask', [args.task_id, enumIndex(ABORT_REASONS, args.reason, 'reason')]), 0n];
      default:
        throw new Error('unknown op ' + op + (from ? ' from ' + from : ''));
    }
  }

  // Executes one step; returns {ok, revert, events}.
  async exec(time, op, from, args) {
    const ts = BASE_TIME + time;
    if (ts < this.lastTime) throw new Error('time goes backwards');
    if (!this.addr[from]) throw new Error('unknown actor ' + from);
    const [to, data, value] = this.calldata(op, args, from);
    const r = await this.send({ from: this.addr[from], to, data, value: '0x' + value.toString(16) }, ts);
    if (r.status === '0x1') {
      if (op === 'join') this.joined.add(from);
      if (op === 'create_task') this.taskIds.push(args.task_id.toLowerCase());
      const events = this.decodeEvents(r.logs);
      return { ok: true, revert: null, events };
    }
    return { ok: false, revert: await this.revertOf(r), events: [] };
  }

  decodeEvents(logs) {
    const out = [];
    for (const l of logs) {
      const a = ethers.getAddress(l.address);
      let ci;
      if (a === this.task) ci = 'VSSTask';
      else if (a === this.node) ci = 'Node';
      else continue;
      const ev = iface[ci].parseLog({ topics: l.topics, data: l.data });
      const x = ev.args;
      const e = { name: ev.name };
      switch (ev.name) {
        case 'TaskQueued':
        case 'TaskValidated':
        case 'TaskEndSuccess':
        case 'TaskEndInvalidated':
        case 'TaskEndGroupSuccess':
        case 'TaskEndGroupRefund':
          e.task_id = x.taskIDCommitment;
          break;
        case 'TaskStarted':
        case 'TaskParametersUploaded':
          e.task_id = x.taskIDCommitment;
          e.node = this.nm(x.selectedNode);
          break;
        case 'TaskErrorReported':
          e.task_id = x.taskIDCommitment;
          e.node = this.nm(x.selectedNode);
          e.error = TASK_ERRORS[Number(x.error)];
          break;
        case 'TaskScoreReady':
          e.task_id = x.taskIDCommitment;
          e.node = this.nm(x.selectedNode);
          e.score = x.taskScore.toLowerCase();
          break;
        case 'TaskEndAborted':
          e.task_id = x.taskIDCommitment;
          e.issuer = this.nm(x.abortIssuer);
          e.last_status = TASK_STATUS[Number(x.lastStatus)];
          e.reason = ABORT_REASONS[Number(x.abortReason)];
          break;
        case 'DownloadModel':
          e.node = this.nm(x.nodeAddress);
          e.model_id = x.modelID;
          e.task_type = TASK_TYPES[Number(x.taskType)];
          break;
        case 'NodeSlashed':
        case 'NodeKickedOut':
          e.node = this.nm(x.nodeAddress);
          break;
        default:
          throw new Error('unexpected event ' + ev.name);
      }
      out.push(e);
    }
    return out;
  }

  async balance(a) {
    return BigInt(await this.rpc('eth_getBalance', [a, 'latest'])).toString();
  }

  rel(ts) {
    return ts === 0n ? 0 : Number(ts) - BASE_TIME;
  }

  // The state after the last step, as vss-trace/1 writes it (EvmChain.observe):
  // the queue size and the counters in full; of the balances, the nodes
  // (every node that ever joined) and the tasks (every task the contract
  // stores) only the entries that differ from the previous step's.
  async observeFull() {
    const balances = await this.balances();
    const nodes = {};
    for (const n of this.accountList) {
      if (!this.joined.has(n)) continue;
      const a = this.addr[n];
      const info = await this.view(this.node, 'Node', 'getNodeInfo', [a]);
      const cur = await this.view(this.task, 'VSSTask', 'getNodeTask', [a]);
      nodes[n] = {
        status: NODE_STATUS[Number(info.status)],
        gpu_name: info.gpu.name,
        gpu_vram: Number(info.gpu.vram),
        version: info.version.map(Number),
        model_ids: [...info.localModelIDs],
        score: Number(info.score),
        stake: (await this.view(this.node, 'Node', 'getStakedAmount', [a])).toString(),
        qos: {
          task_count: Number(await this.view(this.qos, 'QOS', 'getTaskCount', [a])),
          task_score: Number(await this.view(this.qos, 'QOS', 'getTaskScore', [a])),
          recent_score: Number(await this.view(this.qos, 'QOS', 'getRecentTaskScore', [a])),
          recent_count: Number(await this.view(this.qos, 'QOS', 'getRecentTaskCount', [a])),
          current_score: Number(await this.view(this.qos, 'QOS', 'getCurrentTaskScore', [a])),
        },
        current_task: cur === ZERO32 ? null : cur,
      };
    }
    // The queue is not written out: its tasks are those whose status is
    // queued. Checked here at every step against TaskQueue.include and size.
    const tasks = {};
    let queued = 0;
    for (const id of this.taskIds) {
      const t = await this.view(this.task, 'VSSTask', 'getTask', [id]);
      const inQueue = await this.view(this.queue, 'TaskQueue', 'include', [id]);
      if (inQueue !== (TASK_STATUS[Number(t.status)] === 'queued')) throw new Error(`task ${id}: status ${TASK_STATUS[Number(t.status)]} but TaskQueue.include is ${inQueue}`);
      if (inQueue) queued++;
      tasks[id] = {
        type: TASK_TYPES[Number(t.taskType)],
        creator: this.nm(t.creator),
        sequence: Number(t.sequence),
        status: TASK_STATUS[Number(t.status)],
        node: t.selectedNode === ethers.ZeroAddress ? null : this.nm(t.selectedNode),
        fee: t.taskFee.toString(),
        sampling_seed: t.samplingSeed,
        score: t.score.toLowerCase(),
        error: TASK_ERRORS[Number(t.error)],
        abort_reason: ABORT_REASONS[Number(t.abortReason)],
        payments: [...t.paymentAddresses].map((p, i) => [this.nm(p), t.payments[i].toString()]),
        create_time: this.rel(t.createTimestamp),
        start_time: this.rel(t.startTimestamp),
        score_ready_time: this.rel(t.scoreReadyTimestamp),
      };
    }
    const stats = {};
    for (const [k, fn] of [
      ['total_nodes', 'totalNodes'], ['active_nodes', 'activeNodes'], ['available_nodes', 'availableNodes'],
      ['busy_nodes', 'busyNodes'], ['total_tasks', 'totalTasks'], ['queued_tasks', 'queuedTasks'], ['running_tasks', 'runningTasks'],
    ])
      stats[k] = Number(await this.view(this.stats, 'NetworkStats', fn));
    const queue_size = Number(await this.view(this.queue, 'TaskQueue', 'size'));
    if (queue_size !== queued) throw new Error(`TaskQueue.size is ${queue_size} but ${queued} tasks are queued`);
    return { balances, nodes, queue_size, tasks, stats };
  }
}

module.exports = { Chain, BASE_TIME, keyFor, publicKeyOf, vrf, TASK_STATUS, ABORT_REASONS };
