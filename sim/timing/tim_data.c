/* tim_data: cards.json, sd.json and host.json.  Every number in cards.json
 * carries its source; an efficiency the file does not give is taken from the
 * host calibration and the card is marked so. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timing/tim.h"

#define DEFAULT_EFF_BW 0.6       /* used only when host.json is absent too */
#define DEFAULT_EFF_COMPUTE 0.4

static cJSON *parse_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the file", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    size_t got = s ? fread(s, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!s || got != (size_t)n) {
        free(s);
        snprintf(err, errlen, "%s: cannot read the file", path);
        return NULL;
    }
    s[n] = 0;
    cJSON *j = cJSON_Parse(s);
    free(s);
    if (!j)
        snprintf(err, errlen, "%s: not valid JSON", path);
    return j;
}

static int num(cJSON *o, const char *k, double *out, const char *path, const char *arr, int i,
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

static int name_matches(cJSON *o, const char *name)
{
    cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name"), *a;
    if (cJSON_IsString(n) && !strcasecmp(n->valuestring, name))
        return 1;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(o, "aliases"))
        if (cJSON_IsString(a) && !strcasecmp(a->valuestring, name))
            return 1;
    return 0;
}

/* host.json next to cards.json supplies default efficiencies */
static void host_defaults(const char *cards_path, double *bw, double *cp)
{
    char p[1024], err[256];
    const char *slash = strrchr(cards_path, '/');
    int dl = slash ? (int)(slash - cards_path) : 1;
    snprintf(p, sizeof p, "%.*s/calibration/host.json", dl, slash ? cards_path : ".");
    *bw = DEFAULT_EFF_BW;
    *cp = DEFAULT_EFF_COMPUTE;
    cJSON *j = parse_file(p, err, sizeof err);
    if (!j)
        return;
    cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "efficiency");
    cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "bandwidth"),
          *c = cJSON_GetObjectItemCaseSensitive(e, "compute");
    if (cJSON_IsNumber(b) && b->valuedouble > 0)
        *bw = b->valuedouble;
    if (cJSON_IsNumber(c) && c->valuedouble > 0)
        *cp = c->valuedouble;
    cJSON_Delete(j);
}

int tim_card_load(const char *path, const char *name, tim_card *c, char *err, size_t errlen)
{
    cJSON *j = parse_file(path, err, errlen), *o;
    if (!j)
        return 2;
    cJSON *cards = cJSON_GetObjectItemCaseSensitive(j, "cards");
    int rc = 1, i = 0;
    if (!cJSON_IsArray(cards)) {
        snprintf(err, errlen, "%s: .cards: expected an array of cards", path);
        cJSON_Delete(j);
        return 2;
    }
    snprintf(err, errlen, "%s: no card named '%s'", path, name);
    cJSON_ArrayForEach(o, cards) {
        if (!name_matches(o, name)) {
            i++;
            continue;
        }
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s",
                 cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring);
        if (num(o, "mem_gb", &c->mem_gb, path, "cards", i, err, errlen) ||
            num(o, "bw_gbs", &c->bw_gbs, path, "cards", i, err, errlen) ||
            num(o, "fp16_tflops", &c->fp16_tflops, path, "cards", i, err, errlen) ||
            num(o, "fp32_tflops", &c->fp32_tflops, path, "cards", i, err, errlen)) {
            rc = 2;
            break;
        }
        cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "efficiency");
        cJSON *eb = cJSON_GetObjectItemCaseSensitive(e, "bandwidth"),
              *ec = cJSON_GetObjectItemCaseSensitive(e, "compute");
        double hb, hc;
        host_defaults(path, &hb, &hc);
        c->eff_bw = cJSON_IsNumber(eb) && eb->valuedouble > 0 ? eb->valuedouble : hb;
        c->eff_compute = cJSON_IsNumber(ec) && ec->valuedouble > 0 ? ec->valuedouble : hc;
        c->eff_from_host = !cJSON_IsNumber(eb) || !cJSON_IsNumber(ec);
        rc = 0;
        break;
    }
    cJSON_Delete(j);
    return rc;
}

int tim_card_list(const char *path, char *buf, size_t len)
{
    char err[256];
    cJSON *j = parse_file(path, err, sizeof err), *o;
    if (!j)
        return -1;
    buf[0] = 0;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(j, "cards")) {
        cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (cJSON_IsString(n) && strlen(buf) + strlen(n->valuestring) + 3 < len) {
            if (buf[0])
                strcat(buf, ", ");
            strcat(buf, n->valuestring);
        }
    }
    cJSON_Delete(j);
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
    cJSON *j = parse_file(sd_path, err, errlen), *o;
    if (!j)
        return 2;
    int i = 0;
    rc = 1;
    snprintf(err, errlen, "no model named '%s' in %s or %s", name, llms_path, sd_path);
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(j, "models")) {
        if (!name_matches(o, name)) {
            i++;
            continue;
        }
        double native = 512;
        m->kind = TIM_SD;
        snprintf(m->name, sizeof m->name, "%s",
                 cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring);
        if (num(o, "params", &m->sd_params, sd_path, "models", i, err, errlen) ||
            num(o, "unet_gflops_512", &m->unet_gflops_512, sd_path, "models", i, err, errlen) ||
            num(o, "vae_gflops_512", &m->vae_gflops_512, sd_path, "models", i, err, errlen) ||
            num(o, "act_gb_512", &m->sd_act_gb_512, sd_path, "models", i, err, errlen) ||
            num(o, "native", &native, sd_path, "models", i, err, errlen)) {
            rc = 2;
            break;
        }
        m->sd_native = (int)native;
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
    cJSON *j = parse_file(path, err, errlen), *o;
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
        if (!cJSON_IsNumber(t) || (int)t->valuedouble != threads || !cJSON_IsString(ty) ||
            kern_type_parse(ty->valuestring, &kt))
            continue;
        double F, B, c;
        if (num(o, "F_flops", &F, path, "fits", 0, err, errlen) ||
            num(o, "B_bytes", &B, path, "fits", 0, err, errlen)) {
            cJSON_Delete(j);
            return 2;
        }
        cJSON *cv = cJSON_GetObjectItemCaseSensitive(o, "c_s");
        c = cJSON_IsNumber(cv) ? cv->valuedouble : 0;
        h->roof[kt] = (tim_roof){F, B, c};
        found = 1;
    }
    cJSON *se = cJSON_GetObjectItemCaseSensitive(j, "serial_ns_per_element");
    cJSON *sq = cJSON_GetObjectItemCaseSensitive(se, "quantize"),
          *sa = cJSON_GetObjectItemCaseSensitive(se, "activation");
    h->quant_s = cJSON_IsNumber(sq) ? sq->valuedouble * 1e-9 : 0;
    h->act_s = cJSON_IsNumber(sa) ? sa->valuedouble * 1e-9 : 0;
    cJSON *rb = cJSON_GetObjectItemCaseSensitive(j, "read_gbs");
    cJSON *rbt = cJSON_GetArrayItem(rb, threads - 1);
    h->read_gbs = cJSON_IsNumber(rbt) ? rbt->valuedouble : 0;
    cJSON_Delete(j);
    if (!found) {
        snprintf(err, errlen, "%s: .fits: no fitted roofs for %d thread(s)", path, threads);
        return 2;
    }
    return 0;
}
