"""bench/compare: every client of the Colonies protocol on this machine, in
one run, interleaved: libcolonies in C, Python and Go, pycolonies from PyPI
(pure, and with our libcryptolib.so) and the upstream Go SDK at the server's
version, against the local server. Run it with bench/compare/run; see
bench/compare/README.md for what it measures and how."""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

OURS = ("C", "Python", "Go")
UPSTREAM, PYC = "upstream Go SDK", "pycolonies"
EXECUTORS = (1, 8)  # executors sharing one client in the cycle measure


def clients(build, pyc_python):
    """name -> (command prefix, extra environment)."""
    py_env = {"PYTHONPATH": os.path.join(build, "python")}
    native = {"CRYPTOLIB": os.path.join(build, "cryptolib", "libcryptolib.so")}
    worker_py = os.path.join(HERE, "worker.py")
    return {
        "C": ([os.path.join(build, "bench", "compare_worker")], {}),
        "Python": ([pyc_python, worker_py, "ours"], py_env),
        "Go": ([os.path.join(build, "compare", "go-ours")], {"LD_LIBRARY_PATH": os.path.join(build, "prefix", "lib")}),
        UPSTREAM: ([os.path.join(build, "compare", "go-upstream")], {}),
        PYC: ([pyc_python, worker_py, "pycolonies"], {}),
        "pycolonies + our cryptolib": ([pyc_python, worker_py, "pycolonies-native"], native),
    }


def run(cmd, env, args, timeout=900):
    done = subprocess.run(cmd + args, env=dict(os.environ, **env), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"compare: {' '.join(cmd + args)} failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_go(build):
    out = os.path.join(build, "compare")
    os.makedirs(out, exist_ok=True)
    for src, name in ((os.path.join(ROOT, "go"), "go-ours"), (os.path.join(ROOT, "tests", "upstream"), "go-upstream")):
        subprocess.run(["go", "build", "-o", os.path.join(out, name), "./" + ("internal/compareworker" if name == "go-ours"
                                                                               else "compareworker")],
                       cwd=src, check=True)


def make_ids(build, n):
    """n processes nobody runs, each read once per run, so that no two requests are alike."""
    sys.path.insert(0, os.path.join(build, "python"))
    from colonies import Colonies, func_spec
    c = Colonies(os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"]))
    key = os.environ["COLONIES_PRVKEY"]
    spec = func_spec(func="noop", args=[], colonyname=os.environ["COLONIES_COLONY_NAME"],
                     executortype="bench-compare-nobody")
    path = os.path.join(build, "compare", "ids.txt")
    with open(path, "w") as f:
        f.write("\n".join(c.submit_func_spec(spec, key).processid for _ in range(n)))
    return path


def bench_executor():
    """An executor of a type of its own for the wait and cycle measures, registered with
    the colony owner's key; (its key, its type, a function that removes it)."""
    from colonies import Colonies, Crypto
    c = Colonies(os.environ["COLONIES_SERVER_HOST"], int(os.environ["COLONIES_SERVER_PORT"]))
    colony, owner = os.environ["COLONIES_COLONY_NAME"], os.environ["COLONIES_COLONY_PRVKEY"]
    crypto = Crypto()
    key = crypto.prvkey()
    name = f"bench-wait-{crypto.id(key)[:8]}"
    c.add_executor({"executorname": name, "executorid": crypto.id(key), "colonyname": colony,
                    "executortype": name}, owner)
    c.approve_executor(colony, name, owner)
    return key, name, lambda: c.remove_executor(colony, name, owner)


def import_cost(pyc_python, build, reps):
    """Seconds an import adds to a bare interpreter, median of reps each (interleaved)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
    # pip compiled pycolonies when it installed it; the build tree's package is compiled
    # here the same way (PYTHONDONTWRITEBYTECODE may keep imports from doing it).
    subprocess.run([pyc_python, "-m", "compileall", "-q", os.path.join(build, "python", "colonies")], check=True)
    stmts = {"bare": "pass", "Python": "import colonies", PYC: "import pycolonies"}
    times = {k: [] for k in stmts}
    for _ in range(reps):
        for k, stmt in stmts.items():
            t0 = time.perf_counter()
            subprocess.run([pyc_python, "-c", stmt], env=env, check=True)
            times[k].append(time.perf_counter() - t0)
    bare = statistics.median(times["bare"])
    return {k: statistics.median(v) - bare for k, v in times.items() if k != "bare"}


def executor_rss(pyc_python, build):
    """Resident memory (MiB) of an echo executor blocked in assign: ours and pycolonies'."""
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"), EXECUTOR_TYPE="bench-echo")
    cmds = {"Python": [pyc_python, os.path.join(ROOT, "examples", "python", "executor.py")],
            PYC: [pyc_python, os.path.join(HERE, "worker.py"), "pycolonies", "executor"]}
    out = {}
    for name, cmd in cmds.items():
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = p.stdout.readline()
            if "ready" not in line:
                sys.exit(f"compare: the {name} executor did not start: {line!r}")
            time.sleep(2)  # blocked in assign by now
            with open(f"/proc/{p.pid}/status") as f:
                out[name] = next(int(x.split()[1]) for x in f if x.startswith("VmRSS:")) / 1024
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
    return out


def spread(values):
    return statistics.median(values), min(values), max(values)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--pycolonies-python", default=os.path.join(ROOT, "build", "venv-pycolonies", "bin", "python"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--calls", type=int, default=600, help="requests per RPC measure")
    ap.add_argument("--quick", action="store_true", help="a smoke run: one repetition, few calls")
    ap.add_argument("--out", default=None, help="where results.md, results.json and compare.png go")
    a = ap.parse_args()
    if a.quick:
        a.reps, a.calls = 1, 80
    out_dir = a.out or os.path.join(a.build, "compare")
    os.makedirs(out_dir, exist_ok=True)
    for v in ("COLONIES_SERVER_HOST", "COLONIES_SERVER_PORT", "COLONIES_PRVKEY", "COLONIES_COLONY_NAME",
              "COLONIES_COLONY_PRVKEY"):
        if not os.environ.get(v):
            sys.exit(f"compare: {v} is not set: eval \"$(scripts/colonies-server env)\" first")
    build_go(a.build)
    cl = clients(a.build, a.pycolonies_python)
    ids = make_ids(a.build, a.calls + 1)  # also puts the build's package on sys.path
    exec_key, exec_type, remove_executor = bench_executor()
    for name in cl:
        cl[name][1].update(BENCH_EXECUTOR_KEY=exec_key, BENCH_EXECUTOR_TYPE=exec_type)
    waits = 5 if a.quick else 30
    n_cycles = 20 if a.quick else 150
    inflight = (1, 4, 16, 64)
    raw = {name: {} for name in cl}

    def add(name, key, value):
        if value is not None:
            raw[name].setdefault(key, []).append(value)

    names = list(cl)
    for rep in range(a.reps):
        order = names[rep % len(names):] + names[:rep % len(names)]  # each client first in turn
        for name in order:
            cmd, env = cl[name]
            n = 200 if name == PYC else 2000
            s = run(cmd, env, ["sign", str(n if not a.quick else n // 4)])
            add(name, "sign_us", s["sign_us"])
            add(name, "recover_us", s.get("recover_us"))
            r = run(cmd, env, ["rpc", ids])
            add(name, "cpu_us_per_rpc", r["cpu_us_per_call"])
            for k in inflight:
                r = run(cmd, env, ["inflight", str(k), ids])
                add(name, f"calls_per_s@{k}", r["calls_per_s"])
                add(name, f"cpu_us_per_call@{k}", r["cpu_us_per_call"])
            w = run(cmd, env, ["wait", str(waits)])
            add(name, "wait_p50_ms", w["p50_ms"])
            add(name, "wait_p99_ms", w["p99_ms"])
            for e in EXECUTORS:
                r = run(cmd, env, ["cycles", str(e), str(n_cycles)])
                add(name, f"cycles_per_s@{e}", r["cycles_per_s"])
                add(name, f"cpu_us_per_cycle@{e}", r["cpu_us_per_cycle"])
        print(f"compare: repetition {rep + 1} of {a.reps} done", flush=True)
    remove_executor()
    imports = import_cost(a.pycolonies_python, a.build, max(5, a.reps * 3))
    rss = executor_rss(a.pycolonies_python, a.build)
    summary = {name: {k: spread(v) for k, v in m.items()} for name, m in raw.items()}
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"raw": raw, "imports_s": imports, "executor_rss_mib": rss}, f, indent=1)
    report = table(summary, inflight, imports, rss, a)
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(report)
    print(report)
    png = plot(summary, inflight, out_dir)
    print(f"compare: results in {out_dir}/results.md, results.json" + (f" and {png}" if png else ""))


def fmt(s, digits=0):
    med, lo, hi = s
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def table(summary, inflight, imports, rss, a):
    measures = [("sign_us", "sign µs/op", 1), ("recover_us", "recover µs/op", 1),
                ("cpu_us_per_rpc", "CPU µs per RPC (sequential)", 0)]
    measures += [(f"calls_per_s@{k}", f"get_process calls/s, {k} in flight", 0) for k in inflight]
    measures += [(f"cpu_us_per_call@{k}", f"CPU µs per call, {k} in flight", 0) for k in (64,)]
    measures += [("wait_p50_ms", "wait: close → waiter, p50 ms", 1), ("wait_p99_ms", "wait: close → waiter, p99 ms", 1)]
    measures += [(f"cycles_per_s@{e}", f"submit → assign → close cycles/s, {e} executor(s)", 0) for e in EXECUTORS]
    measures += [(f"cpu_us_per_cycle@{e}", f"CPU µs per cycle, {e} executor(s)", 0) for e in EXECUTORS]
    lines = [f"# bench/compare: {a.reps} repetition(s), {a.calls} calls per measure, interleaved", "",
             "Median (min–max) over the repetitions; each figure's ratio to the upstream Go SDK and to "
             "pycolonies (pure) beneath it.", "",
             "| measure | " + " | ".join(summary) + " |", "|---|" + "---|" * len(summary)]
    for key, label, digits in measures:
        row, ratios = [], []
        up, pyc = summary[UPSTREAM].get(key), summary[PYC].get(key)
        for name, m in summary.items():
            s = m.get(key)
            row.append(fmt(s, digits) if s else "—")
            parts = []
            if s and up:
                parts.append(f"{s[0] / up[0]:.2f}× Go SDK")
            if s and pyc:
                parts.append(f"{s[0] / pyc[0]:.2f}× pyc")
            ratios.append(", ".join(parts) or "")
        lines.append(f"| {label} | " + " | ".join(row) + " |")
        lines.append("| (ratio) | " + " | ".join(ratios) + " |")
    lines += ["", f"Python import cost above a bare interpreter: libcolonies {imports['Python'] * 1000:.1f} ms, "
              f"pycolonies {imports[PYC] * 1000:.1f} ms (ratio {imports['Python'] / imports[PYC]:.2f}).",
              f"An echo executor blocked in assign: libcolonies {rss['Python']:.1f} MiB resident, pycolonies "
              f"{rss[PYC]:.1f} MiB (ratio {rss['Python'] / rss[PYC]:.2f}).", ""]
    lines += ["## Targets", ""] + targets(summary, imports, rss) + [""]
    return "\n".join(lines)


def targets(summary, imports, rss):
    c = summary["C"]
    out = []

    def check(text, value, limit):
        out.append(f"- {text}: {value:.2f} (target ≤ {limit}) — {'met' if value <= limit else 'not met'}")
    check("C: CPU per signed RPC / CPU of its signature", c["cpu_us_per_rpc"][0] / c["sign_us"][0], 2)
    check("Python / C, CPU per RPC", summary["Python"]["cpu_us_per_rpc"][0] / c["cpu_us_per_rpc"][0], 1.2)
    check("Go / C, CPU per RPC", summary["Go"]["cpu_us_per_rpc"][0] / c["cpu_us_per_rpc"][0], 1.3)
    for name in OURS:
        check(f"{name} / upstream Go SDK, CPU per RPC",
              summary[name]["cpu_us_per_rpc"][0] / summary[UPSTREAM]["cpu_us_per_rpc"][0], 0.3)
    best = max(m["calls_per_s@64"][0] for m in summary.values())
    for name in OURS:
        m = summary[name]
        out.append(f"- {name} at 64 in flight: {m['calls_per_s@64'][0] / best:.2f} of the best calls/s, at "
                   f"{m['cpu_us_per_call@64'][0] / summary[UPSTREAM]['cpu_us_per_call@64'][0]:.2f}× the Go SDK's "
                   "CPU per call (target: 1.00 of the best, at ≤ 0.25×)")
    check("Python import cost / pycolonies'", imports["Python"] / imports[PYC], 0.1)
    check("blocked executor memory / pycolonies'", rss["Python"] / rss[PYC], 0.5)
    return out


def plot(summary, inflight, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("compare: matplotlib is not installed: no plot")
        return None
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(18, 5))
    names = list(summary)
    cpu = [summary[n]["cpu_us_per_rpc"][0] for n in names]
    ax1.barh(names, cpu, color=["tab:blue"] * 3 + ["tab:gray"] * 3)
    ax1.set_xscale("log")
    ax1.set_xlabel("client CPU µs per signed RPC (log)")
    ax1.invert_yaxis()
    for n in names:
        ax2.plot(inflight, [summary[n][f"calls_per_s@{k}"][0] for k in inflight], marker="o", label=n)
    ax2.set_xscale("log", base=2)
    ax2.set_xticks(inflight, [str(k) for k in inflight])
    ax2.set_xlabel("get_process calls in flight on one client")
    ax2.set_ylabel("calls/s")
    ax2.legend(fontsize=8)
    width = 0.8 / len(EXECUTORS)
    for i, e in enumerate(EXECUTORS):
        ax3.barh([j + i * width for j in range(len(names))], [summary[n][f"cycles_per_s@{e}"][0] for n in names],
                 height=width, label=f"{e} executor(s)")
    ax3.set_yticks([j + width * (len(EXECUTORS) - 1) / 2 for j in range(len(names))], names)
    ax3.invert_yaxis()
    ax3.set_xlabel("submit → assign → close cycles/s, one client")
    ax3.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, "compare.png")
    fig.savefig(path, dpi=110)
    return path


if __name__ == "__main__":
    main()
