// The network lib/chain.js runs the VSS contracts on (../common/hardhat.js):
// CNX is the chain's native currency at bd7ee24, and free gas keeps the
// balances moving only by what the contracts transfer.
module.exports = require('../common/hardhat')('2024-11-01T00:00:00Z');
