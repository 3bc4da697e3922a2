#!/usr/bin/env python3
"""Crash harness: kill -9 the server and command-line imports at random moments, again and
again, then check the database: SQLite's integrity_check, and every import all or nothing.

Each round starts the server on a copy of the demo, sends a bulk import of the same keys through
the API (every row of round r carries the value B+r) while a command-line import of another key
set (value C+r) runs, and kills both with SIGKILL after a random delay. The server is then
restarted on the same file. Afterwards each key set must hold one value only: all of its rows
come from one complete import, never a mix of two.

Usage: bench/crash.py QORGAN_BINARY [--rounds 10] [--seed N]   (bench/crash builds and calls it)"""
import argparse, csv, io, json, os, random, shutil, signal, subprocess, sys, tempfile, time, urllib.request


def wait_serving(log, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        text = open(log).read()
        if "Qorgan is serving" in text:
            return int(text.split("Qorgan is serving http://127.0.0.1:")[1].split(" ")[0])
        time.sleep(0.1)
    raise RuntimeError("the server did not start: " + open(log).read()[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp()
    db = os.path.join(work, "crash.sqlite")
    env = dict(os.environ, QORGAN_DATABASE=db, QORGAN_USER="crash")
    subprocess.run([a.binary, "demo"], env=env, check=True, capture_output=True)

    # Two disjoint key sets of monthly values: one for the API, one for the command line.
    export = subprocess.run([a.binary, "values", "export", "--id-scheme", "code"], env=env, check=True, capture_output=True, text=True).stdout
    rows = [r for r in csv.DictReader(io.StringIO(export)) if r["value"].isdigit() and not r["dataelement"].startswith(("INC_", "SITE", "READINESS", "PRESCRIPTIONS"))]
    rng.shuffle(rows)
    api_keys = rows[: len(rows) // 2][:12000]
    cli_keys = rows[len(rows) // 2:][:12000]
    print(f"crash: {a.rounds} rounds, seed {a.seed}; {len(api_keys)} values through the API, {len(cli_keys)} from the command line")

    def cli_file(value):
        path = os.path.join(work, f"import-{value}.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo", "value"])
            for r in cli_keys:
                w.writerow([r["dataelement"], r["period"], r["orgunit"], r["categoryoptioncombo"], r["attributeoptioncombo"], value])
        return path

    def api_set(value):
        return json.dumps({"dataValues": [{"dataElement": r["dataelement"], "period": r["period"], "orgUnit": r["orgunit"],
                                           "categoryOptionCombo": r["categoryoptioncombo"], "value": str(value)} for r in api_keys]}).encode()

    def key(r):
        return (r["dataelement"], r["period"], r["orgunit"], r["categoryoptioncombo"])

    # Round 0 makes both key sets uniform.
    subprocess.run([a.binary, "values", "import", cli_file(5_000_000)], env=env, check=True, capture_output=True)
    log = os.path.join(work, "serve.log")
    token = None
    kills = {"server": 0, "cli": 0, "api_acknowledged": 0, "cli_finished": 0}
    for rnd in range(a.rounds + 1):
        server = subprocess.Popen([a.binary, "serve", "--demo", "--port", "0", "--log-level", "warning"], env=env,
                                  stdout=open(log, "w"), stderr=subprocess.STDOUT)
        port = wait_serving(log)
        if token is None:
            token = subprocess.run([a.binary, "users", "token", "admin", "--name", "crash"], env=env, check=True,
                                   capture_output=True, text=True).stdout.strip()
        if rnd == 0:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/dataValueSets", data=api_set(6_000_000), method="POST",
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=120).read()
            server.send_signal(signal.SIGKILL)
            server.wait()
            continue
        cli = subprocess.Popen([a.binary, "values", "import", cli_file(5_000_000 + rnd)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        body = api_set(6_000_000 + rnd)
        sender = subprocess.Popen(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", f"Authorization: Bearer {token}",
                                   "-H", "Content-Type: application/json", "--data-binary", "@-",
                                   f"http://127.0.0.1:{port}/api/dataValueSets"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        sender.stdin.write(body)
        sender.stdin.close()
        time.sleep(rng.uniform(0.02, 1.2))
        server.send_signal(signal.SIGKILL)
        kills["server"] += 1
        if cli.poll() is None:
            cli.send_signal(signal.SIGKILL)
            kills["cli"] += 1
        else:
            kills["cli_finished"] += 1
        server.wait()
        cli.wait()
        if sender.stdout.read().decode() == "200":
            kills["api_acknowledged"] += 1
        sender.wait()

    integrity = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True).stdout.strip()
    export = subprocess.run([a.binary, "values", "export", "--id-scheme", "code"], env=env, check=True, capture_output=True, text=True).stdout
    stored = {key(r): r["value"] for r in csv.DictReader(io.StringIO(export))}
    api_values = {stored.get(key(r)) for r in api_keys}
    cli_values = {stored.get(key(r)) for r in cli_keys}
    print(f"kills: server {kills['server']}, command-line import {kills['cli']} (finished before the kill: {kills['cli_finished']}); "
          f"API imports acknowledged before the kill: {kills['api_acknowledged']}")
    print(f"integrity_check: {integrity}")
    print(f"API key set holds {len(api_values)} distinct value(s): {sorted(v or 'missing' for v in api_values)}")
    print(f"command-line key set holds {len(cli_values)} distinct value(s): {sorted(v or 'missing' for v in cli_values)}")
    ok = integrity == "ok" and len(api_values) == 1 and len(cli_values) == 1 and None not in api_values | cli_values
    print("crash: OK, every import all or nothing" if ok else "crash: FAILED")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
