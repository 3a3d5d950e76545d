#!/usr/bin/env python3
"""Prints the medians of criterion results (target/criterion) as Markdown tables.

    python3 benches/summarize.py [GROUP_PREFIX...]

One row per benchmark id, one column per function when ids are `<case>/<function>`
(so `eval_1m/typical/predicate` and `eval_1m/typical/closure` share a row, with their ratio).
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion")


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def results(prefixes):
    out = {}
    for dirpath, _dirs, files in os.walk(ROOT):
        if "benchmark.json" not in files or os.path.basename(dirpath) != "new":
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            meta = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        group, ident = meta["group_id"], meta["full_id"][len(meta["group_id"]) + 1 :]
        if prefixes and not any(group.startswith(p) for p in prefixes):
            continue
        tp = meta.get("throughput") or {}
        out.setdefault(group, {})[ident] = (est["median"]["point_estimate"], tp)
    return out


def main():
    for group, rows in sorted(results(sys.argv[1:]).items()):
        print(f"\n#### {group}\n")
        split = all("/" in k for k in rows)
        if split:
            cases, funcs = {}, []
            for k in rows:
                case, func = k.rsplit("/", 1)
                cases.setdefault(case, {})[func] = rows[k]
                if func not in funcs:
                    funcs.append(func)
            order = ["predicate", "closure", "generated", "handwritten"]
            funcs.sort(key=lambda f: order.index(f) if f in order else len(order))
            head = ["case"] + funcs
            if len(funcs) >= 2:
                head.append(f"{funcs[0]} / {funcs[1]}")
            print("| " + " | ".join(head) + " |")
            print("|" + "---|" * len(head))
            for case, fs in cases.items():
                cells = [case] + [fmt(fs[f][0]) if f in fs else "" for f in funcs]
                if len(funcs) >= 2 and funcs[0] in fs and funcs[1] in fs:
                    cells.append(f"{fs[funcs[0]][0] / fs[funcs[1]][0]:.2f}")
                print("| " + " | ".join(cells) + " |")
        else:
            print("| id | median | throughput |")
            print("|---|---|---|")
            for k, (ns, tp) in rows.items():
                rate = ""
                if "Bytes" in tp:
                    rate = f"{tp['Bytes'] / ns * 1e9 / 1e6:.0f} MB/s"
                elif "Elements" in tp:
                    rate = f"{tp['Elements'] / ns * 1e9 / 1e6:.2f} M/s"
                print(f"| {k} | {fmt(ns)} | {rate} |")


if __name__ == "__main__":
    main()
