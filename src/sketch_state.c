/*
 * sketch_state.c: a sketch's counts as a flat array of integers, and back, for runs
 * split into parts (docs/scale.md).
 *
 * A part's sketches have the layout (atoms, windows) that every part and the merge
 * compute from the same prefix of blocks, and that layout no longer changes after
 * the prefix (cmc_sample_prefix). So a part needs to hand over only its counts,
 * which the merge adds into its own sketch of the same layout: integers, so the sum
 * is the same in any order and equal to a single run's. The array (uint64):
 *
 *   [0] STATE_VERSION  [1] zeros  [2] min's bits  [3] max's bits
 *   [4] atoms  [5] windows  [6] B non-zero buckets  [7] C non-zero window cells
 *   then the atoms' counts, each window's below and above counts,
 *   B pairs (page << 32 | bucket, count), C pairs (window << 32 | cell, count).
 *
 * Aggregates (the folded cells of retired windows) change only while the layout is
 * planned, so after the prefix a part has none; the reader checks the layout's
 * shape (atom and window counts, cells inside windows that count) and refuses
 * anything else.
 */
#include "sketch_priv.h"

#include <assert.h>

#define STATE_VERSION 1
#define HEAD 8

void cmc_sketch_clear(cmc_sketch *s)
{
    assert(s->nz == 0);
    for (int i = 0; i < 2 * NPAGES; i++) {
        page *p = s->pages[i];
        if (!p)
            continue;
        for (unsigned k = 0; k < PAGE; k++)
            p->count[k] &= FLAG;
        free(p->carried);
        p->carried = NULL;
    }
    s->pending = 0;
    s->zeros = 0;
    s->min = INFINITY;
    s->max = -INFINITY;
    for (size_t i = 0; i < s->natoms; i++)
        s->atom_count[i] = 0;
    for (size_t q = 0; q < s->nwin; q++) {
        cmc_window *w = &s->win[q];
        w->below = w->above = 0;
        free(w->agg);
        w->agg = NULL;
        w->nagg = 0;
        if (w->count)
            memset(w->count, 0, w->ncells * sizeof *w->count);
    }
    free(s->exact);
    s->exact = NULL;
    s->nexact = 0;
}

uint64_t *cmc_sketch_state(const cmc_sketch *s, size_t *len)
{
    size_t nb = 0, nc = 0;
    for (int i = 0; i < 2 * NPAGES; i++)
        for (unsigned k = 0; s->pages[i] && k < PAGE; k++)
            nb += bucket_count(s->pages[i], k) != 0;
    for (size_t q = 0; q < s->nwin; q++) {
        if (s->win[q].nagg || s->exact)
            return NULL;   /* counts that only a layout being planned has */
        for (uint64_t c = 0; s->win[q].count && c < s->win[q].ncells; c++)
            nc += s->win[q].count[c] != 0;
    }
    size_t n = HEAD + s->natoms + 2 * s->nwin + 2 * nb + 2 * nc;
    uint64_t *a = malloc(n * sizeof *a), *at = a + HEAD;
    if (!a)
        return NULL;
    a[0] = STATE_VERSION;
    a[1] = s->zeros;
    a[2] = bits_of(s->min);
    a[3] = bits_of(s->max);
    a[4] = s->natoms;
    a[5] = s->nwin;
    a[6] = nb;
    a[7] = nc;
    for (size_t i = 0; i < s->natoms; i++)
        *at++ = s->atom_count[i];
    for (size_t q = 0; q < s->nwin; q++) {
        *at++ = s->win[q].below;
        *at++ = s->win[q].above;
    }
    for (int i = 0; i < 2 * NPAGES; i++)
        for (unsigned k = 0; s->pages[i] && k < PAGE; k++) {
            uint64_t c = bucket_count(s->pages[i], k);
            if (c) {
                *at++ = (uint64_t)i << 32 | k;
                *at++ = c;
            }
        }
    for (size_t q = 0; q < s->nwin; q++)
        for (uint64_t c = 0; s->win[q].count && c < s->win[q].ncells; c++)
            if (s->win[q].count[c]) {
                *at++ = (uint64_t)q << 32 | c;
                *at++ = s->win[q].count[c];
            }
    *len = n;
    return a;
}

int cmc_sketch_add_state(cmc_sketch *s, const uint64_t *a, size_t n)
{
    if (n < HEAD || a[0] != STATE_VERSION || a[4] != s->natoms || a[5] != s->nwin ||
        a[6] > n || a[7] > n || n != HEAD + a[4] + 2 * a[5] + 2 * a[6] + 2 * a[7])
        return -1;
    const uint64_t *at = a + HEAD;
    /* check everything before anything is added: a refused state changes nothing */
    const uint64_t *bk = at + a[4] + 2 * a[5], *cl = bk + 2 * a[6];
    for (uint64_t j = 0; j < a[6]; j++) {
        uint64_t pg = bk[2 * j] >> 32, k = bk[2 * j] & 0xffffffffu;
        if (pg >= 2 * NPAGES || k >= PAGE)
            return -1;
    }
    for (uint64_t j = 0; j < a[7]; j++) {
        uint64_t q = cl[2 * j] >> 32, c = cl[2 * j] & 0xffffffffu;
        if (q >= s->nwin || !s->win[q].count || c >= s->win[q].ncells ||
            cl[2 * j + 1] > UINT32_MAX - s->win[q].count[c])
            return -1;
    }
    for (uint64_t j = 0; j < a[6]; j++) {
        uint64_t pg = bk[2 * j] >> 32;
        page *p = s->pages[pg];
        if (!p && !(p = s->pages[pg] = calloc(1, sizeof(page))))
            return -2;
        if (!p->carried && !(p->carried = calloc(PAGE, sizeof *p->carried)))
            return -2;
    }
    s->zeros += a[1];
    double mn = double_of(a[2]), mx = double_of(a[3]);
    s->min = mn < s->min ? mn : s->min;
    s->max = mx > s->max ? mx : s->max;
    for (size_t i = 0; i < s->natoms; i++)
        s->atom_count[i] += *at++;
    for (size_t q = 0; q < s->nwin; q++) {
        s->win[q].below += *at++;
        s->win[q].above += *at++;
    }
    for (uint64_t j = 0; j < a[6]; j++)
        s->pages[bk[2 * j] >> 32]->carried[bk[2 * j] & 0xffffffffu] += bk[2 * j + 1];
    for (uint64_t j = 0; j < a[7]; j++)
        s->win[cl[2 * j] >> 32].count[cl[2 * j] & 0xffffffffu] += (uint32_t)cl[2 * j + 1];
    return 0;
}
