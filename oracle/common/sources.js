// Copies an edition's contracts out of a local clone of
// crynux-ai/crynux-contracts at a pinned commit into the edition's folder
// (git-ignored: the contracts are not part of this repository), and checks
// that each file is byte for byte the one at that commit (its SHA-256).
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');

// files: { 'path at the commit': ['path under dir', sha256 or null], ... }
function copySources(dir, commit, files) {
  const repo = process.argv[2];
  if (!repo) {
    console.error('usage: node sources.js PATH-TO-crynux-contracts-CLONE');
    process.exit(2);
  }
  for (const [from, [to, sha]] of Object.entries(files)) {
    const text = execFileSync('git', ['-C', repo, 'show', `${commit}:${from}`]);
    const got = crypto.createHash('sha256').update(text).digest('hex');
    if (sha && got !== sha) {
      console.error(`${from} at ${commit}: SHA-256 ${got}, expected ${sha}`);
      process.exit(1);
    }
    fs.mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    fs.writeFileSync(path.join(dir, to), text);
  }
  console.log(`${Object.keys(files).length} files from crynux-contracts ${commit.slice(0, 7)}`);
}

module.exports = { copySources };
