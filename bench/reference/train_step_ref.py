#!/usr/bin/python3
"""The reference for `./cpm bench`: the tiny / tiny-baseline training step run eagerly by PyTorch from Python.

It mirrors the toolkit's architecture op for op (cpm.model, cpm.nn, cpm.train, cpm.prompting): ResNet image
backbone with group norm through F.layer_norm (as the toolkit), FPN pixel decoder, audio CNN with its pixel decoder,
Mask2Former decoder (audio layers, then masked visual layers; attention from matmul/softmax; deep supervision),
the Hungarian matcher on every pixel (scipy), CE + focal + dice, and for full CPM: the GMM classifier (Eq. 1-2),
the memory bank and EM update (Eq. 3-4, numpy), prompts sampled from the GMM, the prompt pass with VCP (Eq. 6),
ACP on a mixture (Eq. 5) and PCL (Eq. 7-9); AdamW with global-norm clipping (torch.optim.AdamW, decay on
matrices only). Data are seeded random tensors of the batch's shapes (labels with 1-3 rectangles), generated
before the timed loop, so the step time here is the model's own (compare with the toolkit's step minus data).

Usage: train_step_ref.py --recipe RECIPE.json --threads N [--warmup 5] [--steps 30] [--classes 9] [--profile F]
Prints CSV rows name,unit,value,detail on stdout.

Debian's torch does its matrix products in OpenBLAS, whose own thread pool ignores torch.set_num_threads: left
alone it ran every product on both cores while the step counted as "one thread" (bench/NOTES.md, change 8), and
at two threads its pool and torch's OpenMP pool contended for the cores (241 instead of 119 ms per step of tiny,
change 15). OpenMP is therefore sized from --threads and OpenBLAS kept on one thread, before torch is imported.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment


class Params:
    """Named parameters with seeded init (the values differ from the toolkit's; timing does not depend on them)."""

    def __init__(self, gen):
        self.gen = gen
        self.items = {}

    def add(self, name, shape, kind, fan_in=1, fan_out=1):
        if kind == "zeros":
            t = torch.zeros(shape)
        elif kind == "ones":
            t = torch.ones(shape)
        elif kind == "normal":
            t = torch.randn(shape, generator=self.gen)
        elif kind == "kaiming":
            t = torch.randn(shape, generator=self.gen) * math.sqrt(2.0 / fan_in)
        else:  # xavier
            a = math.sqrt(6.0 / (fan_in + fan_out))
            t = (torch.rand(shape, generator=self.gen) * 2 - 1) * a
        t.requires_grad_(True)
        self.items[name] = t
        return t


def groups_of(c):
    g = 32
    while c % g != 0:
        g //= 2
    return max(1, min(g, c))


class Conv:
    def __init__(self, p, name, cin, cout, k, stride, bias=False):
        self.w = p.add(name + ".weight", (cout, cin, k, k), "kaiming", fan_in=cin * k * k)
        self.b = p.add(name + ".bias", (cout,), "zeros") if bias else None
        self.stride, self.pad = stride, k // 2

    def __call__(self, x):
        return F.conv2d(x, self.w, self.b, self.stride, self.pad)


class GroupNorm:
    """cpm.nn.Norm.groupNorm as the toolkit computes it (DJL has no GroupNorm op): the fused layer norm over the
    (N, G, C/G*H*W) view with unit weight and zero bias, then the per-channel affine."""

    def __init__(self, p, name, c):
        self.g = p.add(name + ".gamma", (c,), "ones")
        self.b = p.add(name + ".beta", (c,), "zeros")
        self.groups = groups_of(c)

    def __call__(self, x):
        s = x.shape
        g = x.reshape(s[0], self.groups, -1)
        per = g.shape[2]
        normed = F.layer_norm(g, (per,), torch.ones(per), torch.zeros(per), 1e-5).reshape(s)
        return normed * self.g.reshape(1, -1, 1, 1) + self.b.reshape(1, -1, 1, 1)


class Linear:
    def __init__(self, p, name, cin, cout, bias=True):
        self.w = p.add(name + ".weight", (cin, cout), "xavier", fan_in=cin, fan_out=cout)
        self.b = p.add(name + ".bias", (cout,), "zeros") if bias else None

    def __call__(self, x):
        y = x.matmul(self.w)
        return y if self.b is None else y + self.b


class LayerNorm:
    def __init__(self, p, name, d):
        self.g = p.add(name + ".gamma", (d,), "ones")
        self.b = p.add(name + ".beta", (d,), "zeros")
        self.d = d

    def __call__(self, x):
        return F.layer_norm(x, (self.d,), self.g, self.b, 1e-5)


def bilinear(x, h, w):
    if x.shape[2] == h and x.shape[3] == w:
        return x
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False)


def sine_tokens(h, w, dim):
    half = dim // 2
    dim_t = torch.tensor([10000.0 ** (2.0 * (j // 2) / half) for j in range(half)], dtype=torch.float64)
    ys = (torch.arange(h, dtype=torch.float64) + 1) / (h + 1e-6) * 2 * math.pi
    xs = (torch.arange(w, dtype=torch.float64) + 1) / (w + 1e-6) * 2 * math.pi
    py = ys[:, None] / dim_t[None, :]
    px = xs[:, None] / dim_t[None, :]
    even = torch.arange(half) % 2 == 0
    ey = torch.where(even, py.sin(), py.cos())  # (h, half)
    ex = torch.where(even, px.sin(), px.cos())  # (w, half)
    out = torch.cat([ey[:, None, :].expand(h, w, half), ex[None, :, :].expand(h, w, half)], dim=2)
    return out.reshape(1, h * w, dim).float()


class Block:
    def __init__(self, p, name, cin, planes, stride):
        self.c1 = Conv(p, name + ".conv1", cin, planes, 3, stride)
        self.n1 = GroupNorm(p, name + ".bn1", planes)
        self.c2 = Conv(p, name + ".conv2", planes, planes, 3, 1)
        self.n2 = GroupNorm(p, name + ".bn2", planes)
        self.down = None
        if stride != 1 or cin != planes:
            self.down = (Conv(p, name + ".downsample.0", cin, planes, 1, stride),
                         GroupNorm(p, name + ".downsample.1", planes))
        self.out = planes

    def __call__(self, x):
        y = F.relu(self.n1(self.c1(x)))
        y = self.n2(self.c2(y))
        sc = x if self.down is None else self.down[1](self.down[0](x))
        return F.relu(y + sc)


class ImageBackbone:
    def __init__(self, p, width):
        ch = lambda b: max(1, round(b * width))
        stem = ch(64)
        self.conv1 = Conv(p, "backbone.conv1", 3, stem, 7, 2)
        self.bn1 = GroupNorm(p, "backbone.bn1", stem)
        self.stages, self.out = [], []
        cin = stem
        for s in range(4):
            planes = ch(64 << s)
            blocks = []
            for b in range(2):
                blk = Block(p, "backbone.layer%d.%d" % (s + 1, b), cin, planes, 2 if b == 0 and s > 0 else 1)
                blocks.append(blk)
                cin = blk.out
            self.stages.append(blocks)
            self.out.append(cin)

    def __call__(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 3, 2, 1)
        outs = []
        for st in self.stages:
            for b in st:
                x = b(x)
            outs.append(x)
        return outs


class PixelDecoder:
    def __init__(self, p, inc, hidden, mask_dim, dim, scales):
        self.top = Conv(p, "pd.layer4", inc[3], hidden, 3, 1)
        self.top_n = GroupNorm(p, "pd.layer4Norm", hidden)
        self.lat = [Conv(p, "pd.lateral%d" % l, inc[l], hidden, 1, 1) for l in range(3)]
        self.lat_n = [GroupNorm(p, "pd.lateral%dNorm" % l, hidden) for l in range(3)]
        self.outc = [Conv(p, "pd.output%d" % l, hidden, hidden, 3, 1) for l in range(3)]
        self.out_n = [GroupNorm(p, "pd.output%dNorm" % l, hidden) for l in range(3)]
        self.mask = Conv(p, "pd.maskFeatures", hidden, mask_dim, 1, 1, bias=True)
        self.mem = [Linear(p, "pd.inputProj%d" % s, hidden, dim) for s in range(scales)]
        self.level = [p.add("pd.levelEmbed%d" % s, (dim,), "normal") for s in range(scales)]
        self.hidden, self.dim, self.scales = hidden, dim, scales

    def __call__(self, feats):
        y = F.relu(self.top_n(self.top(feats[3])))
        multi = [None] * 4
        multi[3] = y
        for l in (2, 1, 0):
            lat = self.lat_n[l](self.lat[l](feats[l]))
            y = lat + bilinear(y, lat.shape[2], lat.shape[3])
            y = F.relu(self.out_n[l](self.outc[l](y)))
            multi[l] = y
        mask_features = self.mask(y)
        mems, poss, sizes = [], [], []
        for s in range(self.scales):
            f = multi[3 - s]
            b, _, h, w = f.shape
            flat = f.reshape(b, self.hidden, h * w).transpose(1, 2)
            mems.append(self.mem[s](flat) + self.level[s])
            poss.append(sine_tokens(h, w, self.dim))
            sizes.append((h, w))
        return mask_features, mems, poss, sizes


class AudioBackbone:
    """The "cnn" family: stages of two conv-norm-ReLU, the first with stride 2; u_a, tokens, decoded map."""

    def __init__(self, p, cin, width, stages, dim, mask_dim):
        self.convs, self.norms, self.ch = [], [], []
        c_in = cin
        for s in range(stages):
            c = width << s
            self.convs.append([Conv(p, "audio.s%d.c0" % s, c_in, c, 3, 2), Conv(p, "audio.s%d.c1" % s, c, c, 3, 1)])
            self.norms.append([GroupNorm(p, "audio.s%d.n0" % s, c), GroupNorm(p, "audio.s%d.n1" % s, c)])
            self.ch.append(c)
            c_in = c
        self.proj = Conv(p, "audio.proj", self.ch[-1], dim, 1, 1, bias=True)
        self.lat, self.lat_n, self.outc, self.out_n = [], [], [], []
        for j, s in enumerate(range(stages - 2, 0, -1)):
            self.lat.append(Conv(p, "audio.dec.lat%d" % j, self.ch[s], dim, 1, 1))
            self.lat_n.append(GroupNorm(p, "audio.dec.lat%dN" % j, dim))
            self.outc.append(Conv(p, "audio.dec.out%d" % j, dim, dim, 3, 1))
            self.out_n.append(GroupNorm(p, "audio.dec.out%dN" % j, dim))
        self.dec = Conv(p, "audio.dec.out", dim, mask_dim, 1, 1, bias=True)
        self.stages, self.dim = stages, dim

    def __call__(self, spec):
        feats, x = [], spec
        for s in range(self.stages):
            for i in range(2):
                x = F.relu(self.norms[s][i](self.convs[s][i](x)))
            feats.append(x)
        ua = self.proj(feats[-1])
        b, _, t, f = ua.shape
        tokens = ua.reshape(b, self.dim, t * f).transpose(1, 2)
        pos = sine_tokens(t, f, self.dim)
        y = ua
        for j in range(len(self.lat)):
            c = feats[self.stages - 2 - j]
            lat = self.lat_n[j](self.lat[j](c))
            y = lat + bilinear(y, lat.shape[2], lat.shape[3])
            y = F.relu(self.out_n[j](self.outc[j](y)))
        return tokens, pos, ua, self.dec(y)


class MHA:
    def __init__(self, p, name, dim, heads):
        self.q, self.k = Linear(p, name + ".q", dim, dim), Linear(p, name + ".k", dim, dim)
        self.v, self.o = Linear(p, name + ".v", dim, dim), Linear(p, name + ".out", dim, dim)
        self.heads, self.dim = heads, dim

    def __call__(self, query, key, value, mask):
        b, lq, _ = query.shape
        lk = key.shape[1]
        hd = self.dim // self.heads
        qh = self.q(query).reshape(b, lq, self.heads, hd).permute(0, 2, 1, 3)
        kh = self.k(key).reshape(b, lk, self.heads, hd).permute(0, 2, 3, 1)
        vh = self.v(value).reshape(b, lk, self.heads, hd).permute(0, 2, 1, 3)
        scores = qh.matmul(kh) / math.sqrt(hd)
        if mask is not None:
            m = mask.unsqueeze(1)
            all_masked = m.float().amin(-1, keepdim=True) == 1
            eff = m & ~all_masked
            scores = scores + eff.float() * -1e9
        attn = scores.softmax(-1)
        ctx = attn.matmul(vh).permute(0, 2, 1, 3).reshape(b, lq, self.dim)
        return self.o(ctx)


class AttnLayer:  # post-norm, dropout 0 (tiny)
    def __init__(self, p, name, dim, heads):
        self.attn = MHA(p, name + ".attn", dim, heads)
        self.norm = LayerNorm(p, name + ".norm", dim)

    def cross(self, tgt, qpos, mem, mpos, mask):
        return self.norm(tgt + self.attn(tgt + qpos, mem + mpos, mem, mask))

    def self_(self, tgt, qpos):
        qk = tgt + qpos
        return self.norm(tgt + self.attn(qk, qk, tgt, None))


class Ffn:
    def __init__(self, p, name, dim, ffn):
        self.l1, self.l2 = Linear(p, name + ".l1", dim, ffn), Linear(p, name + ".l2", ffn, dim)
        self.norm = LayerNorm(p, name + ".norm", dim)

    def __call__(self, tgt):
        return self.norm(tgt + self.l2(F.relu(self.l1(tgt))))


class Decoder:
    def __init__(self, p, dim, heads, ffn, n_audio, n_visual, mask_dim):
        self.audio = [(AttnLayer(p, "dec.a%d.cross" % i, dim, heads), AttnLayer(p, "dec.a%d.self" % i, dim, heads),
                       Ffn(p, "dec.a%d.ffn" % i, dim, ffn)) for i in range(n_audio)]
        self.visual = [(AttnLayer(p, "dec.v%d.cross" % i, dim, heads), AttnLayer(p, "dec.v%d.self" % i, dim, heads),
                        Ffn(p, "dec.v%d.ffn" % i, dim, ffn)) for i in range(n_visual)]
        self.out_norm = LayerNorm(p, "dec.outNorm", dim)
        self.mlp = [Linear(p, "dec.me%d" % i, dim, dim if i < 2 else mask_dim) for i in range(3)]

    def predict(self, tgt, mask_features, classifier):
        out = self.out_norm(tgt)
        me = out
        for i, l in enumerate(self.mlp):
            me = l(me)
            if i < 2:
                me = F.relu(me)
        b, d, h, w = mask_features.shape
        logits = me.matmul(mask_features.reshape(b, d, h * w)).reshape(b, me.shape[1], h, w)
        return out, me, logits, classifier(out, me)

    def __call__(self, tgt, qpos, img, aud, classifier):
        mask_features, mems, poss, sizes = img
        outs = [self.predict(tgt, mask_features, classifier)]
        for cross, self_, ffn in self.audio:
            tgt = cross.cross(tgt, qpos, aud[0], aud[1], None)
            tgt = ffn(self_.self_(tgt, qpos))
            outs.append(self.predict(tgt, mask_features, classifier))
        for i, (cross, self_, ffn) in enumerate(self.visual):
            s = i % len(mems)
            h, w = sizes[s]
            prev = outs[-1][2].detach()
            mask = bilinear(prev, h, w).reshape(prev.shape[0], prev.shape[1], h * w) < 0
            tgt = cross.cross(tgt, qpos, mems[s], poss[s], mask)
            tgt = ffn(self_.self_(tgt, qpos))
            outs.append(self.predict(tgt, mask_features, classifier))
        return outs


# ---------------------------------------------------------------------------------------------------------------
# CCDM: GMM classifier (Eq. 1-2), memory bank, EM (Eq. 3-4)

class Gmm:
    def __init__(self, classes, comps, dim, rng, floor, momentum, bank, no_object):
        self.C, self.M, self.D = classes, comps, dim
        self.w = np.full((classes, comps), 1.0 / comps)
        mu = rng.standard_normal((classes, comps, dim))
        self.mu = mu / np.linalg.norm(mu, axis=2, keepdims=True)
        self.var = np.full((classes, comps, dim), 1.0 / dim)
        self.floor, self.momentum = floor, momentum
        self.fitted = np.zeros(classes, bool)
        self.bank = [np.zeros((0, dim), np.float32) for _ in range(classes)]
        self.cap, self.no_object = bank, no_object
        self.rng = rng
        self.cache = None

    def constants(self):
        if self.cache is None:
            km = self.C * self.M
            inv = (1 / self.var).reshape(km, self.D).T
            mov = (self.mu / self.var).reshape(km, self.D).T
            k = (np.log(self.w) - 0.5 * self.D * math.log(2 * math.pi)
                 - 0.5 * (np.log(self.var).sum(2) + (self.mu ** 2 / self.var).sum(2))).reshape(km)
            self.cache = [torch.tensor(a, dtype=torch.float32) for a in (inv, mov, k)]
        return self.cache

    def log_likelihood(self, x):
        inv, mov, k = self.constants()
        maha = x.square().matmul(inv) - x.matmul(mov) * 2
        lc = (maha * -0.5 + k).reshape(x.shape[0], self.C, self.M)
        mx = lc.amax(2, keepdim=True).detach()
        return (lc - mx).exp().sum(2).log() + mx.squeeze(2)

    def classifier(self, queries, me):
        b, n, d = me.shape
        x = normalise(me).reshape(b * n, d)
        return self.log_likelihood(x).reshape(b, n, self.C)

    def observe(self, me, assigned):
        x = normalise(me.detach()).numpy()
        b, n, _ = x.shape
        unmatched = []
        for i in range(b):
            for q in range(n):
                c = assigned[i][q]
                if c < self.C - 1:
                    self.push(c, x[i, q][None])
                else:
                    unmatched.append(x[i, q])
        if unmatched:
            idx = self.rng.permutation(len(unmatched))[: self.no_object]
            self.push(self.C - 1, np.stack([unmatched[j] for j in idx]))

    def push(self, c, rows):
        self.bank[c] = np.concatenate([self.bank[c], rows])[-self.cap:]

    def em_update(self, iterations):
        for c in range(self.C):
            x = self.bank[c].astype(np.float64)
            if len(x) < 2 * self.M:
                continue
            w, mu, var = self.w[c].copy(), self.mu[c].copy(), self.var[c].copy()
            for _ in range(iterations):
                # E-step (Eq. 3)
                lp = (np.log(w)[None] - 0.5 * (self.D * math.log(2 * math.pi) + np.log(var).sum(1))[None]
                      - 0.5 * (((x[:, None, :] - mu[None]) ** 2) / var[None]).sum(2))
                mx = lp.max(1, keepdims=True)
                r = np.exp(lp - mx)
                r /= r.sum(1, keepdims=True)
                # M-step (Eq. 4)
                nk = r.sum(0) + 1e-10
                w = nk / len(x)
                mu = (r.T @ x) / nk[:, None]
                var = (r.T @ (x ** 2)) / nk[:, None] - mu ** 2 + self.floor
            keep = self.momentum if self.fitted[c] else 0.0
            self.w[c] = keep * self.w[c] + (1 - keep) * w
            self.w[c] /= self.w[c].sum()
            self.mu[c] = keep * self.mu[c] + (1 - keep) * mu
            self.var[c] = keep * self.var[c] + (1 - keep) * var
            self.fitted[c] = True
        self.cache = None

    def sample(self, c, n):
        comp = self.rng.choice(self.M, size=n, p=self.w[c])
        return self.mu[c][comp] + self.rng.standard_normal((n, self.D)) * np.sqrt(self.var[c][comp])


def bilinear_matrix(n_in, n_out):
    """(in, out) weights of 1-D bilinear resizing (align_corners=False), as libtorch's interpolate."""
    r = torch.zeros(n_in, n_out)
    scale = n_in / n_out
    for o in range(n_out):
        src = max(0.0, scale * (o + 0.5) - 0.5)
        i0 = int(src)
        i1 = i0 + 1 if i0 < n_in - 1 else i0
        l1 = src - i0
        r[i0, o] += 1 - l1
        r[i1, o] += l1
    return r


def normalise(x):
    return x / (x.square().sum(-1, keepdim=True) + 1e-12).sqrt()


# ---------------------------------------------------------------------------------------------------------------
# losses (cpm.train.MaskLosses, SetCriterion, HungarianMatcher; points = 0: every pixel)

def cross_entropy(logits, target, no_object_weight):
    no_obj = logits.shape[1] - 1
    y = target.reshape(-1, 1)
    nll = -logits.log_softmax(1).gather(1, y).reshape(-1)
    w = (y.reshape(-1) == no_obj).float() * (no_object_weight - 1.0) + 1.0
    return (nll * w).sum() / w.sum().clamp(min=1e-12)


def focal(x, t, alpha, gamma, num):
    p = x.sigmoid()
    ce = F.softplus(x) - x * t
    pt = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - pt).pow(gamma)
    loss = loss * (t * alpha + (1 - t) * (1 - alpha))
    return loss.mean(1).sum() / num


def dice(x, t, num):
    p = x.sigmoid()
    numer = (p * t).sum(1) * 2 + 1
    denom = p.sum(1) + t.sum(1) + 1
    return (1 - numer / denom).sum() / num


class Criterion:
    def __init__(self, r, num_classes):
        lo, ma = r["loss"], r["matcher"]
        self.C = num_classes
        self.ce_w, self.no_obj = lo["ceWeight"], lo["noObjectWeight"]
        self.focal_w, self.alpha, self.gamma = lo["focalWeight"], lo["focalAlpha"], lo["focalGamma"]
        self.dice_w = lo["diceWeight"]
        self.cc, self.mc, self.dc = ma["classCost"], ma["maskCost"], ma["diceCost"]

    def match(self, cls_logits, mask_logits, tgt_classes, tgt_masks, offsets):
        with torch.no_grad():
            b, n, _ = cls_logits.shape
            ids = torch.tensor([c for cs in tgt_classes for c in cs])
            prob = cls_logits.reshape(b * n, -1).softmax(1)
            cost_class = -prob[:, ids]
            x = mask_logits.reshape(b * n, -1)
            y = tgt_masks
            p = x.shape[1]
            cost_mask = (F.softplus(x).sum(1).reshape(-1, 1) - x.matmul(y.t())) / p
            sig = x.sigmoid()
            numer = sig.matmul(y.t()) * 2
            denom = sig.sum(1).reshape(-1, 1) + y.sum(1).reshape(1, -1)
            cost_dice = 1 - (numer + 1) / (denom + 1)
            c = (self.cc * cost_class + self.mc * cost_mask + self.dc * cost_dice).double().numpy()
        target_of = np.full((b, n), -1)
        for i in range(b):
            block = c[i * n:(i + 1) * n, offsets[i]:offsets[i + 1]]
            rows, cols = linear_sum_assignment(block)
            target_of[i, rows] = cols
        return target_of

    def loss(self, cls_logits, mask_logits, tgt_classes, tgt_masks, offsets, target_of, num_masks):
        b, n, _ = cls_logits.shape
        IGN = -2
        cls = np.array([[self.C if target_of[i, q] < 0 else tgt_classes[i][target_of[i, q]] for q in range(n)]
                        for i in range(b)]).reshape(-1)
        rows = cls_logits.reshape(b * n, -1)
        targets = torch.tensor(cls)
        keep = (target_of.reshape(-1) != IGN)
        if not keep.all():
            idx = torch.tensor(np.nonzero(keep)[0])
            rows, targets = rows[idx], targets[idx]
        ce = cross_entropy(rows, targets, self.no_obj) * self.ce_w
        pi = [i * n + q for i in range(b) for q in range(n) if target_of[i, q] >= 0]
        ti = [offsets[i] + target_of[i, q] for i in range(b) for q in range(n) if target_of[i, q] >= 0]
        if not pi:
            z = mask_logits.sum() * 0
            return ce + z
        pred = mask_logits.reshape(b * n, -1)[torch.tensor(pi)]
        tgt = tgt_masks[torch.tensor(ti)]
        return ce + focal(pred, tgt, self.alpha, self.gamma, num_masks) * self.focal_w \
            + dice(pred, tgt, num_masks) * self.dice_w


# ---------------------------------------------------------------------------------------------------------------

class Model:
    def __init__(self, r, num_classes, gen):
        p = Params(gen)
        self.p = p
        dim, mask_dim = r["decoder"]["hiddenDim"], r["queries"]["dim"]
        self.dim, self.mask_dim, self.C = dim, mask_dim, num_classes
        self.n = r["queries"]["count"]
        self.image = ImageBackbone(p, r["image"]["width"])
        self.pixel = PixelDecoder(p, self.image.out, r["pixelDecoder"]["hiddenDim"], mask_dim, dim,
                                  r["pixelDecoder"]["scales"])
        self.audio = AudioBackbone(p, r["audio"]["channels"], r["audio"]["width"], 3, dim, mask_dim)
        d = r["decoder"]
        self.decoder = Decoder(p, dim, d["heads"], d["ffnDim"], d["audioLayers"], d["visualLayers"], mask_dim)
        self.head = Linear(p, "classHead", dim, num_classes + 1)
        self.query_feat = p.add("queryFeat", (self.n, dim), "normal")
        self.query_pos = p.add("queryPos", (self.n, dim), "normal")
        self.prompt_proj = Linear(p, "promptProj", mask_dim, dim)
        self.prompt_pos = p.add("promptPos", (num_classes, dim), "normal")

    def decode_queries(self, img, aud, classifier):
        b = img[0].shape[0]
        tgt = torch.zeros(b, self.n, self.dim) + self.query_feat
        pos = torch.zeros(1, self.n, self.dim) + self.query_pos
        return self.decoder(tgt, pos, img, aud, classifier)

    def decode_prompts(self, prompts, classes, img, aud, classifier):
        tgt = self.prompt_proj(prompts)
        pos = F.one_hot(classes, self.C).float().matmul(self.prompt_pos)
        return self.decoder(tgt, pos, img, aud, classifier)


def spectrogram(waves, r):
    a = r["audio"]
    b, c, s = waves.shape
    win = torch.hann_window(a["nFft"], periodic=True)
    spec = torch.stft(waves.reshape(b * c, s), a["nFft"], a["hop"], window=win, center=True, pad_mode="reflect",
                      onesided=True, return_complex=True)
    mag = spec.abs()
    return mag.reshape(b, c, mag.shape[1], mag.shape[2]).transpose(2, 3)


def backbone_input(mag, r):
    x = torch.log1p(mag) if r["audio"]["scale"] == "log" else mag
    return bilinear(x, r["audio"]["frames"], r["audio"]["bins"])


def make_batch(r, num_classes, rng):
    bsz, size = r["optim"]["batchSize"], r["image"]["size"]
    s = int(r["audio"]["sampleRate"] * r["audio"]["secondsPerFrame"])
    labels = np.zeros((bsz, size, size), np.int64)
    for i in range(bsz):
        for _ in range(rng.integers(1, 4)):
            c = rng.integers(1, num_classes)
            y0, x0 = rng.integers(0, size // 2, 2)
            h, w = rng.integers(size // 6, size // 2, 2)
            labels[i, y0:y0 + h, x0:x0 + w] = c
    return (torch.tensor(rng.standard_normal((bsz, 3, size, size)), dtype=torch.float32),
            torch.tensor(labels),
            torch.tensor(rng.uniform(-0.5, 0.5, (bsz, r["audio"]["channels"], s)), dtype=torch.float32),
            torch.tensor(rng.uniform(-0.5, 0.5, (bsz, r["audio"]["channels"], s)), dtype=torch.float32))


def targets(labels, num_classes, h, w):
    classes = [sorted(set(np.unique(l.numpy()).tolist())) for l in labels]
    resized = F.interpolate(labels.float().unsqueeze(1), size=(h, w), mode="nearest").squeeze(1).round().long()
    masks = [(resized[i][None] == torch.tensor(cs).reshape(-1, 1, 1)).float().reshape(len(cs), -1)
             for i, cs in enumerate(classes)]
    offsets = np.cumsum([0] + [len(cs) for cs in classes])
    return classes, torch.cat(masks), offsets


class Session:
    def __init__(self, r, num_classes, seed):
        self.r, self.C = r, num_classes
        gen = torch.Generator().manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.model = Model(r, num_classes, gen)
        self.crit = Criterion(r, num_classes)
        cl = r["classifier"]
        self.gmm = None
        names = list(self.model.p.items)
        if cl["kind"] == "gmm":
            self.gmm = Gmm(num_classes + 1, cl["components"], r["queries"]["dim"], self.rng, cl["varianceFloor"],
                           cl["momentum"], cl["bankSize"], cl["noObjectSamples"])
            names = [k for k in names if not k.startswith("classHead")]
        cpm = r["cpm"]
        self.cpm = cpm["vcp"] or cpm["acp"] or cpm["pcl"]
        if cpm["pcl"]:
            self.pcl_a = Linear(self.model.p, "pcl.audioProj", r["decoder"]["hiddenDim"], r["queries"]["dim"])
            self.pcl_p = Linear(self.model.p, "pcl.pixelProj", r["queries"]["dim"], r["queries"]["dim"])
            names += ["pcl.audioProj.weight", "pcl.audioProj.bias", "pcl.pixelProj.weight", "pcl.pixelProj.bias"]
        params = [self.model.p.items[k] for k in names]
        decay = [t for t in params if t.dim() > 1]
        no_decay = [t for t in params if t.dim() <= 1]
        o = r["optim"]
        self.params = params
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": o["weightDecay"]},
                                      {"params": no_decay, "weight_decay": 0.0}], lr=o["lr"], eps=1e-8)
        self.clip = o["gradClip"]
        self.step_no = 0

    def classifier(self, out, me):
        return self.gmm.classifier(out, me) if self.gmm is not None else self.model.head(out)

    def step(self, batch):
        r, m = self.r, self.model
        t = {}
        t0 = time.perf_counter()
        images, labels, waves, noise = batch
        mag = spectrogram(waves, r)
        img = m.pixel(m.image(images))
        aud = m.audio(backbone_input(mag, r))
        outs = m.decode_queries(img, aud, self.classifier)
        h, w = outs[-1][2].shape[2:]
        classes, masks, offsets = targets(labels, self.C, h, w)
        t1 = time.perf_counter()
        total = None
        tm = 0.0
        num = max(1, int(offsets[-1]))
        for out in outs:
            a = time.perf_counter()
            target_of = self.crit.match(out[3], out[2], classes, masks, offsets)
            tm += time.perf_counter() - a
            l = self.crit.loss(out[3], out[2], classes, masks, offsets, target_of, num)
            total = l if total is None else total + l
        a = time.perf_counter()
        assigned = [[self.C if target_of[i, q] < 0 else classes[i][target_of[i, q]] for q in range(m.n)]
                    for i in range(len(classes))]
        tg = 0.0
        if self.gmm is not None:
            self.gmm.observe(outs[-1][1], assigned)
            tg += time.perf_counter() - a
        if self.cpm:
            total = total + self.cpm_losses(batch, mag, img, aud, classes, masks, offsets)
        total_value = total.item()
        t2 = time.perf_counter()
        self.opt.zero_grad(set_to_none=False)
        total.backward()
        t3 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        self.opt.step()
        t4 = time.perf_counter()
        self.step_no += 1
        if self.gmm is not None and self.step_no % r["classifier"]["updateInterval"] == 0:
            a = time.perf_counter()
            self.gmm.em_update(r["classifier"]["emIterations"])
            tg += time.perf_counter() - a
        t5 = time.perf_counter()
        return total_value, {"forward": (t2 - t0 - tm - tg) * 1e3, "matching": tm * 1e3, "gmm": tg * 1e3,
                             "backward": (t3 - t2) * 1e3, "optimiser": (t4 - t3) * 1e3}, (t5 - t0) * 1e3

    def cpm_losses(self, batch, mag, img, aud, classes, masks, offsets):
        r, m = self.r, self.model
        images, labels, waves, noise = batch
        sounding = [[c for c in cs if c > 0] for cs in classes]
        kmax = max(len(s) for s in sounding)
        if kmax == 0:
            return 0
        b = len(sounding)
        cls = np.zeros((b, kmax), np.int64)
        valid = np.zeros((b, kmax), np.float32)
        target_index = np.full((b, kmax), -2)
        prompts = np.zeros((b, kmax, m.mask_dim), np.float32)
        for i, s in enumerate(sounding):
            for j, k in enumerate(s):
                cls[i, j], valid[i, j] = k, 1
                target_index[i, j] = classes[i].index(k)
                prompts[i, j] = self.gmm.sample(k, 1)[0]
        cls_t, valid_t = torch.tensor(cls), torch.tensor(valid)
        noise_mag = spectrogram(noise, r)
        mix = mag + noise_mag * r["cpm"]["mixGain"]
        clean1, mix1 = mag.sum(1, keepdim=True), mix.sum(1, keepdim=True)
        ratio = (clean1 / mix1.clamp(min=1e-6)).clamp(0, 1) * (mix1 >= 1e-6).float()
        aud_mix = m.audio(backbone_input(mix, r))
        pout = m.decode_prompts(torch.tensor(prompts), cls_t, img, aud_mix, self.classifier)
        num = max(1, int((target_index >= 0).sum()))
        vcp = None
        for out in pout:
            l = self.crit.loss(out[3], out[2], classes, masks, offsets, target_index, num)
            vcp = l if vcp is None else vcp + l
        # ACP (Eq. 5): audio masks from the prompts' mask embeddings and the decoded audio map
        me, dec = pout[-1][1], aud_mix[3]
        bb, dq, th, tw = dec.shape
        am = me.matmul(dec.reshape(bb, dq, th * tw)).reshape(bb, kmax, th, tw)
        am = bilinear(am, ratio.shape[2], ratio.shape[3])
        summed = (am * valid_t.reshape(b, kmax, 1, 1)).sum(1, keepdim=True)
        err = (summed.sigmoid() - ratio.clamp(0, 1)).square().reshape(b, -1).mean(1)
        has = (valid_t.sum(1) > 0).float()
        acp = (err * has).sum() / has.sum().clamp(min=1)
        # PCL (Eq. 7-9)
        ua = aud_mix[2]
        ph, pw = img[0].shape[2:]
        lab = F.interpolate(labels.float().unsqueeze(1), size=(ph, pw), mode="nearest").squeeze(1).long()
        pcl = self.pcl(am, ua, img[0], lab, cls, valid)
        w = r["cpm"]
        return (vcp * w["vcpWeight"] + acp * w["acpWeight"] + pcl * w["pclWeight"]) * w["lambda"]

    def pcl(self, am, ua, pix, labels, cls, valid):
        b, k, t, f = am.shape
        da, ut, uf = ua.shape[1:]
        s = am.detach().sigmoid().reshape(b, k, t * f)
        binm = (s > s.mean(2, keepdim=True)).float()
        # as cpm.prompting.PromptContrastiveLearning.anchorFeatures: the binary masks go down to u_a's grid
        # through the bilinear matrices (resize is linear) instead of u_a going up to t x f
        small = bilinear_matrix(ut, t).matmul(binm.reshape(b * k, t, f)).matmul(bilinear_matrix(uf, f).t())
        pooled = small.reshape(b, k, ut * uf).matmul(ua.reshape(b, da, ut * uf).transpose(1, 2)) \
            / binm.sum(2, keepdim=True).clamp(min=1)
        counts = binm.sum(2).numpy()
        anchors = [(i, j) for i in range(b) for j in range(k) if valid[i, j] > 0 and counts[i, j] > 0]
        hw = labels.shape[1] * labels.shape[2]
        lab = labels.reshape(b, hw).numpy()
        idx, pcls, pimg = [], [], []
        per = self.r["cpm"]["pclPixels"]
        for i in range(b):
            for c in np.unique(lab[i]):
                px = np.nonzero(lab[i] == c)[0]
                take = self.rng.permutation(len(px))[:per]
                idx += (i * hw + px[take]).tolist()
                pcls += [int(c)] * len(take)
                pimg += [i] * len(take)
        fa = normalise(self.pcl_a(pooled.reshape(b * k, da)[torch.tensor([i * k + j for i, j in anchors])]))
        dp = pix.shape[1]
        pixels = pix.reshape(b, dp, hw).transpose(1, 2).reshape(b * hw, dp)[torch.tensor(idx)]
        fp = normalise(self.pcl_p(pixels))
        ac = np.array([cls[i, j] for i, j in anchors])
        ai = np.array([i for i, _ in anchors])
        pc, pi = np.array(pcls), np.array(pimg)
        same = ai[:, None] == pi[None, :]
        pos = torch.tensor((same & (pc[None, :] == ac[:, None])).astype(np.float32))
        negpen = torch.tensor(np.where(same & (pc[None, :] != ac[:, None]), 0.0, -1e9).astype(np.float32))
        has = (pos.sum(1) > 0).float()
        logits = fa.matmul(fp.t()) / self.r["cpm"]["tau"]
        neg = logits + negpen
        mx = neg.amax(1, keepdim=True).detach()
        lse = (neg - mx).exp().sum(1, keepdim=True).log() + mx
        z = lse - logits
        sp = z.clamp(min=0) + (-z.abs()).exp().add(1).log()
        per_anchor = (sp * pos).sum(1) / pos.sum(1).clamp(min=1)
        return (per_anchor * has).sum() / has.sum().clamp(min=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--classes", type=int, default=9)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--profile", help="write a chrome trace of 5 steps after the warm-up here, then stop")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(a.recipe) as f:
        r = json.load(f)
    s = Session(r, a.classes, a.seed)
    batches = [make_batch(r, a.classes, s.rng) for _ in range(8)]
    # the toolkit's GMM warm-start: a step that fills the bank and one EM fit happen during warm-up as there
    procs = []
    totals, cpus, parts = [], [], {k: [] for k in ("forward", "matching", "gmm", "backward", "optimiser")}
    if a.profile:
        for i in range(a.warmup):
            s.step(batches[i % len(batches)])
        with torch.autograd.profiler.profile(record_shapes=True) as prof:
            for i in range(5):
                s.step(batches[(a.warmup + i) % len(batches)])
        prof.export_chrome_trace(a.profile)
        with open(a.profile + ".shapes.txt", "w") as f:
            f.write(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=400))
        return
    for i in range(a.warmup + a.steps):
        c0 = time.thread_time()
        p0 = time.process_time()
        loss, p, ms = s.step(batches[i % len(batches)])
        cpu = (time.thread_time() - c0) * 1e3
        proc = (time.process_time() - p0) * 1e3
        if not math.isfinite(loss):
            raise SystemExit("non-finite loss at step %d" % i)
        if i >= a.warmup:
            totals.append(ms)
            cpus.append(cpu)
            procs.append(proc)
            for k, v in p.items():
                parts[k].append(v)
    med = statistics.median(totals)
    split = " ".join("%s=%.1f" % (k, statistics.median(v)) for k, v in parts.items())
    ident = "recipe=%s threads=%d" % (r["name"], a.threads)
    print("name,unit,value,detail")
    print('ref_train_step_ms,ms,%.3f,"%s pytorch %s eager from python (data excluded) median of %d after %d; '
          'p90=%.1f; %s"' % (med, ident, torch.__version__, a.steps, a.warmup,
                             sorted(totals)[int(0.9 * len(totals))], split))
    if a.threads == 1:
        print("ref_train_step_cpu_ms,ms,%.3f,%s CPU time of the stepping thread (time.thread_time) median"
              % (statistics.median(cpus), ident))
    print("ref_train_step_proc_cpu_ms,ms,%.3f,%s CPU time of the whole process (time.process_time) median: all its"
          " threads" % (statistics.median(procs), ident))


if __name__ == "__main__":
    main()
