/* The profiles' tables (see profile.h; sources in docs/profiles.md). */
#include "agents/profile.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CNX(whole, tenths) ((wei_t)(whole) * 1000000000000000000u + (wei_t)(tenths) * 100000000000000000u)

static const agt_app_profile APP[] = {
    {.name = "generic", .about = "avrami's own application (fee, cap and VRAM from the scenario)",
     .generic = true, .resubmit = true, .cancel = true},
    /* crynux-bridge @ 615f129 (2024-03-23); fee and cap from 7a23593 (2024-03-13) */
    {.name = "bridge-2024-03", .about = "crynux-bridge 615f129 (2024-03-23): 30 CNX a task, cap = images",
     .fee_wei = CNX(30, 0), .bridge_cap_vram = true, .args_upload_s = 1},
    /* crynux-bridge @ 14f04fa (2024-04-08): d439ea5 adds the rate limit */
    {.name = "bridge-2024-04", .about = "crynux-bridge 14f04fa (2024-04-08): as 2024-03, one create a minute per client",
     .fee_wei = CNX(30, 0), .bridge_cap_vram = true, .rate_interval_s = 60, .rate_burst = 1,
     .args_upload_s = 1},
    /* crynux-bridge @ aa08dee (2024-05-11) */
    {.name = "bridge-2024-05", .about = "crynux-bridge aa08dee (2024-05-11): 11 CNX a task",
     .fee_wei = CNX(11, 0), .bridge_cap_vram = true, .rate_interval_s = 60, .rate_burst = 1,
     .args_upload_s = 1},
    /* crynux-bridge @ 2325a7b (2024-06-13): fee per cap since b4cedc3, the
     * unconfirmed-create abort since d8d3ecc (compared with 120 ns until
     * 62d1535, 2024-06-17: the first poll, at most 1 s after sending) */
    {.name = "bridge-2024-06", .about = "crynux-bridge 2325a7b (2024-06-13): 6.1 CNX per image, gives up unconfirmed creates",
     .fee_wei = CNX(6, 1), .fee_per_cap = true, .bridge_cap_vram = true, .rate_interval_s = 60,
     .rate_burst = 1, .create_confirm_s = 1, .args_upload_s = 1},
};

static const agt_front_end FRONT[] = {
    {.name = "none", .about = "no front end: the application takes every result"},
    /* crynux-ai/chat-web @ 9311389 (2024-01-26): src/crynux_chat/api.py, main.py, config.yml.example */
    {.name = "chat-web-2024-01", .about = "chat-web 9311389 (2024-01-26): gives up after 600 s, max_new_tokens 2048",
     .give_up_s = 600, .gpt_max_new_tokens = 2048, .client_per_task = true},
};

/* crynux-node @ 0d48999 (2024-03-29): config/config.yml.shell_example */
static const char *const NODE_2024_03_MODELS[] = {"stable-diffusion-v1-5", "chilloutmix",
                                                  "stable-diffusion-xl-base-1.0", NULL};

static const agt_node_profile NODE[] = {
    {.name = "generic", .about = "avrami's own node (LRU model cache, model kept in VRAM)",
     .model_cache = 2, .keep_model_loaded = true},
    {.name = "node-2024-03", .about = "crynux-node 0d48999 (2024-03-29): SD models preloaded, a process per task",
     .preloaded = NODE_2024_03_MODELS, .model_cache = 8, .cancel_at_timeout = true, .args_retry = true,
     .report_error_on_abort = true},
};

#define FIND(table, name)                                                   \
    do {                                                                    \
        for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)         \
            if (!strcmp(table[i].name, name))                               \
                return &table[i];                                           \
        return NULL;                                                        \
    } while (0)

const agt_app_profile *agt_app_profile_find(const char *name) { FIND(APP, name); }
const agt_front_end *agt_front_end_find(const char *name) { FIND(FRONT, name); }
const agt_node_profile *agt_node_profile_find(const char *name) { FIND(NODE, name); }

const void *agt_profile_find(int which, const char *name)
{
    return which == AGT_PROFILE_APP         ? (const void *)agt_app_profile_find(name)
           : which == AGT_PROFILE_FRONT_END ? (const void *)agt_front_end_find(name)
                                            : (const void *)agt_node_profile_find(name);
}

void agt_profile_names(int which, char *out, size_t cap)
{
    size_t n = which == AGT_PROFILE_APP ? sizeof APP / sizeof APP[0]
               : which == AGT_PROFILE_FRONT_END ? sizeof FRONT / sizeof FRONT[0]
                                                : sizeof NODE / sizeof NODE[0];
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && len < cap; i++) {
        const char *name = which == AGT_PROFILE_APP ? APP[i].name
                           : which == AGT_PROFILE_FRONT_END ? FRONT[i].name
                                                            : NODE[i].name;
        int w = snprintf(out + len, cap - len, "%s\"%s\"", i ? ", " : "", name);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

bool agt_rate_allow(int64_t *tat, int64_t now, int64_t step, uint32_t burst)
{
    if (now < *tat - (int64_t)(burst - 1) * step)
        return false;
    *tat = (*tat > now ? *tat : now) + step;
    return true;
}

double agt_args_wait_s(double late_s, bool retry)
{
    if (!retry || late_s <= 0)
        return late_s > 0 ? late_s : 0;
    double t = late_s <= 30 ? ceil(late_s) : 30 + 10 * ceil((late_s - 30) / 10);
    return t <= 1800 ? t : -1;
}

/* getDefaultVramLimit: 8 GB for "runwayml/stable-diffusion-v1-5" and for
 * every gpt task, 10 GB for any other sd base model (chilloutmix, an SD 1.5
 * fine-tune, included). */
uint32_t agt_bridge_vram_gb(bool sd, const char *model)
{
    if (!sd)
        return 8;
    return !strcmp(model, "stable-diffusion-v1-5") || !strcmp(model, "runwayml/stable-diffusion-v1-5") ? 8
                                                                                                      : 10;
}

double agt_runner_retry_s(uint32_t failures)
{
    return 10.0 * (ldexp(1.0, (int)(failures < 64 ? failures : 64)) - 1.0);
}

uint32_t agt_failed_tries(double p, double u)
{
    if (p <= 0)
        return 0;
    if (p >= 1)
        return 64;
    double k = floor(log1p(-u) / log(p)); /* P(k >= j) = p^j */
    return k < 64 ? (uint32_t)k : 64;
}
