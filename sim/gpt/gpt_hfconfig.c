/* gpt_hfconfig: an llms.json entry written from a Hugging Face config.json.
 *
 * config.json names the same quantities differently per architecture
 * (n_layer / num_hidden_layers / num_layers, n_embd / hidden_size, ...);
 * the first name present wins.  What avrami's kernels cannot represent is
 * recorded and flagged: a head width other than hidden / heads, experts. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gpt/gpt_hfconfig.h"
#include "util/rfile.h"

/* the first of the keys present as a number; 0 when none */
static double num(const cJSON *c, const char *const *keys)
{
    for (; *keys; keys++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, *keys);
        if (cJSON_IsNumber(v))
            return v->valuedouble;
    }
    return 0;
}

static const char *str(const cJSON *c, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

#define K(...) ((const char *const[]){__VA_ARGS__, NULL})

cJSON *gpt_hfconfig_entry(const char *path, const char *id, const char *name, char *err,
                          size_t errlen)
{
    cJSON *c = rfile_json(path, err, errlen);
    if (!c)
        return NULL;
    const char *type = str(c, "model_type");
    int gpt2 = !strcmp(type, "gpt2"), phi = !strcmp(type, "phi"),
        falcon = !strcmp(type, "falcon") || !strcmp(type, "RefinedWebModel");
    double L = num(c, K("num_hidden_layers", "n_layer", "num_layers")),
           h = num(c, K("hidden_size", "n_embd", "d_model")),
           H = num(c, K("num_attention_heads", "n_head")),
           kv = num(c, K("num_key_value_heads", "multi_query_group_num", "num_kv_heads")),
           f = num(c, K("intermediate_size", "n_inner", "ffn_hidden_size")),
           v = num(c, K("padded_vocab_size", "vocab_size")),
           ctx = num(c, K("max_position_embeddings", "n_positions", "seq_length")),
           eps = num(c, K("rms_norm_eps", "layer_norm_epsilon", "layer_norm_eps", "layernorm_epsilon")),
           theta = num(c, K("rope_theta", "rotary_emb_base")),
           hd = num(c, K("head_dim")), experts = num(c, K("num_local_experts", "num_experts"));
    if (!(L > 0 && h > 0 && H > 0 && v > 0)) {
        snprintf(err, errlen, "%s: expected the layer count, hidden size, attention heads and "
                              "vocabulary size of a text-generation model", path);
        cJSON_Delete(c);
        return NULL;
    }
    if (!(theta > 0)) /* transformers 5 */
        theta = num(cJSON_GetObjectItemCaseSensitive(c, "rope_parameters"), K("rope_theta"));
    if (!(kv > 0))
        kv = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "multi_query")) ? 1 : H;
    if (!(f > 0))
        f = 4 * h; /* gpt2's n_inner null, falcon's 4 x hidden */
    if (!(ctx > 0))
        ctx = falcon ? 2048 : 0;
    const char *arch = gpt2 ? "gpt2" : phi || falcon ? "phi" : "llama";
    const char *slash = strrchr(id, '/');
    cJSON *e = cJSON_CreateObject(), *ids = cJSON_AddArrayToObject(e, "ids");
    cJSON_AddStringToObject(e, "name", name ? name : slash ? slash + 1 : id);
    cJSON_AddItemToArray(ids, cJSON_CreateString(id));
    /* transformers 5 writes "dtype" (and the rotary base inside
     * "rope_parameters") where earlier releases wrote "torch_dtype" */
    const char *dt = *str(c, "torch_dtype") ? str(c, "torch_dtype") : str(c, "dtype");
    cJSON_AddStringToObject(e, "dtype", *dt ? dt : "float32");
    cJSON_AddStringToObject(e, "family", *type ? type : arch);
    cJSON_AddStringToObject(e, "arch", arch);
    cJSON_AddNumberToObject(e, "layers", L);
    cJSON_AddNumberToObject(e, "hidden", h);
    cJSON_AddNumberToObject(e, "heads", H);
    cJSON_AddNumberToObject(e, "kv_heads", kv);
    cJSON_AddNumberToObject(e, "ffn", f);
    cJSON_AddNumberToObject(e, "vocab", v);
    cJSON_AddNumberToObject(e, "context", ctx);
    cJSON_AddNumberToObject(e, "norm_eps", eps > 0 ? eps : 1e-5);
    if (theta > 0)
        cJSON_AddNumberToObject(e, "rope_theta", theta);
    double prf = num(c, K("partial_rotary_factor"));
    if (prf > 0 && prf < 1)
        cJSON_AddNumberToObject(e, "rotary_fraction", prf);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "attention_bias")) ||
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "add_qkv_bias")) ||
        !strcmp(type, "qwen2"))
        cJSON_AddTrueToObject(e, "qkv_bias");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "tie_word_embeddings")) || gpt2)
        cJSON_AddTrueToObject(e, "tied_embeddings");
    char why[256] = "";
    if (hd > 0 && fabs(hd * H - h) > 0.5) {
        cJSON_AddNumberToObject(e, "head_dim", hd);
        snprintf(why, sizeof why, "head_dim %.0f x %.0f heads differs from hidden %.0f", hd, H, h);
    } else if (experts > 1) {
        cJSON_AddNumberToObject(e, "experts", experts);
        snprintf(why, sizeof why, "mixture of experts (%.0f experts)", experts);
        cJSON_AddFalseToObject(e, "priced");
    } else if ((long)h % 32 || (long)f % 32 || (long)h % (long)H || (long)H % (long)kv) {
        snprintf(why, sizeof why, "hidden and ffn must be multiples of 32, hidden of heads, "
                                  "heads of kv_heads");
        cJSON_AddFalseToObject(e, "priced");
    }
    if (why[0]) {
        cJSON_AddFalseToObject(e, "runnable");
        cJSON_AddStringToObject(e, "why", why);
    }
    char src[512];
    snprintf(src, sizeof src, "https://huggingface.co/%s/blob/main/config.json (model_type %s)",
             id, *type ? type : "?");
    cJSON_AddStringToObject(e, "source", src);
    cJSON_Delete(c);
    return e;
}
