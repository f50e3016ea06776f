/* tim_data: sd.json and host.json, and the JSON helpers shared with
 * tim_cards.c (cards.json). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timing/tim.h"
#include "timing/tim_json.h"
#include "util/rfile.h"

int tim_json_num(cJSON *o, const char *k, double *out, const char *path, const char *arr, int i,
                 char *err, size_t errlen)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || !isfinite(v->valuedouble)) {
        snprintf(err, errlen, "%s: .%s[%d].%s: expected a positive number", path, arr, i, k);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

cJSON *tim_json_set_exact(cJSON *o, const char *k, double v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", v);
    cJSON *item = isfinite(v) ? cJSON_CreateRaw(buf) : cJSON_CreateNull();
    if (!item)
        return NULL;
    if (cJSON_GetObjectItemCaseSensitive(o, k) ? !cJSON_ReplaceItemInObjectCaseSensitive(o, k, item)
                                               : !cJSON_AddItemToObject(o, k, item)) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

int tim_json_name_matches(cJSON *o, const char *name)
{
    cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name"), *a;
    if (cJSON_IsString(n) && !strcasecmp(n->valuestring, name))
        return 1;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(o, "aliases"))
        if (cJSON_IsString(a) && !strcasecmp(a->valuestring, name))
            return 1;
    return 0;
}

/* sd.json .models[i].unet: the UNet's config (tim_unet) */
static int unet_load(cJSON *o, tim_unet *u, const char *path, int i, char *err, size_t errlen)
{
    cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "unet");
    cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "block_out_channels"),
          *ly = cJSON_GetObjectItemCaseSensitive(j, "transformer_layers"),
          *hd = cJSON_GetObjectItemCaseSensitive(j, "attention_heads");
    int n = cJSON_GetArraySize(ch);
    double mid = 0;
    if (!cJSON_IsObject(j) || !cJSON_IsArray(ch) || !cJSON_IsArray(ly) || n < 1 ||
        n > TIM_UNET_MAX_LEVELS || cJSON_GetArraySize(ly) != n || !cJSON_IsArray(hd) ||
        cJSON_GetArraySize(hd) != n) {
        snprintf(err, errlen, "%s: .models[%d].unet: expected an object with block_out_channels, "
                 "transformer_layers and attention_heads, arrays of 1 to %d numbers of equal "
                 "length", path, i,
                 TIM_UNET_MAX_LEVELS);
        return -1;
    }
    u->levels = n;
    for (int k = 0; k < n; k++) {
        cJSON *c = cJSON_GetArrayItem(ch, k), *l = cJSON_GetArrayItem(ly, k),
              *h = cJSON_GetArrayItem(hd, k);
        if (!cJSON_IsNumber(c) || !(c->valuedouble >= 1 && c->valuedouble <= 65536) ||
            !cJSON_IsNumber(l) || !(l->valuedouble >= 0 && l->valuedouble <= 1000) ||
            !cJSON_IsNumber(h) || !(h->valuedouble >= 1 && h->valuedouble <= c->valuedouble)) {
            snprintf(err, errlen, "%s: .models[%d].unet: level %d: expected channels in 1..65536, "
                     "transformer layers in 0..1000 and attention heads in 1..channels", path,
                     i, k);
            return -1;
        }
        u->ch[k] = c->valuedouble;
        u->layers[k] = (int)l->valuedouble;
        u->heads[k] = (int)h->valuedouble;
    }
    if (tim_json_num(j, "mid_transformer_layers", &mid, path, "models", i, err, errlen) ||
        tim_json_num(j, "cross_attention_dim", &u->cross_dim, path, "models", i, err, errlen))
        return -1;
    u->mid_layers = mid > 1000 ? 1000 : (int)mid;
    return 0;
}

int tim_model_load(const char *llms_path, const char *sd_path, const char *name, tim_model *m,
                   char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    int rc = kern_model_cfg_load(llms_path, name, &m->llm, err, errlen);
    if (rc != 1) {
        if (!rc) {
            m->kind = TIM_GPT;
            snprintf(m->name, sizeof m->name, "%s", m->llm.name);
        }
        return rc;
    }
    cJSON *j = rfile_json(sd_path, err, errlen), *o;
    if (!j)
        return 2;
    int i = 0;
    rc = 1;
    snprintf(err, errlen, "no model named '%s' in %s or %s", name, llms_path, sd_path);
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(j, "models")) {
        if (!tim_json_name_matches(o, name)) {
            i++;
            continue;
        }
        double native = 512;
        m->kind = TIM_SD;
        snprintf(m->name, sizeof m->name, "%s",
                 cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring);
        if (tim_json_num(o, "params", &m->sd_params, sd_path, "models", i, err, errlen) ||
            tim_json_num(o, "unet_gflops_512", &m->unet_gflops_512, sd_path, "models", i, err, errlen) ||
            tim_json_num(o, "vae_gflops_512", &m->vae_gflops_512, sd_path, "models", i, err, errlen) ||
            tim_json_num(o, "act_gb_512", &m->sd_act_gb_512, sd_path, "models", i, err, errlen) ||
            tim_json_num(o, "native", &native, sd_path, "models", i, err, errlen) ||
            unet_load(o, &m->unet, sd_path, i, err, errlen)) {
            rc = 2;
            break;
        }
        m->sd_native = (int)native;
        cJSON *up = cJSON_GetObjectItemCaseSensitive(o, "vae_upcast");
        if (up && !cJSON_IsBool(up)) {
            snprintf(err, errlen, "%s: .models[%d].vae_upcast: expected true or false", sd_path, i);
            rc = 2;
            break;
        }
        m->sd_vae_fp32 = cJSON_IsTrue(up);
        rc = 0;
        break;
    }
    cJSON_Delete(j);
    return rc;
}

int tim_host_load(const char *path, int threads, tim_host *h, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    h->threads = threads;
    cJSON *j = rfile_json(path, err, errlen), *o;
    if (!j)
        return 2;
    cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "efficiency");
    cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "bandwidth");
    h->host_eff_bw = cJSON_IsNumber(b) ? b->valuedouble : 0;
    int found = 0;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(j, "fits")) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "threads"),
              *ty = cJSON_GetObjectItemCaseSensitive(o, "type");
        kern_type kt;
        if (!cJSON_IsNumber(t) || t->valuedouble != (double)threads || !cJSON_IsString(ty) ||
            kern_type_parse(ty->valuestring, &kt))
            continue;
        double F, B, c;
        if (tim_json_num(o, "F_flops", &F, path, "fits", 0, err, errlen) ||
            tim_json_num(o, "B_bytes", &B, path, "fits", 0, err, errlen)) {
            cJSON_Delete(j);
            return 2;
        }
        cJSON *cv = cJSON_GetObjectItemCaseSensitive(o, "c_s"),
              *rv = cJSON_GetObjectItemCaseSensitive(o, "r_s"); /* absent before the row term */
        c = cJSON_IsNumber(cv) ? cv->valuedouble : 0;
        h->roof[kt] = (tim_roof){F, B, c, cJSON_IsNumber(rv) ? rv->valuedouble : 0};
        found = 1;
    }
    cJSON *se = cJSON_GetObjectItemCaseSensitive(j, "serial_ns_per_element");
    cJSON *sq = cJSON_GetObjectItemCaseSensitive(se, "quantize"),
          *sa = cJSON_GetObjectItemCaseSensitive(se, "activation"),
          *sn = cJSON_GetObjectItemCaseSensitive(se, "row_pass"),
          *sg = cJSON_GetObjectItemCaseSensitive(se, "gelu"); /* absent before it was measured */
    h->quant_s = cJSON_IsNumber(sq) ? sq->valuedouble * 1e-9 : 0;
    h->act_s = cJSON_IsNumber(sa) ? sa->valuedouble * 1e-9 : 0;
    h->elem_s = cJSON_IsNumber(sn) ? sn->valuedouble * 1e-9 : 0;
    h->gelu_s = cJSON_IsNumber(sg) ? sg->valuedouble * 1e-9 : h->act_s;
    cJSON *rb = cJSON_GetObjectItemCaseSensitive(j, "read_gbs");
    cJSON *rbt = cJSON_GetArrayItem(rb, threads - 1);
    h->read_gbs = cJSON_IsNumber(rbt) ? rbt->valuedouble : 0;
    /* absent before it was measured: no cost */
    cJSON *pc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "parallel_call_us"), threads - 1);
    h->call_s = cJSON_IsNumber(pc) && pc->valuedouble > 0 ? pc->valuedouble * 1e-6 : 0;
    h->quick = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "quick"));
    cJSON_Delete(j);
    if (!found) {
        snprintf(err, errlen, "%s: .fits: no fitted roofs for %d thread(s)", path, threads);
        return 2;
    }
    return 0;
}
