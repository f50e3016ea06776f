// Configuration of the in-process Hardhat network (EDR) that lib/chain.js
// runs the contracts on. Nothing is compiled by Hardhat (compile.js uses
// solc-js directly); only the network settings matter. Gas is free (base fee
// 0, transactions priced at 0) so that account balances move only by the
// CNX the contracts transfer, as the trace format requires.
module.exports = {
  defaultNetwork: 'hardhat',
  networks: {
    hardhat: {
      hardfork: 'cancun',
      chainId: 1337,
      blockGasLimit: 1000000000,
      gas: 60000000,
      initialBaseFeePerGas: 0,
      allowBlocksWithSameTimestamp: true,
      allowUnlimitedContractSize: false,
      throwOnTransactionFailures: false,
      throwOnCallFailures: true,
      loggingEnabled: false,
      initialDate: '2024-11-01T00:00:00Z',
      mining: { auto: false, interval: 0 },
      accounts: { count: 1 },
    },
  },
};
