/* The TaskQueue contract: one max-heap of queued tasks per (type, VRAM
 * requirement), ordered by value = fee / cap, and one min-heap over all of
 * them for dropping the cheapest when the queue is full.
 *
 * The heaps are the contract's 1-indexed binary heaps: an entry moves up only
 * while strictly better than its parent, and removal moves the last entry
 * into the hole and sifts it (down, or up, never both) with the last entry
 * still physically at the end during the sift.  Which of two equal-value
 * tasks pops first depends on exactly these rules, so they are copied, not
 * improved.  Every operation is O(log q); choosing the heap to pop scans the
 * (type, VRAM) heaps, O(#distinct VRAM requirements). */
#include "protocol/helium/helium.h"
#include "util/stable.h"

static inline wei_t price(const proto *p, uint32_t slot) { return p->task[slot].price; }

static inline uint32_t *posp(proto *p, uint32_t slot, bool is_min)
{
    return is_min ? &p->task[slot].min_pos : &p->task[slot].heap_pos;
}

/* a beats b: strictly greater (max-heap) or strictly less (min-heap) */
static inline bool better(const proto *p, bool is_min, uint32_t a, uint32_t b)
{
    return is_min ? price(p, a) < price(p, b) : price(p, a) > price(p, b);
}

static void place(proto *p, pheap *h, bool is_min, uint32_t index, uint32_t slot)
{
    J(&p->j, h->slot[index], slot);
    J(&p->j, *posp(p, slot, is_min), index);
}

static void heap_insert(proto *p, pheap *h, bool is_min, uint32_t slot)
{
    if (h->len + 1 >= h->cap)
        proto_revert(p, "avrami: queue heap full");
    J(&p->j, h->len, h->len + 1);
    uint32_t index = h->len;
    for (; index > 1 && better(p, is_min, slot, h->slot[index / 2]); index /= 2)
        place(p, h, is_min, index, h->slot[index / 2]);
    place(p, h, is_min, index, slot);
}

static uint32_t heap_remove_at(proto *p, pheap *h, bool is_min, uint32_t index)
{
    uint32_t current = h->slot[index], last = h->slot[h->len];
    if (better(p, is_min, current, last)) {
        /* sift down; the array still ends with `last` at h->len */
        while (2 * index <= h->len) {
            uint32_t next = 2 * index;
            if (next + 1 <= h->len && better(p, is_min, h->slot[next + 1], h->slot[next]))
                next++;
            if (!better(p, is_min, h->slot[next], last))
                break;
            place(p, h, is_min, index, h->slot[next]);
            index = next;
        }
    } else if (better(p, is_min, last, current)) {
        for (; index > 1 && better(p, is_min, last, h->slot[index / 2]); index /= 2)
            place(p, h, is_min, index, h->slot[index / 2]);
    }
    place(p, h, is_min, index, last);
    J(&p->j, h->len, h->len - 1);
    J(&p->j, *posp(p, current, is_min), 0);
    return current;
}

static bool heap_alloc(pheap *h, uint32_t cap)
{
    h->cap = cap;
    h->slot = stable_alloc((size_t)cap * sizeof *h->slot);
    return h->slot != NULL;
}

bool pqueue_init(proto *p)
{
    uint32_t cap = p->prm.queue_size_limit + 3;
    p->heaps = stable_alloc((size_t)PROTO_MAX_HEAPS * sizeof *p->heaps);
    return p->heaps && heap_alloc(&p->minheap, cap) && vset_init(&p->sd_vrams, PROTO_MAX_HEAPS) &&
           vset_init(&p->gpt_vrams, PROTO_MAX_HEAPS);
}

void pqueue_free(proto *p)
{
    if (p->heaps) {
        for (uint32_t i = 0; i < p->n_heaps; i++)
            stable_free(p->heaps[i].slot, (size_t)p->heaps[i].cap * sizeof(uint32_t));
        stable_free(p->heaps, (size_t)PROTO_MAX_HEAPS * sizeof *p->heaps);
    }
    stable_free(p->minheap.slot, (size_t)p->minheap.cap * sizeof(uint32_t));
    vset_free(&p->sd_vrams);
    vset_free(&p->gpt_vrams);
}

/* The (type, vram) heap; created empty on first use (creation is not part of
 * the contract state, so it is not journaled). */
static uint32_t heap_for(proto *p, uint8_t type, uint64_t vram)
{
    for (uint32_t i = 0; i < p->n_heaps; i++)
        if (p->heaps[i].type == type && p->heaps[i].vram == vram)
            return i;
    REQUIRE(p, p->n_heaps < PROTO_MAX_HEAPS, "avrami: too many queue heaps");
    pheap *h = &p->heaps[p->n_heaps];
    h->type = type;
    h->vram = vram;
    if (!heap_alloc(h, p->prm.queue_size_limit + 3))
        proto_revert(p, "avrami: out of memory");
    return p->n_heaps++;
}

static vset *vrams_of(proto *p, uint8_t type) { return type == PROTO_SD ? &p->sd_vrams : &p->gpt_vrams; }

void pqueue_push(proto *p, uint32_t slot)
{
    ptask *t = &p->task[slot];
    uint32_t hi = heap_for(p, t->type, t->vram_limit);
    vset_add(&p->j, vrams_of(p, t->type), t->vram_limit);
    J(&p->j, t->heap, hi);
    heap_insert(p, &p->heaps[hi], false, slot);
    heap_insert(p, &p->minheap, true, slot);
    J(&p->j, p->queue_size, p->minheap.len);
}

/* Takes `slot` out of its (type, vram) heap and drops the heap's VRAM from
 * the set when it empties. */
static void leave_type_heap(proto *p, uint32_t slot, bool top)
{
    ptask *t = &p->task[slot];
    pheap *h = &p->heaps[t->heap];
    heap_remove_at(p, h, false, top ? 1 : t->heap_pos);
    if (h->len == 0)
        vset_remove(&p->j, vrams_of(p, t->type), t->vram_limit);
}

bool pqueue_pop(proto *p, bool same_gpu, uint64_t vram_limit, uint32_t *slot)
{
    if (p->minheap.len == 0)
        return false;
    wei_t max_price = 0;
    int64_t best = -1;
    for (int type = same_gpu ? PROTO_GPT : PROTO_SD; type >= PROTO_SD; type--) {
        vset *vs = vrams_of(p, (uint8_t)type);
        for (uint32_t i = 0; i < vs->len; i++) {
            if (vs->items[i] > vram_limit)
                continue;
            uint32_t hi = heap_for(p, (uint8_t)type, vs->items[i]);
            wei_t top = price(p, p->heaps[hi].slot[1]);
            if (top > max_price) {
                max_price = top;
                best = hi;
            }
        }
    }
    if (best < 0)
        return false; /* "No available task": nothing fits, or only value-0 tasks */
    *slot = p->heaps[best].slot[1];
    leave_type_heap(p, *slot, true);
    heap_remove_at(p, &p->minheap, true, p->task[*slot].min_pos);
    J(&p->j, p->queue_size, p->minheap.len);
    return true;
}

void pqueue_remove(proto *p, uint32_t slot)
{
    heap_remove_at(p, &p->minheap, true, p->task[slot].min_pos);
    leave_type_heap(p, slot, false);
    J(&p->j, p->queue_size, p->minheap.len);
}

uint32_t pqueue_remove_cheapest(proto *p)
{
    uint32_t slot = heap_remove_at(p, &p->minheap, true, 1);
    leave_type_heap(p, slot, false);
    J(&p->j, p->queue_size, p->minheap.len);
    return slot;
}
