/* The TaskQueue contract of the VSS era (crynux-ai/crynux-contracts @
 * bd7ee24, contracts/TaskQueue.sol with libs/TaskArray.sol).
 *
 * Queued tasks are grouped by required GPU id (tasks naming a GPU) or by
 * minimum VRAM (the others); within a group by price = taskFee / taskSize
 * (TaskArray.add, integer division: a zero size is Panic(0x12)); within a
 * price in EnumerableSet order.  The price heaps only answer "largest" and
 * "smallest" over distinct prices, so any structure giving the same answers
 * is exact; here a bucket per (group, price), scanned (the queue holds at
 * most sizeLimit = 50 tasks).
 *
 * Quirks kept:
 * - pushTask reverts "Task queue is full" at the limit, before the Task
 *   contract's "evict the cheapest" branch (size() > getSizeLimit()) can run,
 *   so a full queue makes createTask revert and no task is ever dropped as
 *   TaskFeeTooLow (getCheapestTask is unreachable and not modelled).
 * - popTask looks only at the highest price of each group.  A node whose
 *   version matches none of those tasks gets nothing from that group even if
 *   cheaper tasks there would match.
 * - A task without model ids matches the node's (always empty) lastModelIDs:
 *   the scan stops there with score 0, so that group yields nothing. */
#include "protocol/vss/vss_internal.h"
#include "util/stable.h"

static uint64_t group_key(vss *p, const vtask *t)
{
    return t->gpu ? vn_gpu_id(p, t->gpu, t->gpu_vram) : t->min_vram;
}

static vbucket *bucket_find(vss *p, bool by_gpu, uint64_t key, wei_t price)
{
    for (uint32_t i = 0; i < p->n_buckets; i++) {
        vbucket *b = &p->buckets[i];
        if (b->live && b->by_gpu == by_gpu && b->key == key && b->price == price)
            return b;
    }
    return NULL;
}

/* Largest (max) or smallest price of a group's tasks. */
static bool group_price(const vss *p, bool by_gpu, uint64_t key, bool max, wei_t *out)
{
    bool any = false;
    for (uint32_t i = 0; i < p->n_buckets; i++) {
        const vbucket *b = &p->buckets[i];
        if (b->live && b->by_gpu == by_gpu && b->key == key &&
            (!any || (max ? b->price > *out : b->price < *out))) {
            *out = b->price;
            any = true;
        }
    }
    return any;
}

static uint32_t group_len(const vss *p, bool by_gpu, uint64_t key)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->n_buckets; i++) {
        const vbucket *b = &p->buckets[i];
        if (b->live && b->by_gpu == by_gpu && b->key == key)
            n += b->len;
    }
    return n;
}

void vqueue_push(vss *p, uint32_t h)
{
    VREQUIRE(p, p->queue_len < p->prm.queue_size_limit, "Task queue is full");
    vtask *t = vt_rec(p, h);
    /* a createTask reusing the commitment of a queued task: the contract
     * adds a second TaskArray entry under the one taskIDCommitments member
     * (EnumerableSet.add is a no-op), which a task's single queue place
     * cannot hold; refused rather than modelled wrong */
    VREQUIRE(p, t->queue_pos == 0,
             "avrami: a createTask reusing the commitment of a queued task is not modelled");
    bool by_gpu = t->gpu != 0;
    uint64_t key = group_key(p, t);
    if (t->size == 0)
        vss_revert(p, "Panic(0x12)"); /* TaskArray.add: taskFee / taskSize */
    wei_t price = t->fee / t->size;
    /* taskIDCommitments.add */
    J(p->j, p->queue[p->queue_len], h);
    J(p->j, t->queue_pos, p->queue_len + 1);
    J(p->j, p->queue_len, p->queue_len + 1);
    vset_add(p->j, by_gpu ? &p->q_gpus : &p->q_vrams, key);
    vbucket *b = bucket_find(p, by_gpu, key, price);
    if (!b) {
        uint32_t i = 0;
        while (i < p->n_buckets && p->buckets[i].live)
            i++;
        if (i == p->n_buckets) {
            VREQUIRE(p, i < VSS_MAX_BUCKETS, "avrami: too many queue buckets");
            vbucket *nb = &p->buckets[i];
            nb->items = stable_alloc(((size_t)p->prm.queue_size_limit + 2) * sizeof *nb->items);
            if (!nb->items)
                vss_revert(p, "avrami: out of memory");
            p->n_buckets++; /* an empty, dead bucket is no state */
        }
        b = &p->buckets[i];
        J(p->j, b->live, 1);
        J(p->j, b->by_gpu, by_gpu);
        J(p->j, b->key, key);
        J(p->j, b->price, price);
        J(p->j, b->len, 0);
    }
    J(p->j, b->items[b->len], h);
    J(p->j, t->bucket, (uint32_t)(b - p->buckets) + 1);
    J(p->j, t->bucket_pos, b->len + 1);
    J(p->j, b->len, b->len + 1);
}

/* TaskArray.remove + TaskQueue._removeTask */
void vqueue_remove(vss *p, uint32_t h)
{
    vtask *t = vt_rec(p, h);
    VREQUIRE(p, t->queue_pos != 0, "Task not in queue");
    vbucket *b = &p->buckets[t->bucket - 1];
    uint32_t i = t->bucket_pos - 1, last = b->len - 1;
    if (i != last) {
        uint32_t m = b->items[last];
        J(p->j, b->items[i], m);
        J(p->j, vt_rec(p, m)->bucket_pos, i + 1);
    }
    J(p->j, b->len, last);
    J(p->j, t->bucket, 0);
    J(p->j, t->bucket_pos, 0);
    if (b->len == 0)
        J(p->j, b->live, 0);
    bool by_gpu = b->by_gpu;
    uint64_t key = b->key;
    if (group_len(p, by_gpu, key) == 0)
        vset_remove(p->j, by_gpu ? &p->q_gpus : &p->q_vrams, key);
    /* taskIDCommitments.remove */
    i = t->queue_pos - 1;
    last = p->queue_len - 1;
    if (i != last) {
        uint32_t m = p->queue[last];
        J(p->j, p->queue[i], m);
        J(p->j, vt_rec(p, m)->queue_pos, i + 1);
    }
    J(p->j, p->queue_len, last);
    J(p->j, t->queue_pos, 0);
}

/* The best task of one group at its highest price for node a (popTask's
 * inner loop).  Returns true with *out when maxTaskScore > 0. */
static bool best_in_group(vss *p, uint32_t a, bool by_gpu, uint64_t key, wei_t price,
                          uint32_t *out)
{
    const vbucket *b = bucket_find(p, by_gpu, key, price);
    const vnode *n = &p->node[a];
    uint64_t max_score = 0;
    uint32_t local = VSS_NOBODY;
    for (uint32_t i = 0; i < b->len; i++) {
        const vtask *t = vt_rec(p, b->items[i]);
        if (!vn_version_match(n->version, t->version))
            continue;
        uint64_t score = 1;
        if (t->n_models == 0) { /* keccak(abi.encode(lastModelIDs = [])) matches */
            max_score = 0;
            local = b->items[i];
            break;
        }
        for (uint32_t k = 0; k < t->n_models; k++)
            score += vn_contains_model(p, a, t->models[k]);
        if (score > max_score) {
            max_score = score;
            local = b->items[i];
        }
    }
    *out = local;
    return max_score > 0;
}

static bool zero32(const uint8_t *c)
{
    for (int i = 0; i < 32; i++)
        if (c[i])
            return false;
    return true;
}

/* TaskQueue.popTask for node a; false = "No available task". */
bool vqueue_pop(vss *p, uint32_t a, uint32_t *out)
{
    if (p->queue_len == 0)
        return false;
    const vnode *n = &p->node[a];
    wei_t max_price = 0;
    uint32_t chosen = VSS_NOBODY, local;
    uint64_t gid = n->gpu;
    if (vset_find(&p->q_gpus, gid) >= 0) {
        wei_t price = 0;
        group_price(p, true, gid, true, &price);
        if (best_in_group(p, a, true, gid, price, &local)) {
            max_price = price;
            chosen = local;
        }
    }
    uint64_t vram = p->gpus[n->gpu].vram;
    for (uint32_t i = 0; i < p->q_vrams.len; i++) {
        uint64_t min_vram = p->q_vrams.items[i];
        if (vram < min_vram)
            continue;
        wei_t price = 0;
        group_price(p, false, min_vram, true, &price);
        if (price > max_price && best_in_group(p, a, false, min_vram, price, &local)) {
            max_price = price;
            chosen = local;
        }
    }
    if (chosen == VSS_NOBODY || zero32(p->hd[chosen].commitment))
        return false;
    vqueue_remove(p, chosen);
    *out = chosen;
    return true;
}
