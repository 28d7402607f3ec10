#!/usr/bin/python3
"""Sets two chrome traces of five training steps side by side, op by op (bench/NOTES.md, "Profiling").

Usage: compare_profiles.py JAVA.json PYTHON.json [ROWS]
  JAVA.json   from bench/profile.jsh (libtorch's profiler through DJL)
  PYTHON.json from train_step_ref.py --profile (torch.autograd.profiler)
Per op name: calls per step, self time per step (its own time, children excluded) and inclusive time, sorted
by the difference of the self times. Nesting is recovered from the time stamps of each thread's events.
"""
import collections
import json
import sys

STEPS = 5.0


def load(path):
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
            s = stats[e["name"]]
            s[0] += 1
            s[1] += e["dur"]
            s[2] += e["dur"] - e["_child"]
    return stats


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 40
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
