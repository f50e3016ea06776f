/* libFuzzer target: CSV arrival files, read through a scenario that
 * replays them.  Anything but one arrival time per line must be an error
 * with the line number, never a crash or a silently short list. */
#include "fuzz_util.h"
#include "scenario/scn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *csv = fuzz_file(data, size, "csv");
    char text[768], err[SCN_ERR_MAX];
    snprintf(text, sizeof text,
             "{\"cards_file\": \"%s\", \"network\": {\"nodes\": 5, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}]},"
             " \"applications\": [{\"arrival\": {\"process\": \"csv\", \"file\": \"%s\"},"
             " \"tasks\": [{\"type\": \"sd\", \"fee\": {\"wei\": \"1\"}}]}]}", fuzz_cards_copy(), csv);
    scn s;
    if (scn_parse(text, "fuzz.json", ".", &s, err)) {
        const scn_app *a = &s.apps[0];
        if (!a->n_csv)
            abort(); /* an accepted file has at least one time */
        for (uint32_t i = 1; i < a->n_csv; i++)
            if (!(a->csv_times_s[i] >= a->csv_times_s[i - 1]))
                abort(); /* and they never go back */
        scn_free(&s);
    }
    return 0;
}
