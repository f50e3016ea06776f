// Checks models/tokenizers/falcon/tokenizer.json against the ids the Hugging
// Face library gave for the real tiiuae/falcon-7b: llama.cpp's test strings
// (models/ggml-vocab-falcon.gguf.inp, copied to tests/tokenizers/falcon-7b.inp)
// and their ids (….gguf.out, tests/tokenizers/falcon-7b.out), which
// ggml-org/llama.cpp's convert_hf_to_gguf_update.py wrote with
// AutoTokenizer.from_pretrained("tiiuae/falcon-7b").  Encoded here by the
// same library (npm "tokenizers", its Rust implementation) from the file.
//
//   npm install --prefix DIR tokenizers@0.23.2
//   NODE_PATH=DIR/node_modules node models/tokenizers/falcon/check-falcon.js \
//       models/tokenizers/falcon/tokenizer.json tests/tokenizers/falcon-7b.inp \
//       tests/tokenizers/falcon-7b.out
const fs = require('fs');
const { Tokenizer } = require('tokenizers');

const [file, inp, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node check-falcon.js tokenizer.json GGUF.inp GGUF.out');
  process.exit(2);
}
const texts = fs.readFileSync(inp, 'utf8').split('\n__ggml_vocab_test__\n');
const want = fs.readFileSync(out, 'utf8').split('\n');
// each string is written followed by "\n__ggml_vocab_test__\n"
if (texts.pop() !== '') {
  console.error(`${inp}: expected the last string to end with __ggml_vocab_test__`);
  process.exit(2);
}
(async () => {
  const tok = Tokenizer.fromFile(file);
  let bad = 0;
  for (let i = 0; i < texts.length; i++) {
    const ids = Array.from((await tok.encode(texts[i], null, { addSpecialTokens: false })).getIds());
    const exp = (want[i] || '').trim().split(/\s+/).filter((s) => s.length).map(Number);
    if (ids.join(' ') !== exp.join(' ')) {
      bad++;
      console.log(`string ${i} ${JSON.stringify(texts[i])}: got ${ids.join(' ')}, expected ${exp.join(' ')}`);
    }
  }
  console.log(`${texts.length - bad} of ${texts.length} strings give the recorded ids`);
  process.exit(bad ? 1 : 0);
})();
