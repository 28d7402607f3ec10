#!/usr/bin/python3
"""The evaluation reference for `./cpm bench`: the toolkit's evaluation (cpm.train.Evaluator) in PyTorch eager.

Over the very test frames the toolkit evaluates (written by cpm.bench.EvalBench to --frames), batch by batch as
cpm.train.SplitPredictions walks them: the spectrogram, the class-agnostic forward without gradient (cpm_model.py,
shared with train_step_ref.py: Inference.predict), the coverage score of the predictions after the audio layers
(cpm.diag.CoverageScore), the paper's inference merge (cpm.eval.InferenceMerge: mask logits upsampled to the label
size, each pixel labelled by the kept query maximising p_i(c_i) sigmoid(m_i), and the foreground probability
F / (F + G)), and the metrics of the recipe's protocol (cpm.eval.SegmentationMetrics; per-dataset and cavp: the
confusion counts of the label maps accumulated over the frames, IoU and F-beta per class). Loading the frames is
outside the timed loop, as the training reference generates its data before it.

Usage: eval_ref.py --recipe RECIPE.json --frames FILE --threads N [--classes C] [--warmup 8] [--profile F]
Prints CSV rows name,unit,value,detail on stdout. Threads: as train_step_ref.py (OpenMP sized from --threads,
OpenBLAS on one thread, set before torch is imported).

The frames file: one JSON header line {"n", "channels", "samples", "size", "classes"}, then big-endian arrays:
images float32 (n, 3, size, size), labels int64 (n, size, size), waves float32 (n, channels, samples), tags
float32 (n, classes).
"""
import argparse
import json
import os
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

from cpm_model import Model, backbone_input, reference_arguments, spectrogram, start

IGNORE = 255            # cpm.data.BatchLoader.IGNORE: padded pixels, not scored
COVERAGE_THRESHOLD = 0.5


def read_frames(path):
    with open(path, "rb") as f:
        h = json.loads(f.readline())
        n, size, c, s, k = h["n"], h["size"], h["channels"], h["samples"], h["classes"]

        def take(dtype, shape):
            count = int(np.prod(shape))
            a = np.frombuffer(f.read(count * np.dtype(dtype).itemsize), dtype=dtype, count=count)
            return torch.from_numpy(a.astype(dtype[1:]).reshape(shape))

        return (take(">f4", (n, 3, size, size)), take(">i8", (n, size, size)), take(">f4", (n, c, s)),
                take(">f4", (n, k)))


def merge(probs, mask_logits, out_h, out_w):
    """cpm.eval.InferenceMerge.merge: (labels (B,H,W) int64, foreground (B,H,W) float32)."""
    b, n, c1 = probs.shape
    if mask_logits.shape[2:] != (out_h, out_w):
        # DJL's interpolation is libtorch's antialiased bilinear kernel
        mask_logits = F.interpolate(mask_logits, size=(out_h, out_w), mode="bilinear", align_corners=False,
                                    antialias=True)
    score, top = probs.max(2)
    keep = (top != c1 - 1).float().reshape(b, n, 1, 1)
    keep_fg = (top != 0).float().reshape(b, n, 1, 1) * keep
    value = mask_logits.sigmoid() * score.reshape(b, n, 1, 1)
    candidate = value * keep + (keep - 1)
    best, winner = candidate.max(1)
    labels = top.gather(1, winner.reshape(b, -1)).reshape(b, out_h, out_w) * (best >= 0).long()
    f = (value * keep_fg).amax(1)
    g = (value * (keep - keep_fg)).amax(1)
    return labels, f / (f + g).clamp(min=1e-30)


class Metrics:
    """SegmentationMetrics for per-dataset and cavp: confusion counts accumulated over the frames."""

    def __init__(self, classes, protocol, beta2):
        if protocol not in ("per-dataset", "cavp"):
            raise SystemExit("reference: eval.protocol %s is not mirrored" % protocol)
        self.c, self.all_classes, self.beta2 = classes, protocol == "cavp", beta2
        self.confusion = torch.zeros(classes * classes, dtype=torch.int64)
        self.images = 0

    def add(self, pred, gt):
        scored = gt != IGNORE
        self.confusion += torch.bincount((gt[scored] * self.c + pred[scored]), minlength=self.c * self.c)
        self.images += gt.shape[0]

    def result(self):
        m = self.confusion.reshape(self.c, self.c).double()      # rows: ground truth, columns: prediction
        tp = m.diagonal()
        fp = m.sum(0) - tp
        fn = m.sum(1) - tp
        union = tp + fp + fn
        iou = tp / union
        if self.all_classes:
            iou = torch.where(union > 0, iou, torch.zeros_like(iou))
        precision = torch.nan_to_num(tp / (tp + fp))
        recall = torch.nan_to_num(tp / (tp + fn))
        fb = torch.nan_to_num((1 + self.beta2) * precision * recall / (self.beta2 * precision + recall))
        fb = torch.where(union > 0, fb, torch.full_like(fb, float("nan")))
        return iou.nanmean().item(), fb.nanmean().item()


def coverage(probs_after_audio, tags):
    """CoverageScore.add: per image, IoU of the classes the queries predict (top class, not background or
    no-object, p > 0.5) with the sounding ones; summed."""
    c1 = probs_after_audio.shape[2]
    p, top = probs_after_audio.max(2)
    pred = torch.zeros(tags.shape[0], c1, dtype=torch.bool)
    hit = (top != 0) & (top != c1 - 1) & (p > COVERAGE_THRESHOLD)
    pred.scatter_(1, torch.where(hit, top, torch.zeros_like(top)), hit)
    pred = pred[:, 1:c1 - 1]
    gt = tags[:, 1:] > 0.5
    inter = (pred & gt).sum(1)
    union = (pred | gt).sum(1)
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones(len(union))).sum().item()


def evaluate(model, r, frames, lo, hi, batch):
    images, labels, waves, tags = frames
    metrics = Metrics(tags.shape[1], r["eval"]["protocol"], r["eval"]["betaSquared"])
    cover = 0.0
    with torch.no_grad():
        for i in range(lo, hi, batch):
            j = min(i + batch, hi)
            mag = spectrogram(waves[i:j], r)
            img = model.pixel(model.image(images[i:j]))
            aud = model.audio(backbone_input(mag, r))
            outs = model.decode_queries(img, aud)
            cover += coverage(outs[r["decoder"]["audioLayers"]][3].softmax(-1), tags[i:j])
            pred, fg = merge(outs[-1][3].softmax(-1), outs[-1][2], labels.shape[1], labels.shape[2])
            fg.numpy()                                          # the toolkit copies both maps to the host
            metrics.add(pred, labels[i:j])
    miou, fbeta = metrics.result()
    return miou, fbeta, cover / max(1, hi - lo)


def main():
    ap = argparse.ArgumentParser()
    reference_arguments(ap)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--profile", help="write a chrome trace of the evaluation of 40 frames after the warm-up here")
    a = ap.parse_args()
    r = start(a)
    frames = read_frames(a.frames)
    n = frames[0].shape[0]
    model = Model(r, a.classes, torch.Generator().manual_seed(a.seed), np.random.default_rng(a.seed))
    model.p.training = False                                     # batch norms in inference mode
    batch = r["optim"]["batchSize"]
    evaluate(model, r, frames, 0, min(a.warmup, n), batch)       # warm-up, as the toolkit's 8 frames
    if a.profile:
        with torch.autograd.profiler.profile(record_shapes=True) as prof:
            evaluate(model, r, frames, 0, min(40, n), batch)
        prof.export_chrome_trace(a.profile)
        return
    c0, p0, t0 = time.thread_time(), time.process_time(), time.perf_counter()
    miou, fbeta, cover = evaluate(model, r, frames, 0, n, batch)
    wall, cpu, proc = time.perf_counter() - t0, time.thread_time() - c0, time.process_time() - p0
    ident = "recipe=%s threads=%d" % (r["name"], a.threads)
    print("name,unit,value,detail")
    print('ref_eval_images_per_s,img/s,%.3f,"%s pytorch %s eager from python: %d test frames in %.2f s (forward,'
          ' merge, metrics; frames loaded before); %s mIoU %.4f F-beta %.4f coverage %.4f (own weights)"'
          % (n / wall, ident, torch.__version__, n, wall, r["eval"]["protocol"], miou, fbeta, cover))
    if a.threads == 1:
        print("ref_eval_images_per_cpu_s,img/s,%.3f,%s frames per CPU second of the evaluating thread"
              " (time.thread_time; process %.2f s for %.2f s of the thread)" % (n / cpu, ident, proc, cpu))


if __name__ == "__main__":
    main()
