#!/usr/bin/env node
// Copies the VSS contracts out of a local clone of crynux-ai/crynux-contracts
// at commit bd7ee24 into contracts/ (git-ignored: the contracts are not part
// of this repository), and checks that each file is byte for byte the one at
// that commit (its SHA-256).
//
//   git clone https://github.com/crynux-ai/crynux-contracts /tmp/crynux-contracts
//   node sources.js /tmp/crynux-contracts
'use strict';
const { copySources } = require('../common/sources');

const COMMIT = 'bd7ee24d21d8e91bde139f68ffecff5ddfbfd872';
// SHA-256 of each file at COMMIT.
copySources(__dirname, COMMIT, {
  'LICENSE': ['contracts/LICENSE', 'c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4'],
  'contracts/NetworkStats.sol': ['contracts/NetworkStats.sol', 'a0a06a810b6744ac9fba5afb7c76ae02b0a2b2574cff0fc14ff46b690fe937cb'],
  'contracts/Node.sol': ['contracts/Node.sol', '6ef98bd0e1bd9173e0c2c148aa969c29497a69501e242a989b9a9f37928dc34a'],
  'contracts/QOS.sol': ['contracts/QOS.sol', '72b14625dc864b697c1eaf78e93ec4d675392f3c09cc4c619fcf3ee7d6cc1ba1'],
  'contracts/Random.sol': ['contracts/Random.sol', '78535139e7727328eba127c5ef9ac32b315513ada0467d2e7517679e384500cd'],
  'contracts/TaskQueue.sol': ['contracts/TaskQueue.sol', '38c3808a2acaf2445d86cdff6f5ca5d5ecd99789c04ff8d58ecc6c07704d5f6f'],
  'contracts/VSSTask.sol': ['contracts/VSSTask.sol', '0bf4ae047546ffc6fffd75bb131f8e3d65fb0d2a694fc7dc4d2ce7c2de92d666'],
  'contracts/libs/EllipticCurve.sol': ['contracts/libs/EllipticCurve.sol', 'a63c7c520f27ef523cd61b760bd374a6010af299ec4aa4ca5c75e19764f944b3'],
  'contracts/libs/Hamming.sol': ['contracts/libs/Hamming.sol', '786154f8bc7adbfce43f6ad79c03587068bdc360242cac453cf526199e8eed4d'],
  'contracts/libs/Heap.sol': ['contracts/libs/Heap.sol', '5d0a2e6138afb33331e1880774969e9cfeca5fc5f655c7648a53ffeb8e6bd69e'],
  'contracts/libs/TaskArray.sol': ['contracts/libs/TaskArray.sol', '52e6ade07a8a5580a6bc546ee2a7e27af5afc3df42c215f18e006fa2ebc45cbe'],
  'contracts/libs/VRF.sol': ['contracts/libs/VRF.sol', '5ad61e87b6dbf07eb2dee9f2128acfe5b3f90f7fe4956fca0ebeb69699fd7b6d'],
  'contracts/libs/VSS.sol': ['contracts/libs/VSS.sol', 'f3148c16c8d05d13fb3680a4e01d2b9512b292ab816a08c99231a7f22986e66a'],
  'contracts/libs/Version.sol': ['contracts/libs/Version.sol', 'eb60e104141749faf12f8baaa1bbd1502391113a645a7d6a5e1eff0faf8c7b7e'],
});
