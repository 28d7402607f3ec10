#!/usr/bin/python3
"""The reference for `./cpm bench`: the training step of tiny, tiny-baseline or paper-avss (--batch 2 --classes 71)
run eagerly by PyTorch from Python.

The model is cpm_model.py's (shared with eval_ref.py). This file mirrors cpm.train's step op for op: the
class-agnostic forward, the Hungarian matcher on every pixel (scipy) and CE + focal + dice on every decoder layer
(SetCriterion, HungarianMatcher, MaskLosses; Mask2Former's loop over layers where the toolkit stacks them; with
matcher.points Mask2Former's point_sample at uniform, and for the loss uncertain, points), and for
full CPM (CpmTasks): prompts for the sounding classes drawn from the GMM on its sphere (PromptSampler), the mixture
a_i + g a_j and its ratio mask, the audio encoder on the mixture, the prompt pass with VCP (Eq. 6), ACP (Eq. 5) and
PCL (Eq. 7-9, negatives across the batch); then backward, the gradient norm, the memory bank (Ccdm.observe: LN + L2
of the final layer's queries, a bounded no-object sample), AdamW with global-norm clipping (torch.optim.AdamW, decay
on matrices only, the GMM head's parameters at classifier.lrMultiplier, the backbone's at backboneLrMultiplier),
every classifier.updateInterval steps the Sinkhorn EM (numpy), and every run.logInterval steps the CCDM diagnostics
(head logits of the whole bank, posteriors of four prompts per fitted class), as TrainingSession.step does.
Data are seeded random tensors of the batch's shapes (labels with 1-3 rectangles), generated before the timed
loop, so the step time here is the model's own (compare with the toolkit's step minus data).

Usage: train_step_ref.py --recipe RECIPE.json --threads N [--warmup 5] [--steps 30] [--classes 9] [--batch B] [--profile F]
Prints CSV rows name,unit,value,detail on stdout.

Debian's torch does its matrix products in OpenBLAS, whose own thread pool ignores torch.set_num_threads: left
alone it ran every product on both cores while the step counted as "one thread" (bench/NOTES.md, change 8), and
at two threads its pool and torch's OpenMP pool contended for the cores (241 instead of 119 ms per step of tiny,
change 15). OpenMP is therefore sized from --threads and OpenBLAS kept on one thread, before torch is imported.
"""
import argparse
import math
import os
import statistics
import sys
import time

_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _threads
os.environ["OPENBLAS_NUM_THREADS"] = "1"
sys.dont_write_bytecode = True     # no __pycache__ beside the sources when cpm_model is imported

import numpy as np
import torch
import torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

from cpm_model import (Linear, Model, backbone_input, bilinear_matrix, normalise, reference_arguments, spectrogram,
                       start)


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
        self.points = ma["points"]

    def sampled(self, pred, tgt, h, w, uncertain):
        """matcher.points 0: every pixel. Else Mask2Former's point_sample at matcher.points points: for the
        matcher uniform points shared by all pairs, for the loss per prediction 3x oversampled, the 75% most
        uncertain (|logit| smallest) plus 25% uniform (cpm.train.PointSampler)."""
        if self.points == 0:
            return pred, tgt
        pm, tm = pred.reshape(-1, 1, h, w), tgt.reshape(-1, 1, h, w)
        if not uncertain:
            coords = torch.rand(1, self.points, 2)
            return point_sample(pm, coords.expand(len(pm), -1, -1)), point_sample(tm, coords.expand(len(tm), -1, -1))
        with torch.no_grad():
            certain = round(self.points * 0.75)
            pool = torch.rand(len(pm), round(self.points * 3.0), 2)
            idx = (-point_sample(pm.detach(), pool).abs()).topk(certain, 1).indices
            coords = torch.cat([pool.gather(1, idx[..., None].expand(-1, -1, 2)),
                                torch.rand(len(pm), self.points - certain, 2)], 1)
        return point_sample(pm, coords), point_sample(tm, coords)

    def match(self, cls_logits, mask_logits, tgt_classes, tgt_masks, offsets):
        with torch.no_grad():
            b, n, _ = cls_logits.shape
            ids = torch.tensor([c for cs in tgt_classes for c in cs])
            prob = cls_logits.reshape(b * n, -1).softmax(1)
            cost_class = -prob[:, ids]
            x, y = self.sampled(mask_logits.reshape(b * n, -1), tgt_masks, *mask_logits.shape[2:], False)
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
        pred, tgt = self.sampled(mask_logits.reshape(b * n, -1)[torch.tensor(pi)], tgt_masks[torch.tensor(ti)],
                                 *mask_logits.shape[2:], True)
        return ce + focal(pred, tgt, self.alpha, self.gamma, num_masks) * self.focal_w \
            + dice(pred, tgt, num_masks) * self.dice_w




def point_sample(x, coords):
    """(M, 1, H, W) at (M, P, 2) points (x, y) in [0, 1]: bilinear, zero outside (Mask2Former's point_sample)."""
    return F.grid_sample(x, 2 * coords.unsqueeze(2) - 1, align_corners=False).reshape(len(x), -1)


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




# ---------------------------------------------------------------------------------------------------------------

class Session:
    def __init__(self, r, num_classes, seed):
        self.r, self.C = r, num_classes
        gen = torch.Generator().manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.model = Model(r, num_classes, gen, self.rng)
        self.crit = Criterion(r, num_classes)
        cpm = r["cpm"]
        self.cpm = cpm["vcp"] or cpm["acp"] or cpm["pcl"]
        if cpm["pcl"]:
            p, dq = self.model.p, r["queries"]["dim"]
            self.pcl_a = Linear(p, "pcl.audioProj", r["decoder"]["hiddenDim"], dq)
            self.pcl_p = Linear(p, "pcl.pixelProj", dq, dq)
        o = r["optim"]
        lr_of = {"backbone": o["lr"] * o["backboneLrMultiplier"], "gmm": o["lr"] * r["classifier"]["lrMultiplier"]}
        groups = []
        for g in ("backbone", "gmm", ""):
            ps = [t for k, t in self.model.p.items.items() if (k.split(".")[0] == g) == (g != "")
                  and (g != "" or k.split(".")[0] not in lr_of)]
            for decay in (True, False):
                sel = [t for t in ps if (t.dim() > 1) == decay]
                if sel:
                    groups.append({"params": sel, "weight_decay": o["weightDecay"] if decay else 0.0,
                                   "lr": lr_of.get(g, o["lr"])})
        self.params = [t for g in groups for t in g["params"]]
        self.opt = torch.optim.AdamW(groups, lr=o["lr"], eps=1e-8)
        self.clip = o["gradClip"]
        self.step_no = 0

    def step(self, batch):
        r, m = self.r, self.model
        gmm = m.gmm
        t0 = time.perf_counter()
        images, labels, waves, noise = batch
        mag = spectrogram(waves, r)
        img = m.pixel(m.image(images))
        aud = m.audio(backbone_input(mag, r))
        outs = m.decode_queries(img, aud)
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
        assigned = [[self.C if target_of[i, q] < 0 else classes[i][target_of[i, q]] for q in range(m.n)]
                    for i in range(len(classes))]
        if self.cpm:
            total = total + self.cpm_losses(batch, mag, img, aud, classes, masks, offsets)
        total_value = total.item()
        t2 = time.perf_counter()
        self.opt.zero_grad(set_to_none=False)
        total.backward()
        t3 = time.perf_counter()
        norm = torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        if not math.isfinite(norm.item()):
            raise SystemExit("non-finite gradient norm")
        tg = 0.0
        if gmm is not None:
            a = time.perf_counter()
            self.observe(outs[-1], assigned)
            tg += time.perf_counter() - a
        t_observe = tg
        self.opt.step()
        t5 = time.perf_counter()
        self.step_no += 1
        if gmm is not None:
            a = time.perf_counter()
            if self.step_no % r["classifier"]["updateInterval"] == 0:
                gmm.em_update(r["classifier"]["emIterations"])
            if self.step_no % r["run"]["logInterval"] == 0:
                self.diagnostics()
            tg += time.perf_counter() - a
        t6 = time.perf_counter()
        return total_value, {"forward": (t2 - t0 - tm) * 1e3, "matching": tm * 1e3, "gmm": tg * 1e3,
                             "backward": (t3 - t2) * 1e3, "optimiser": (t5 - t3 - t_observe) * 1e3}, (t6 - t0) * 1e3

    def observe(self, last, assigned):
        """Ccdm.observe: the final layer's features on the sphere (detached) into the bank under their class; a
        bounded random sample of the unmatched ones under no-object."""
        gmm, head = self.model.gmm, self.model.classifier
        with torch.no_grad():
            feature = last[0] if head.query_space else last[1]
            x = head.embed(feature).numpy()
            predicted = last[3].argmax(2).numpy() if self.r["classifier"]["enqueue"] == "correct" else None
        b, n, _ = x.shape
        unmatched = []
        for i in range(b):
            for q in range(n):
                c = assigned[i][q]
                if predicted is not None and predicted[i, q] != c:
                    continue
                if c < self.C:
                    gmm.push(c, x[i, q][None])
                else:
                    unmatched.append(x[i, q])
        if unmatched:
            idx = self.rng.permutation(len(unmatched))[: self.r["classifier"]["noObjectSamples"]]
            gmm.push(self.C, np.stack([unmatched[j] for j in idx]))

    def diagnostics(self):
        """GmmDiagnostics.of: floor share, component cosines, the head's accuracy on the bank, prompt posteriors."""
        gmm, head = self.model.gmm, self.model.classifier
        floor_share = float((gmm.var < gmm.floor).mean())
        mu = gmm.mu[gmm.fitted]
        cos = np.einsum("cmd,cnd->cmn", mu, mu) if len(mu) else None
        right = seen = 0
        post = []
        with torch.no_grad():
            for c in range(gmm.C):
                if len(gmm.bank[c]):
                    pred = head.head_logits(torch.tensor(gmm.bank[c])).argmax(1)
                    right += int((pred == c).sum())
                    seen += len(pred)
            for c in range(gmm.C - 1):
                if gmm.fitted[c]:
                    z = torch.tensor(gmm.sample_on_sphere(c, 4, self.rng), dtype=torch.float32)
                    post.append(head.head_logits(z).softmax(1)[:, c].mean().item())
        return floor_share, cos, right / max(seen, 1), post

    def cpm_losses(self, batch, mag, img, aud, classes, masks, offsets):
        r, m = self.r, self.model
        cpm = r["cpm"]
        images, labels, waves, noise = batch
        per = cpm["promptsPerClass"]
        sounding = [[c for c in cs if c > 0] for cs in classes]
        if not any(sounding):
            return 0
        kmax = max(1, max(len(s) for s in sounding) * per)
        b = len(sounding)
        cls = np.zeros((b, kmax), np.int64)
        valid = np.zeros((b, kmax), np.float32)
        target_index = np.full((b, kmax), -2)
        prompts = np.zeros((b, kmax, m.prompt_dim), np.float32)
        for i, s in enumerate(sounding):
            for j, k in enumerate(s):
                draws = m.gmm.sample_on_sphere(k, per, self.rng) if m.gmm is not None else None
                for p in range(per):
                    cls[i, j * per + p], valid[i, j * per + p] = k, 1
                    target_index[i, j * per + p] = classes[i].index(k)
                    prompts[i, j * per + p] = draws[p]
        cls_t, valid_t = torch.tensor(cls), torch.tensor(valid)
        aud_mix, ratio = aud, None
        if cpm["acp"]:
            noise_mag = spectrogram(noise, r)
            mix = mag + noise_mag * cpm["mixGain"]
            clean1, mix1 = mag.sum(1, keepdim=True), mix.sum(1, keepdim=True)
            ratio = (clean1 / mix1.clamp(min=1e-6)).clamp(0, 1) * (mix1 >= 1e-6).float()
            aud_mix = m.audio(backbone_input(mix, r))
        pout = m.decode_prompts(torch.tensor(prompts), cls_t, img, aud_mix)
        total = 0
        if cpm["vcp"]:
            num = max(1, int((target_index >= 0).sum()))
            layers = pout if r["loss"]["deepSupervision"] else pout[-1:]
            vcp = sum(self.crit.loss(out[3], out[2], classes, masks, offsets, target_index, num) for out in layers)
            total = total + vcp * cpm["vcpWeight"]
        if ratio is not None:
            # ACP (Eq. 5): the prompts' audio masks, summed over the sounding classes, against the ratio mask
            am = m.audio_masks(pout[-1][1], aud_mix[3], ratio.shape[2], ratio.shape[3])
            summed = (am * valid_t.reshape(b, kmax, 1, 1)).sum(1, keepdim=True)
            err = (summed.sigmoid() - ratio.clamp(0, 1)).square().reshape(b, -1)
            per_image = (err.sum(1) + 1e-12).sqrt() if cpm["acpLoss"] == "l2" else err.mean(1)
            has = (valid_t.sum(1) > 0).float()
            acp = (per_image * has).sum() / has.sum().clamp(min=1)
            total = total + acp * cpm["acpWeight"]
            if cpm["pcl"]:
                ph, pw = img[0].shape[2:]
                lab = F.interpolate(labels.float().unsqueeze(1), size=(ph, pw), mode="nearest").squeeze(1).long()
                total = total + self.pcl(am, aud_mix[2], img[0], lab, cls, valid) * cpm["pclWeight"]
        return total * cpm["lambda"]

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
        # cpm.pclNegatives batch: positives and negatives from every image of the batch, as CAVP does
        same = (ai[:, None] == pi[None, :]) | (self.r["cpm"]["pclNegatives"] == "batch")
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
    reference_arguments(ap)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, help="batch size instead of the recipe's optim.batchSize")
    ap.add_argument("--profile", help="write a chrome trace of 5 steps after the warm-up here, then stop")
    a = ap.parse_args()
    r = start(a)
    if a.batch:
        r["optim"]["batchSize"] = a.batch
    s = Session(r, a.classes, a.seed)
    batches = [make_batch(r, a.classes, s.rng) for _ in range(8)]

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
    ident = "recipe=%s threads=%d batch=%d" % (r["name"], a.threads, r["optim"]["batchSize"])
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
