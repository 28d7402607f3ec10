"""The toolkit's model (tiny, tiny-baseline, paper-avss) in PyTorch eager, shared by the references of
`./cpm bench` (train_step_ref.py: one training step; eval_ref.py: evaluation).

It mirrors cpm.model, cpm.nn and cpm.prompting op for op: ResNet-18/34/50 image backbone with group norm through
F.layer_norm (as the toolkit) or batch norm (frozen stages in inference mode), FPN pixel decoder, audio CNN or
audio ResNet with its pixel decoder, Mask2Former decoder (audio
layers, then masked visual layers; attention from matmul/softmax; prediction heads after every layer), the softmax
class head or CCDM's GMM classifier in GMMSeg's form (feature LayerNorm + L2 onto the sphere, per-class max over
diagonal Gaussian components with the floor added to the variance, LayerNorm over the class axis with learned gamma
and beta) with its mixture, memory bank and Sinkhorn EM (numpy), prompts drawn on the sphere, the spectrogram.
Parameter values come from their own seeded initialisation (the step's work does not depend on them).

Import it after the thread environment is set (see train_step_ref.py): importing torch sizes its pools.
"""
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)

class Params:
    """Named parameters with seeded init (the values differ from the toolkit's; timing does not depend on them)."""

    def __init__(self, gen):
        self.gen = gen
        self.items = {}
        self.training = True            # batch norms: batch statistics and running-statistics updates

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


class BatchNorm:
    """cpm.nn.Norm batch / frozen-batch: running statistics as buffers, updated in training (momentum 0.1) unless
    the stage is frozen or the norm is frozen-batch; F.batch_norm."""

    def __init__(self, p, name, c, frozen):
        self.g = p.add(name + ".gamma", (c,), "ones")
        self.b = p.add(name + ".beta", (c,), "zeros")
        self.mean, self.var = torch.zeros(c), torch.ones(c)
        self.p, self.frozen = p, frozen

    def __call__(self, x):
        return F.batch_norm(x, self.mean, self.var, self.g, self.b, self.p.training and not self.frozen, 0.1, 1e-5)


def norm(p, name, c, kind, frozen=False):
    return GroupNorm(p, name, c) if kind == "group" else BatchNorm(p, name, c, frozen or kind == "frozen-batch")


class Block:
    """cpm.model.ResidualBlock: basic (two 3x3) or bottleneck (1x1, 3x3 with the stride, 1x1 to 4x planes)."""

    def __init__(self, p, name, cin, planes, stride, kind="group", bottleneck=False, frozen=False):
        out = planes * 4 if bottleneck else planes
        if bottleneck:
            shapes = [(cin, planes, 1, 1), (planes, planes, 3, stride), (planes, out, 1, 1)]
        else:
            shapes = [(cin, planes, 3, stride), (planes, planes, 3, 1)]
        self.convs = [Conv(p, name + ".conv%d" % (i + 1), a, b, k, st) for i, (a, b, k, st) in enumerate(shapes)]
        self.norms = [norm(p, name + ".bn%d" % (i + 1), sh[1], kind, frozen) for i, sh in enumerate(shapes)]
        self.down = None
        if stride != 1 or cin != out:
            self.down = (Conv(p, name + ".downsample.0", cin, out, 1, stride),
                         norm(p, name + ".downsample.1", out, kind, frozen))
        self.out = out

    def __call__(self, x):
        y = x
        for i, (c, n) in enumerate(zip(self.convs, self.norms)):
            y = n(c(y))
            if i < len(self.convs) - 1:
                y = F.relu(y)
        sc = x if self.down is None else self.down[1](self.down[0](x))
        return F.relu(y + sc)


class ImageBackbone:
    """cpm.model.ImageBackbone: torchvision's ResNet-18/34/50 at a width multiplier; image.frozenStages: the stem
    (1) and layer1.. (2..) frozen, their batch norms in inference mode."""

    def __init__(self, p, width, arch="resnet18", kind="group", frozen=0):
        blocks, bottleneck = {"resnet18": ([2, 2, 2, 2], False), "resnet34": ([3, 4, 6, 3], False),
                              "resnet50": ([3, 4, 6, 3], True)}[arch]
        ch = lambda b: max(1, round(b * width))
        stem = ch(64)
        self.conv1 = Conv(p, "backbone.conv1", 3, stem, 7, 2)
        self.bn1 = norm(p, "backbone.bn1", stem, kind, frozen >= 1)
        self.stages, self.out = [], []
        cin = stem
        for s in range(4):
            planes = ch(64 << s)
            stage = []
            for b in range(blocks[s]):
                blk = Block(p, "backbone.layer%d.%d" % (s + 1, b), cin, planes, 2 if b == 0 and s > 0 else 1, kind,
                            bottleneck, frozen >= s + 2)
                stage.append(blk)
                cin = blk.out
            self.stages.append(stage)
            self.out.append(cin)
        frozen_names = (["backbone.conv1.", "backbone.bn1."] if frozen >= 1 else []) + \
            ["backbone.layer%d." % s for s in range(1, min(4, frozen - 1) + 1)]
        for k, t in p.items.items():
            if any(k.startswith(f) for f in frozen_names):
                t.requires_grad_(False)

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

    def __init__(self, p, cin, width, stages, dim, mask_dim, family="cnn", kind="group"):
        self.convs, self.norms, self.ch, self.blocks = [], [], [], []
        self.family = family
        c_in = cin
        if family == "resnet":      # a 3x3 stem, then one basic residual block per stage (stride 2)
            self.stem = (Conv(p, "audio.backbone.conv1", cin, width, 3, 1), norm(p, "audio.backbone.bn1", width, kind))
            c_in = width
        for s in range(stages):
            c = width << s
            if family == "resnet":
                self.blocks.append(Block(p, "audio.backbone.layer%d.0" % (s + 1), c_in, c, 2, kind))
            else:
                self.convs.append([Conv(p, "audio.s%d.c0" % s, c_in, c, 3, 2), Conv(p, "audio.s%d.c1" % s, c, c, 3, 1)])
                self.norms.append([norm(p, "audio.s%d.n0" % s, c, kind), norm(p, "audio.s%d.n1" % s, c, kind)])
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
        if self.family == "resnet":
            x = F.relu(self.stem[1](self.stem[0](x)))
        for s in range(self.stages):
            if self.family == "resnet":
                x = self.blocks[s](x)
            else:
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


def bilinear_matrix(n_in, n_out):
    """(in, out) weights of 1-D bilinear resizing (align_corners=False), as libtorch's interpolate (cpm.nn.Resize)."""
    src = np.maximum(0.0, n_in / n_out * (np.arange(n_out) + 0.5) - 0.5)
    i0 = src.astype(np.int64)
    i1 = np.where(i0 < n_in - 1, i0 + 1, i0)
    l1 = src - i0
    r = np.zeros((n_in, n_out))
    np.add.at(r, (i0, np.arange(n_out)), 1 - l1)
    np.add.at(r, (i1, np.arange(n_out)), l1)
    return torch.tensor(r, dtype=torch.float32)





def normalise(x):
    """L2 over the last axis, smooth at 0 (cpm.prompting.GmmClassifier.normalise)."""
    return x / (x.square().sum(-1, keepdim=True) + 1e-12).sqrt()


# ---------------------------------------------------------------------------------------------------------------
# CCDM (Eq. 1-4) as cpm.prompting.GaussianMixture / MemoryBank / Ccdm / SinkhornAssignment in the recipe's form

def f32(a):
    """The toolkit keeps the mixture's parameters as float32 values held in doubles."""
    return np.asarray(a, np.float32).astype(np.float64)


class Gmm:
    """Per class c in 0..C (C = no-object) M diagonal Gaussians on the unit sphere, its FIFO memory bank, EM."""

    def __init__(self, cl, classes, dim, rng):
        for field, allowed in (("covariance", ("diagonal",)), ("unfitted", ("unit", "shared")),
                               ("noObject", ("mixture",)), ("enqueue", ("all", "correct"))):
            if cl[field] not in allowed:
                raise SystemExit("reference: classifier.%s %s is not mirrored" % (field, cl[field]))
        self.C, self.M, self.D = classes, cl["components"], dim
        self.additive = cl["variance"] == "add"
        self.max_score = cl["componentScore"] == "max"
        self.unit_means = cl["head"] == "layernorm"
        self.sinkhorn = cl["em"] == "sinkhorn"
        self.blend_first = cl["firstFit"] == "blend"
        self.share = cl["unfitted"] == "shared"
        self.floor, self.momentum = cl["varianceFloor"], cl["momentum"]
        self.w = np.full((classes, self.M), f32(1.0 / self.M))
        mu = rng.standard_normal((classes, self.M, dim))
        self.mu = f32(mu / np.linalg.norm(mu, axis=2, keepdims=True))
        self.var = np.full((classes, self.M, dim), 1.0 if not self.share else f32(1.0 / dim))
        self.fitted = np.zeros(classes, bool)
        self.bank = [np.zeros((0, dim), np.float32) for _ in range(classes)]
        self.cap = cl["bankSize"]
        self.cache = None

    def eps(self):
        return self.floor if self.additive else 0.0

    def constants(self):
        if self.cache is None:
            km = self.C * self.M
            v = self.var + self.eps()
            inv = (1 / v).reshape(km, self.D).T
            mov = (self.mu / v).reshape(km, self.D).T
            logw = 0 if self.max_score else np.log(self.w)
            k = (logw - 0.5 * self.D * LOG_2PI - 0.5 * (np.log(v).sum(2) + (self.mu ** 2 / v).sum(2))).reshape(km)
            self.cache = [torch.tensor(a, dtype=torch.float32) for a in (inv, mov, k)]
        return self.cache

    def log_likelihood(self, x):
        """(P, D) on the sphere -> (P, C + 1): Eq. 2, or GMMSeg's max over components; differentiable in x."""
        inv, mov, k = self.constants()
        maha = x.square().matmul(inv) - x.matmul(mov) * 2
        lc = (maha * -0.5 + k).reshape(x.shape[0], self.C, self.M)
        if self.max_score:
            return lc.amax(2)
        return torch.logsumexp(lc, 2)

    def push(self, c, rows):
        self.bank[c] = np.concatenate([self.bank[c], rows])[-self.cap:]

    def e_step(self, x, w, mu, var):
        """log N(x_i; mu_m, var_m + eps) (n, M) and the responsibilities with the weights."""
        v = var + self.eps()
        logp = (-0.5 * (self.D * LOG_2PI + np.log(v).sum(1))[None]
                - 0.5 * (((x[:, None, :] - mu[None]) ** 2) / v[None]).sum(2))
        lw = np.log(w)[None] + logp
        mx = lw.max(1, keepdims=True)
        lse = mx + np.log(np.exp(lw - mx).sum(1, keepdims=True))
        return logp, np.exp(lw - lse), lse.sum()

    def sinkhorn_hard(self, logp, eps=0.05, iterations=3):
        """GMMSeg's balanced hard assignment (cpm.prompting.SinkhornAssignment)."""
        n, m = logp.shape
        scale = np.abs(logp).max() or 1.0
        q = logp / (scale * eps)
        for _ in range(iterations):
            q = q - (np.logaddexp.reduce(q, axis=0, keepdims=True) + math.log(m))
            q = q - (np.logaddexp.reduce(q, axis=1, keepdims=True) + math.log(n))
        return np.eye(m)[q.argmax(1)]

    def em_update(self, iterations):
        """Ccdm.maybeUpdate: EM for every class with at least 2M rows in its bank, then the shared variance."""
        for c in range(self.C):
            x = self.bank[c].astype(np.float64)
            n = len(x)
            if n < 2 * self.M:
                continue
            w, mu, var = self.w[c].copy(), self.mu[c].copy(), self.var[c].copy()
            for _ in range(iterations):
                logp, r, _ = self.e_step(x, w, mu, var)          # E-step (Eq. 3)
                if self.sinkhorn and self.M > 1:
                    r = self.sinkhorn_hard(logp)
                nk = r.sum(0)                                       # M-step (Eq. 4)
                w = np.maximum(nk / n, 1e-10)
                ok = nk >= 1e-8
                m_new = (r.T @ x) / np.maximum(nk, 1e-300)[:, None]
                v_new = (r.T @ (x ** 2)) / np.maximum(nk, 1e-300)[:, None] - m_new ** 2
                v_new = v_new if self.additive else np.maximum(v_new, self.floor)
                mu = np.where(ok[:, None], m_new, mu)
                var = np.where(ok[:, None], v_new, var)
                w = w / w.sum()
            keep = self.momentum if self.fitted[c] or self.blend_first else 0.0
            w = np.maximum(keep * self.w[c] + (1 - keep) * w, 1e-10)
            self.w[c] = f32(w / w.sum())
            mu = keep * self.mu[c] + (1 - keep) * mu
            if self.unit_means:
                mu = mu / np.linalg.norm(mu, axis=1, keepdims=True)
            self.mu[c] = f32(mu)
            self.var[c] = f32(keep * self.var[c] + (1 - keep) * var)
            self.fitted[c] = True
            self.e_step(x, self.w[c], self.mu[c], self.var[c])      # the fit's mean log-likelihood (diagnostics)
        if self.share and self.fitted.any():
            self.var[~self.fitted] = f32(self.var[self.fitted].mean())
        self.cache = None

    def sample_on_sphere(self, c, n, rng):
        """cpm.promptSampling fitted: the fitted variance (no epsilon), projected back onto the sphere."""
        comp = rng.choice(self.M, size=n, p=self.w[c] / self.w[c].sum())
        z = self.mu[c][comp] + rng.standard_normal((n, self.D)) * np.sqrt(self.var[c][comp])
        return z / np.linalg.norm(z, axis=1, keepdims=True)


class GmmHead:
    """cpm.prompting.GmmClassifier with classifier.head layernorm: x = L2(LN(feature)), per-class scores,
    class-axis LayerNorm with learned gamma and beta (F.layer_norm: the same arithmetic as the toolkit's
    mean / variance / divide)."""

    def __init__(self, p, cl, gmm, query_space):
        if cl["head"] != "layernorm":
            raise SystemExit("reference: classifier.head %s is not mirrored" % cl["head"])
        self.gmm, self.query_space = gmm, query_space
        self.feat = LayerNorm(p, "gmm.featNorm", gmm.D)
        self.gamma = p.add("gmm.logitNorm.gamma", (gmm.C,), "ones")
        self.beta = p.add("gmm.logitNorm.beta", (gmm.C,), "zeros")

    def embed(self, feature):
        return normalise(self.feat(feature))

    def head_logits(self, x):
        return F.layer_norm(self.gmm.log_likelihood(x), (self.gmm.C,), self.gamma, self.beta, 1e-5)

    def __call__(self, queries, me):
        f = queries if self.query_space else me
        b, n, d = f.shape
        return self.head_logits(self.embed(f.reshape(b * n, d))).reshape(b, n, self.gmm.C)


# ---------------------------------------------------------------------------------------------------------------

class Model:
    """cpm.model.AvsModel with its classifier: the softmax head (classHead) or CCDM's GMM head (classifier.kind)."""

    def __init__(self, r, num_classes, gen, rng):
        p = Params(gen)
        self.p = p
        dim, mask_dim = r["decoder"]["hiddenDim"], r["queries"]["dim"]
        self.dim, self.mask_dim, self.C = dim, mask_dim, num_classes
        self.n = r["queries"]["count"]
        im, au = r["image"], r["audio"]
        if au["backbone"] not in ("cnn", "resnet") or r["decoder"]["norm"] != "post" or r["decoder"]["dropout"] > 0 \
                or im["pretrained"] or au["pretrained"]:
            raise SystemExit("reference: only the cnn and resnet audio backbones, a post-norm decoder without dropout"
                             " and no pretrained weights are mirrored")
        self.image = ImageBackbone(p, im["width"], im["backbone"], im["norm"], im["frozenStages"])
        self.pixel = PixelDecoder(p, self.image.out, r["pixelDecoder"]["hiddenDim"], mask_dim, dim,
                                  r["pixelDecoder"]["scales"])
        # audio token stride 8, or 16 where stride 8 would give more than 1024 tokens (AudioBackbone.tokenStride)
        t, f = au["frames"] or au["sampleRate"] * au["secondsPerFrame"] // au["hop"] + 1, au["bins"] or au["nFft"] // 2 + 1
        for _ in range(3):
            t, f = (t - 1) // 2 + 1, (f - 1) // 2 + 1
        audio_norm = "batch" if im["norm"] == "frozen-batch" else im["norm"]
        self.audio = AudioBackbone(p, au["channels"], au["width"], 3 if t * f <= 1024 else 4, dim, mask_dim,
                                   au["backbone"], audio_norm)
        d = r["decoder"]
        self.decoder = Decoder(p, dim, d["heads"], d["ffnDim"], d["audioLayers"], d["visualLayers"], mask_dim)
        self.head = Linear(p, "classHead", dim, num_classes + 1)
        self.query_feat = p.add("queryFeat", (self.n, dim), "normal")
        self.query_pos = p.add("queryPos", (self.n, dim), "normal")
        cl, cpm = r["classifier"], r["cpm"]
        query_space = cl["space"] == "query"
        self.prompt_dim = dim if query_space else mask_dim                       # Recipe.gmmDim
        self.prompt_proj = Linear(p, "promptProj", self.prompt_dim, dim)
        self.pos_kind = cpm["promptPos"]
        self.prompt_pos = {"class": lambda: p.add("promptPos", (num_classes, dim), "normal"),
                           "shared": lambda: p.add("promptPos", (1, dim), "normal")}.get(self.pos_kind, lambda: None)()
        self.gmm = None
        self.classifier = lambda queries, me: self.head(queries)          # SoftmaxClassifier
        if cl["kind"] == "gmm":
            self.gmm = Gmm(cl, num_classes + 1, self.prompt_dim, rng)
            self.classifier = GmmHead(p, cl, self.gmm, query_space)
            del p.items["classHead.weight"], p.items["classHead.bias"]            # frozen: not in the optimiser
        # prompts on the unit sphere go back to the scale of the LayerNorm output they came from (norm sqrt(D))
        fitted = cl["kind"] == "gmm" and cpm["promptSampling"] == "fitted"
        self.prompt_scale = math.sqrt(self.prompt_dim) if fitted else 1.0

    def decode_queries(self, img, aud):
        b = img[0].shape[0]
        tgt = torch.zeros(b, self.n, self.dim) + self.query_feat
        pos = torch.zeros(1, self.n, self.dim) + self.query_pos
        return self.decoder(tgt, pos, img, aud, self.classifier)

    def decode_prompts(self, prompts, classes, img, aud):
        tgt = self.prompt_proj(prompts if self.prompt_scale == 1.0 else prompts * self.prompt_scale)
        k = prompts.shape[1]
        if self.pos_kind == "class":
            pos = F.one_hot(classes, self.C).float().matmul(self.prompt_pos)
        elif self.pos_kind == "shared":
            pos = torch.zeros(1, k, self.dim) + self.prompt_pos
        else:
            pos = torch.zeros(1, k, self.dim)
        return self.decoder(tgt, pos, img, aud, self.classifier)

    def audio_masks(self, me, dec, t, f):
        """ACP's audio masks (Eq. 5): mask embeddings . decoded audio map, resized to the spectrogram's (t, f)."""
        b, dq, th, tw = dec.shape
        return bilinear(me.matmul(dec.reshape(b, dq, th * tw)).reshape(b, me.shape[1], th, tw), t, f)


def reference_arguments(ap):
    """The options both references take (their own follow)."""
    ap.add_argument("--recipe", required=True, help="the recipe as `./cpm describe NAME --json` writes it")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--classes", type=int, default=9, help="C, background included, no-object excluded")
    ap.add_argument("--seed", type=int, default=42)


def start(a):
    """Threads and seed as the arguments say; the recipe."""
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(a.recipe) as f:
        return json.load(f)


def spectrogram(waves, r):
    """|STFT| (B, C, T, F): periodic Hann window of nFft, centred frames, reflect padding (cpm.data.Spectrogram)."""
    a = r["audio"]
    if a["frontEnd"] != "spectrogram" or a["window"] != "hann" or a["winLength"] not in (0, a["nFft"]):
        raise SystemExit("reference: only the |STFT| front-end with a full Hann window is mirrored")
    b, c, s = waves.shape
    win = torch.hann_window(a["nFft"], periodic=True)
    spec = torch.stft(waves.reshape(b * c, s), a["nFft"], a["hop"], window=win, center=True, pad_mode="reflect",
                      onesided=True, return_complex=True)
    mag = spec.abs()
    return mag.reshape(b, c, mag.shape[1], mag.shape[2]).transpose(2, 3)


def backbone_input(mag, r):
    """log(1+x), then to (audio.frames, audio.bins) by DJL's interpolation, which is libtorch's antialiased
    bilinear kernel (cpm.data.Spectrogram.toBackboneInput)."""
    x = torch.log1p(mag) if r["audio"]["scale"] == "log" else mag
    t, f = r["audio"]["frames"] or x.shape[2], r["audio"]["bins"] or x.shape[3]
    if (t, f) == tuple(x.shape[2:]):
        return x
    return F.interpolate(x, size=(t, f), mode="bilinear", align_corners=False, antialias=True)
