"""The README is a contract: every command block of README.md runs, in order, in a fresh folder, as a
new user would type it, and the outputs the README states are checked.

    python3 Tests/readme/readme_test.py QORGAN_BINARY REPOSITORY

How a block is run:
- `qorgan` is the built binary (on PATH); `swift run qorgan` means the same; `swift build && alias …`
  is what gives a reader that binary, and `scripts/test` is the test command itself: neither runs here.
- `qorgan serve` starts in the background and the block goes on once it serves; a server on a port
  already served ("in another terminal") is the one running. The README's ports 8080 and 8090 become
  free ports of this machine, in every command.
- Every other command must exit 0 (`qorgan validate` 3, as the README says, when a rule is broken;
  curl is given --fail-with-body, so that an HTTP error fails it),
  and where the README states an output (`# F2 is now 3`), the output must say it.
- A block after `<!-- readme-test: skip REASON -->` is not run; the reason is printed.
- Python blocks run with python3 against the servers.
Prints one line per command; exits non-zero at the first that fails."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

binary, repo = sys.argv[1], sys.argv[2]

# What the README's comments state, checked in the command's output (by the command's text).
STATED = [
    (r"^curl .*api/expressions/description", ['"status":"OK"', "Target group", '"value":32.1']),
    (r"^qorgan report\s+# F(\d+) is now (\S+)", None),  # generic: the figure's line carries the value
    (r"^qorgan completeness --data-set SECURITY --periods 2017\b", ["190 of 192"]),
    (r"^qorgan compute IND_TG_COVERAGE --unit KZ --periods 2016\b", ["32.1", "numerator 50686, denominator 157900"]),
    (r"^qorgan validate --periods 2013\.\.2017\b", ["AST", "2017Q1", "ALA_ALATAU", "201703"]),
    (r"^qorgan values import values\.csv --dry-run", ["unchanged 27799", "Would import 0, updated 0"]),
    (r"^qorgan demo --force", ["Illustrative"]),
    (r"^qorgan complete .*--incomplete", ["is incomplete"]),
    (r"^qorgan incidents import examples/gtd\.csv", ["Would import 2 incidents"]),
    (r"^qorgan periods ", ["FinancialNov", "2016-11-01"]),
    (r"^curl .*api/dataValueSets\.csv", ["201801", "court records"]),
    (r"^curl .*api/public/analytics\.csv", ["dx,pe,ou,value", "Aktobe region"]),
]
EXIT = [(r"^qorgan validate\b", {3})]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def blocks(text):
    """(language, lines, skip reason or None, line number) for each fenced sh or python block."""
    out = []
    lines = text.split("\n")
    i = 0
    previous = ""
    while i < len(lines):
        m = re.match(r"^```(\w+)\s*$", lines[i])
        if m:
            lang = m.group(1)
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            skip = re.search(r"<!-- readme-test: skip (.*?) -->", previous)
            if lang in ("sh", "python"):
                out.append((lang, lines[start:j], skip.group(1) if skip else None, start))
            i = j + 1
            continue
        if lines[i].strip():
            previous = lines[i]
        i += 1
    return out


def commands(lines):
    """Shell commands: continued lines joined, here-documents kept whole."""
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        cmd = line
        while cmd.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd.rstrip()[:-1] + " " + lines[i].strip()
        here = re.search(r"<<'?(\w+)'?", cmd)
        if here:
            end = here.group(1)
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != end:
                body.append(lines[i])
                i += 1
            cmd = cmd + "\n" + "\n".join(body) + "\n" + end
        out.append(cmd)
        i += 1
    return out


def fail(what):
    print("FAIL:", what, flush=True)
    for s in servers.values():
        s.terminate()
    raise SystemExit(1)


def ok(what):
    print("ok:", what, flush=True)


work = tempfile.mkdtemp(prefix="qorgan-readme-")
bindir = os.path.join(work, ".bin")
os.makedirs(bindir)
os.symlink(binary, os.path.join(bindir, "qorgan"))
os.symlink(os.path.join(repo, "examples"), os.path.join(work, "examples"))
env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), QORGAN_USER="readme")
env.pop("QORGAN_DATABASE", None)
ports = {"8080": str(free_port()), "8090": str(free_port())}
servers = {}  # port → process


def localise(cmd):
    cmd = re.sub(r"\bswift run qorgan\b", "qorgan", cmd)
    # An HTTP error is a failed command here (curl itself exits 0 on a 4xx).
    cmd = re.sub(r"^curl ", "curl -sS --fail-with-body ", cmd)
    for readme_port, port in ports.items():
        cmd = cmd.replace("127.0.0.1:" + readme_port, "127.0.0.1:" + port)
        cmd = re.sub(r"--port " + readme_port + r"\b", "--port " + port, cmd)
    return cmd


def serve(cmd, where):
    cmd = localise(cmd)
    port = re.search(r"--port (\d+)", cmd)
    port = port.group(1) if port else ports["8080"]
    if "--port" not in cmd:
        cmd = cmd.split("#")[0].rstrip() + " --port " + port
    if port in servers and servers[port].poll() is None:
        ok("%s: already serving on that port (the README's other terminal)" % where)
        return
    log = open(os.path.join(work, ".serve-%s.log" % port), "w+")
    p = subprocess.Popen(["bash", "-c", "exec " + cmd.split(" #")[0]], cwd=work, env=env, stdout=log,
                         stderr=subprocess.STDOUT)
    servers[port] = p
    deadline = time.time() + 180
    while time.time() < deadline:
        log.seek(0)
        text = log.read()
        if "Qorgan is serving" in text:
            ok("%s: %s serves (%s)" % (where, cmd.split(" #")[0][:80], text.strip().split("\n")[-1][:100]))
            return
        if p.poll() is not None:
            fail("%s: the server stopped: %s" % (where, text[-2000:]))
        time.sleep(0.2)
    fail("%s: the server did not start in 3 minutes" % where)


def check(cmd, status, output, where):
    first = cmd.split("\n")[0]
    allowed = {0}
    for pattern, codes in EXIT:
        if re.search(pattern, first):
            allowed = codes
    if status not in allowed:
        fail("%s: `%s` exited %d (expected %s):\n%s" % (where, first[:120], status, sorted(allowed), output[-3000:]))
    for pattern, wanted in STATED:
        m = re.search(pattern, first)
        if not m:
            continue
        if wanted is None:
            figure, value = m.group(1), m.group(2)
            line = next((l for l in output.split("\n") if l.startswith("F%s " % figure)), "")
            if (" %s " % value) not in line:
                fail("%s: the README says F%s is now %s; the report says: %s" % (where, figure, value, line))
            ok("%s: F%s is now %s, as the README says" % (where, figure, value))
        else:
            for w in wanted:
                if w not in output:
                    fail("%s: the README states '%s' for `%s`; it printed:\n%s" % (where, w, first[:100], output[-3000:]))
            ok("%s: `%s` says %s" % (where, first[:70], ", ".join(wanted)))


def run_script(cmds, where):
    marker = "@@README@@"
    script = ["set -o pipefail"]
    for n, cmd in enumerate(cmds):
        script.append("{ %s\n} 2>&1" % localise(cmd))
        script.append("echo \"%s $? %d\"" % (marker, n))
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=900)
    text = done.stdout
    pos = 0
    for n, cmd in enumerate(cmds):
        m = re.compile(re.escape(marker) + r" (\d+) %d\n" % n).search(text, pos)
        if not m:
            fail("%s: `%s` did not finish (%s)" % (where, cmd.split("\n")[0][:100], (text[pos:] + done.stderr)[-2000:]))
        output = text[pos:m.start()]
        pos = m.end()
        check(cmd, int(m.group(1)), output, "%s, command %d" % (where, n + 1))
        ok("%s: `%s` exited %s" % (where, cmd.split("\n")[0][:100], m.group(1)))


readme = open(os.path.join(repo, "README.md"), encoding="utf-8").read()
ran = 0
try:
    for lang, lines, skip, line in blocks(readme):
        where = "README.md:%d" % line
        if skip:
            ok("%s: not run here: %s" % (where, skip))
            continue
        if lang == "python":
            code = localise("\n".join(lines))
            done = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True,
                                  timeout=600)
            if done.returncode != 0:
                fail("%s: the Python block failed:\n%s" % (where, done.stderr[-3000:]))
            ok("%s: the Python block runs" % where)
            ran += 1
            continue
        pending = []
        for cmd in commands(lines):
            head = cmd.strip()
            if re.match(r"^(swift run )?qorgan serve\b", head):
                if pending:
                    run_script(pending, where)
                    ran += len(pending)
                    pending = []
                serve(head, where)
                ran += 1
            elif head.startswith("swift build") or head.startswith("scripts/test"):
                ok("%s: `%s` is how a reader builds and tests; here the binary is given" % (where, head[:60]))
            else:
                pending.append(cmd)
        if pending:
            run_script(pending, where)
            ran += len(pending)
    print("all README blocks ran: %d commands" % ran, flush=True)
finally:
    for s in servers.values():
        s.terminate()
        try:
            s.wait(timeout=20)
        except subprocess.TimeoutExpired:
            s.kill()
    shutil.rmtree(work, ignore_errors=True)
