/* kern_ops: the elementwise and normalization steps of a transformer.  They
 * are O(hidden) per token against O(hidden^2) in the products, so they stay
 * plain C with sums in fixed sequential order: the same bits on any CPU path. */
#include <math.h>

#include "kernels/kern_model.h"

void kern_rmsnorm(float *o, const float *x, const float *w, int n, float eps)
{
    float ss = 0;
    for (int i = 0; i < n; i++)
        ss += x[i] * x[i];
    float r = 1.0f / sqrtf(ss / (float)n + eps);
    for (int i = 0; i < n; i++)
        o[i] = x[i] * r * w[i];
}

void kern_layernorm(float *o, const float *x, const float *w, const float *b, int n, float eps)
{
    float mean = 0, var = 0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= (float)n;
    for (int i = 0; i < n; i++) {
        float d = x[i] - mean;
        var += d * d;
    }
    float r = 1.0f / sqrtf(var / (float)n + eps);
    for (int i = 0; i < n; i++)
        o[i] = (x[i] - mean) * r * w[i] + b[i];
}

void kern_softmax(float *x, int n)
{
    float max = x[0], sum = 0;
    for (int i = 1; i < n; i++)
        max = x[i] > max ? x[i] : max;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    for (int i = 0; i < n; i++)
        x[i] /= sum;
}

float kern_silu(float x) { return x / (1.0f + expf(-x)); }

float kern_gelu(float x)
{
    return 0.5f * x * (1.0f + tanhf(0.7978845608f * (x + 0.044715f * x * x * x)));
}

/* Pairs (i, i + rot_dim/2) rotate together (the "half" layout of LLaMA
 * checkpoints in Hugging Face form). */
void kern_rope(float *v, int nheads, int head_dim, int rot_dim, const float *cos_t,
               const float *sin_t)
{
    int half = rot_dim / 2;
    for (int h = 0; h < nheads; h++) {
        float *p = v + h * head_dim;
        for (int i = 0; i < half; i++) {
            float a = p[i], b = p[i + half];
            p[i] = a * cos_t[i] - b * sin_t[i];
            p[i + half] = a * sin_t[i] + b * cos_t[i];
        }
    }
}
