#!/usr/bin/python3
"""Sets two chrome traces of five training steps side by side, op by op (bench/NOTES.md, "Profiling").

Usage: compare_profiles.py JAVA.json PYTHON.json [ROWS] [--by-shape]
  JAVA.json   from bench/profile.jsh (libtorch's profiler through DJL)
  PYTHON.json from train_step_ref.py --profile (torch.autograd.profiler)
Per op name: calls per step, self time per step (its own time, children excluded) and inclusive time, sorted
by the difference of the self times. Nesting is recovered from the time stamps of each thread's events.
With --by-shape, per op name and input shapes (self time only): the Java trace has the shapes of each event, the
Python side's come from PYTHON.json.shapes.txt, whose shape column is cut at 80 characters, so both are compared
on their first 60.
"""
import collections
import json
import re
import sys

STEPS = 5.0


def load(path, by_shape=False):
    with open(path) as f:
        d = json.load(f)
    events = d["traceEvents"] if isinstance(d, dict) else d
    events = [e for e in events if e.get("ph") == "X" and "dur" in e]
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[(e.get("pid"), e.get("tid"))].append(e)
    stats = collections.defaultdict(lambda: [0, 0.0, 0.0])  # calls, inclusive us, self us
    for es in by_thread.values():
        es.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []
        for e in es:
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
                stack.pop()
            e["_child"] = 0.0
            if stack:
                stack[-1]["_child"] += e["dur"]
            stack.append(e)
        for e in es:
            key = (e["name"], shape_key(e.get("shape"))) if by_shape else e["name"]
            s = stats[key]
            s[0] += 1
            s[1] += e["dur"]
            s[2] += e["dur"] - e["_child"]
    return stats


def shape_key(shape):
    return str(shape).replace(" ", "")[:60]


def micros(text):
    """A profiler table time ('1.234ms', '12.5us', '1.2s') in microseconds."""
    for unit, f in (("ms", 1e3), ("us", 1.0), ("s", 1e6)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * f
    return float(text)


def load_shapes_table(path):
    """Self CPU time and calls per (op, shapes) from torch's key_averages(group_by_input_shape=True) table."""
    stats = collections.defaultdict(lambda: [0, 0.0, 0.0])
    with open(path) as f:
        for line in f:
            parts = re.split(r"\s{2,}", line.strip())
            if len(parts) < 8 or line.startswith("-") or parts[0] == "Name":
                continue
            s = stats[(parts[0], shape_key(parts[7]))]
            s[0] += int(parts[6])
            s[2] += micros(parts[2])
    return stats


def by_shape(java, python, rows):
    a, b = load(java, by_shape=True), load_shapes_table(python + ".shapes.txt")
    zero = [0, 0.0, 0.0]
    print("%8s %8s %7s %7s  %s" % ("self j", "self py", "n java", "n py", "op and input shapes"))
    keys = sorted(set(a) | set(b), key=lambda k: -abs(a.get(k, zero)[2] - b.get(k, zero)[2]))
    for k in keys[:rows]:
        x, y = a.get(k, zero), b.get(k, zero)
        print("%8.2f %8.2f %7.1f %7.1f  %s %s" % (x[2] / STEPS / 1e3, y[2] / STEPS / 1e3, x[0] / STEPS, y[0] / STEPS,
                                                 k[0][:40], k[1]))


def main():
    args = [x for x in sys.argv[1:] if x != "--by-shape"]
    rows = int(args[2]) if len(args) > 2 else 40
    if "--by-shape" in sys.argv:
        by_shape(args[0], args[1], rows)
        return
    a, b = load(args[0]), load(args[1])
    print("self time per step: java %.1f ms, python %.1f ms; events per step: java %d, python %d" % (
        sum(v[2] for v in a.values()) / STEPS / 1e3, sum(v[2] for v in b.values()) / STEPS / 1e3,
        sum(v[0] for v in a.values()) / STEPS, sum(v[0] for v in b.values()) / STEPS))
    print("%-46s %7s %7s %8s %8s %8s %8s" % ("op", "n java", "n py", "self j", "self py", "incl j", "incl py"))
    zero = [0, 0.0, 0.0]
    names = sorted(set(a) | set(b), key=lambda k: -abs(a.get(k, zero)[2] - b.get(k, zero)[2]))
    for k in names[:rows]:
        x, y = a.get(k, zero), b.get(k, zero)
        print("%-46s %7.0f %7.0f %8.2f %8.2f %8.2f %8.2f" % (k[:46], x[0] / STEPS, y[0] / STEPS, x[2] / STEPS / 1e3,
                                                        y[2] / STEPS / 1e3, x[1] / STEPS / 1e3, y[1] / STEPS / 1e3))


if __name__ == "__main__":
    main()
