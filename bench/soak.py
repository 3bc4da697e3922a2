#!/usr/bin/env python3
"""Soak: SESSIONS simulated data-entry sessions, each saving one value a second over its own
keep-alive connection for MINUTES, while bulk imports of IMPORT_ROWS values go through the API
every IMPORT_EVERY seconds. A reader polls /health at the same time, the reference.

Afterwards every session's value and history are read back through the API: the stored value
must be the last one the server acknowledged, and the history must hold exactly one entry per
acknowledged save (no lost write, no duplicated one). Prints p50/p99 of saves beside /health's.

Usage: bench/soak.py PORT TOKEN [--sessions 500] [--minutes 10] [--import-rows 20000] [--import-every 30]
(bench/soak starts a release server on the demo and calls this.)"""
import argparse, asyncio, json, random, statistics, sys, time, urllib.parse


class Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.reader = self.writer = None

    async def request(self, method, path, body=None, timeout=60):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n")
        self.writer.write(head.encode() + data)
        await self.writer.drain()
        status_line = await asyncio.wait_for(self.reader.readline(), timeout)
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
            if k.lower() == "transfer-encoding" and "chunked" in v:
                chunked = True
        if chunked:
            payload = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                payload += await self.reader.readexactly(size)
                await self.reader.readline()
        else:
            payload = await self.reader.readexactly(length)
        return status, payload

    def close(self):
        if self.writer:
            self.writer.close()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round((len(xs) - 1) * p)))] if xs else float("nan")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("token")
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--import-rows", type=int, default=20000)
    ap.add_argument("--import-every", type=float, default=30)
    a = ap.parse_args()

    setup = Conn(a.port, a.token)
    _, body = await setup.request(
        "GET", "/api/dataSets?paging=false&fields=id,periodType,dataSetElements%5BdataElement%5D,organisationUnits")
    forms = json.loads(body)["dataSets"]
    monthly = [f for f in forms if f["periodType"] == "Monthly" and f["organisationUnits"]]
    _, body = await setup.request(
        "GET", "/api/dataElements?paging=false&fields=id,valueType,categoryCombo%5BcategoryOptionCombos%5D")
    elements = {e["id"]: e for e in json.loads(body)["dataElements"]}
    # Keys nobody else writes: each session its own (element, unit, month); imports take another element.
    pairs = [(d["dataElement"]["id"], u["id"]) for f in monthly for d in f["dataSetElements"] for u in f["organisationUnits"]
             if elements[d["dataElement"]["id"]]["valueType"].startswith("INTEGER")
             and len(elements[d["dataElement"]["id"]]["categoryCombo"]["categoryOptionCombos"]) == 1]
    # The demo approves 2013–2017 (approved data are locked) and has no value after: sessions write
    # 2018–2020, imports 2021–2022, so that every key is open and no key is written by both; units
    # closed by then are left out.
    _, body = await setup.request("GET", "/api/organisationUnits?paging=false&fields=id,closedDate")
    closed = {u["id"] for u in json.loads(body)["organisationUnits"] if u.get("closedDate")}
    pairs = [(e, u) for e, u in pairs if u not in closed]
    months = [f"{y}{m:02d}" for y in range(2018, 2021) for m in range(1, 13)]
    import_keys = [(e, u, f"{y}{m:02d}") for y in (2021, 2022) for m in range(1, 13) for e, u in pairs]
    keys = []
    for i in range(a.sessions):
        e, u = pairs[i % len(pairs)]
        keys.append((e, u, months[(i // len(pairs)) % len(months)]))
    assert len(set(keys)) == len(keys), "not enough distinct keys for the sessions"

    baseline = {}
    for k in keys:
        q = urllib.parse.urlencode({"de": k[0], "ou": k[1], "pe": k[2]})
        _, body = await setup.request("GET", f"/api/audits/dataValue?{q}")
        baseline[k] = len(json.loads(body))

    deadline = time.monotonic() + a.minutes * 60
    latencies, errors, acked = [], [], {k: [] for k in keys}
    health = []
    imports = {"ok": 0, "failed": 0, "rows": 0, "seconds": []}

    async def session(i, k):
        c = Conn(a.port, a.token)
        value = random.randint(1_000_000, 9_000_000) * 10
        await asyncio.sleep(random.random())
        while time.monotonic() < deadline:
            value += 1
            t = time.monotonic()
            try:
                status, payload = await c.request("POST", "/api/dataValues",
                                                  {"dataElement": k[0], "orgUnit": k[1], "period": k[2], "value": str(value)})
                latencies.append((time.monotonic() - t) * 1000)
                if status in (200, 201):
                    acked[k].append(value)
                else:
                    errors.append((status, payload[:200]))
            except Exception as e:  # a lost connection is an error, and the next save reconnects
                errors.append(("exception", str(e)))
                c.close()
                c = Conn(a.port, a.token)
            await asyncio.sleep(max(0, 1 - (time.monotonic() - t)))
        c.close()

    async def reader():
        c = Conn(a.port, a.token)
        while time.monotonic() < deadline:
            t = time.monotonic()
            status, _ = await c.request("GET", "/health")
            health.append((time.monotonic() - t) * 1000)
            await asyncio.sleep(0.1)
        c.close()

    async def importer():
        c = Conn(a.port, a.token)
        n = 0
        while time.monotonic() + a.import_every < deadline:
            await asyncio.sleep(a.import_every)
            n += 1
            rows = [{"dataElement": k[0], "orgUnit": k[1], "period": k[2], "value": str(n * 1000 + r % 997)}
                    for r, k in enumerate(import_keys[:a.import_rows])]
            t = time.monotonic()
            status, payload = await c.request("POST", "/api/dataValueSets", {"dataValues": rows}, timeout=600)
            imports["seconds"].append(time.monotonic() - t)
            imports["ok" if status == 200 else "failed"] += 1
            imports["rows"] += len(rows)
        c.close()

    print(f"soak: {a.sessions} sessions saving a value a second for {a.minutes} min, imports of "
          f"{min(a.import_rows, len(import_keys))} values every {a.import_every} s", flush=True)
    await asyncio.gather(*[session(i, k) for i, k in enumerate(keys)], reader(), importer())

    lost = duplicated = wrong = 0
    for k in keys:
        q = urllib.parse.urlencode({"de": k[0], "ou": k[1], "pe": k[2]})
        _, body = await setup.request("GET", f"/api/dataValues?{q}")
        stored = json.loads(body).get("value") if acked[k] else None
        _, body = await setup.request("GET", f"/api/audits/dataValue?{q}")
        entries = len(json.loads(body)) - baseline[k]
        if acked[k] and stored != str(acked[k][-1]):
            wrong += 1
        if entries < len(acked[k]):
            lost += len(acked[k]) - entries
        if entries > len(acked[k]):
            duplicated += entries - len(acked[k])
    setup.close()

    saves = sum(len(v) for v in acked.values())
    p50, p99 = statistics.median(latencies), pct(latencies, 0.99)
    h50, h99 = statistics.median(health), pct(health, 0.99)
    print(f"{'run':14} {'p50_ms':>8} {'p99_ms':>8} {'count':>8} {'p99/ref':>8}")
    print(f"{'reference':14} {h50:8.1f} {h99:8.1f} {len(health):8d} {1:8.2f}")
    print(f"{'saves':14} {p50:8.1f} {p99:8.1f} {saves:8d} {p99 / h99:8.2f}")
    imp = imports["seconds"]
    print(f"imports: {imports['ok']} ok, {imports['failed']} failed, {imports['rows']} values, "
          f"{(statistics.median(imp) if imp else 0):.1f} s each (median)")
    print(f"errors: {len(errors)}; lost writes: {lost}; duplicated writes: {duplicated}; "
          f"keys whose stored value is not the last acknowledged: {wrong}")
    if errors:
        print("first errors:", errors[:5])
    ok = not errors and lost == 0 and duplicated == 0 and wrong == 0 and imports["failed"] == 0
    print("soak: OK" if ok else "soak: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
