/* libFuzzer target: a Hugging Face tokenizer.json (sim/tokenizer/), as
 * `avrami tokens --tokenizer FILE` and models/tokenizers/ give it.  A damaged
 * or hostile file must be refused at load time with its JSON path; a file
 * that loads must encode any text without crashing, and every id it returns
 * must lie inside the vocabulary it declared. */
#include "fuzz_util.h"
#include "tokenizer/hf_tok.h"

static const char *const TEXTS[] = {
    "Hello, world! 12345 3.14",
    "  leading and trailing spaces  \n\ttabs",
    "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80",
    "<s>[INST] special? [/INST]</s><|endoftext|>",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "json");
    char err[512];
    hf_tok *t = hf_tok_load(path, err, sizeof err);
    if (!t)
        return 0;
    int vocab = hf_tok_vocab(t);
    for (size_t i = 0; i < sizeof TEXTS / sizeof TEXTS[0]; i++) {
        int *ids = NULL;
        int n = hf_tok_encode(t, TEXTS[i], strlen(TEXTS[i]), &ids, err, sizeof err);
        for (int k = 0; k < n; k++)
            if (ids[k] < 0 || ids[k] >= vocab)
                abort();
        free(ids);
    }
    hf_tok_free(t);
    return 0;
}
