/* libFuzzer target: the data files the timing model and the scenarios read
 * (models/cards.json, llms.json, sd.json, calibration/host.json), and
 * cards.json again as a scenario's cards_file.  A damaged file must only ever be
 * an error naming the file and the JSON path. */
#include "fuzz_util.h"
#include "scenario/scn.h"
#include "timing/tim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "json");
    char err[1024];
    tim_card c;
    tim_model m;
    tim_host h;
    (void)tim_card_load(path, "NVIDIA GeForce RTX 4090", &c, err, sizeof err);
    (void)tim_model_load(path, path, "Llama-2-7B", &m, err, sizeof err);
    (void)tim_model_load(path, path, "stable-diffusion-v1-5", &m, err, sizeof err);
    (void)tim_host_load(path, 1, &h, err, sizeof err);
    char text[512], serr[SCN_ERR_MAX];
    snprintf(text, sizeof text,
             "{\"cards_file\": \"%s\", \"network\": {\"nodes\": 5, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}]},"
             " \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1},"
             " \"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1\"}}]}]}", path);
    scn s;
    if (scn_parse(text, "fuzz.json", ".", &s, serr))
        scn_free(&s);
    return 0;
}
