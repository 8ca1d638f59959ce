#!/usr/bin/env python3
"""Renders docs/grafana.png: the panels of revel-connect.json drawn from data
scraped off a real run, as Grafana would show them.

It starts `revel-connect simulator` (with some 429s and 5xx), a callback on
127.0.0.1 that answers every 15th request 429 with Retry-After: 1, and a
pipeline polling four resources into `http_callback`; it scrapes /metrics
every 2 s, evaluates each panel's query (the dashboard's queries are all
AGG [by (L)] (FN(metric{...}[w])) or AGG [by (L)] (metric{...})), and has
headless Chromium screenshot an HTML page that draws them.

  make build && python3 deploy/grafana/preview.py [seconds]   # default 150

Needs python3 and chromium (Debian: apt-get install chromium). Nothing is
downloaded.
"""
import http.server, json, os, re, socket, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "bin", "revel-connect")
SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 150
STEP = 2.0

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

class Callback(http.server.BaseHTTPRequestHandler):
    n = 0
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Callback.n += 1
        if Callback.n % 15 == 0:
            self.send_response(429); self.send_header("Retry-After", "1")
        else:
            self.send_response(200)
        self.end_headers()
    def log_message(self, *a): pass

sim_port, cb_port, http_port = free_port(), free_port(), free_port()
cb = http.server.ThreadingHTTPServer(("127.0.0.1", cb_port), Callback)
threading.Thread(target=cb.serve_forever, daemon=True).start()

zone = "America/Los_Angeles"
macro = "${{DateTimeZone:%s:yyyy-MM-dd'T'HH:mm:ss.SSSSSS}}" % zone
resources = "".join(f"""
      {name}:
        url: {path}?updated_date__gte={macro}
        id_field: id
        dates_configuration:
          updated_date_timezone: {zone}
          created_date_timezone: {zone}{extra}""" for name, path, extra in [
    ("employees", "/resources/Employee/", ""),
    ("timesheets", "/resources/TimeSheetEntry/", "\n        reconcile_interval: 10s"),
    ("orders", "/resources/Order/", "\n        deleted_field: deleted\n        audit_interval: 20s"),
    ("payments", "/resources/Payment/", "")])
state = tempfile.mkdtemp(prefix="revel-preview-")
conf = os.path.join(state, "pipeline.yaml")
with open(conf, "w") as f:
    f.write(f"""http:
  address: 127.0.0.1:{http_port}
input:
  revel_poller:
    base_url: http://127.0.0.1:{sim_port}
    api_key: demo
    api_secret: demo
    refresh_interval: 2s
    start_from: earliest
    poll_delay: 2s
    checkpoint_cache: state
    resources:{resources}
cache_resources:
  - label: state
    atomic_file:
      directory: {state}/state
output:
  http_callback:
    url: http://127.0.0.1:{cb_port}/events
    retry_period: 200ms
    max_in_flight: 4
""")

procs = [subprocess.Popen([BIN, "simulator", "--addr", f"127.0.0.1:{sim_port}", "--rate", "6",
                           "--throttle-rate", "0.03", "--error-rate", "0.02", "--retry-after", "1s"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
time.sleep(1)
procs.append(subprocess.Popen([BIN, "run", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

def scrape():
    text = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)', line)
        if not m:
            continue
        labels = dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out

samples = []  # (t, series)
try:
    for _ in range(60):
        try:
            scrape(); break
        except OSError:
            time.sleep(0.5)
    start = time.time()
    while time.time() - start < SECONDS:
        t = time.time()
        samples.append((t - start, scrape()))
        time.sleep(max(0, STEP - (time.time() - t)))
finally:
    for p in reversed(procs):
        p.terminate(); p.wait()
    cb.shutdown()

QUERY = re.compile(r'^(sum|max)(?: by \(([^)]*)\))? ?\((?:(rate|increase)\()?([a-z_]+)(?:\{([^}]*)\})?(?:\[[^\]]+\]\))?\)$')

def evaluate(expr, window=30.0):
    m = QUERY.match(expr)
    if not m:
        raise SystemExit(f"preview.py cannot evaluate {expr!r}")
    agg, by, fn, name, filters = m.groups()
    by = [b.strip() for b in by.split(",")] if by else []
    filt = dict(re.findall(r'([a-z_]+)=~?"([^"]*)"', filters or ""))
    filt = {k: v for k, v in filt.items() if not v.startswith("$")}
    def pick(series):
        for n, labels, v in series:
            if n == name and all(re.fullmatch(p, labels.get(k, "")) for k, p in filt.items()):
                yield labels, v
    lines = {}
    for i, (t, series) in enumerate(samples):
        if fn:
            j = max(k for k in range(i + 1) if t - samples[k][0] >= min(window, t) or k == 0)
            if j == i:
                continue
            before = {tuple(sorted(l.items())): v for l, v in pick(samples[j][1])}
            dt = t - samples[j][0]
        groups = {}
        for labels, v in pick(series):
            if fn:
                v0 = before.get(tuple(sorted(labels.items())), 0.0)
                d = max(0.0, v - v0)
                v = d / dt if fn == "rate" else d
            key = tuple(labels.get(b, "") for b in by)
            groups[key] = groups.get(key, 0.0) + v if agg == "sum" else max(groups.get(key, v), v)
        for key, v in groups.items():
            lines.setdefault(key, []).append([round(t, 1), v])
    return by, lines

dash = json.load(open(os.path.join(ROOT, "deploy", "grafana", "revel-connect.json")))
panels = []
for p in dash["panels"]:
    out = {"type": p["type"], "title": p["title"], "gridPos": p["gridPos"],
           "unit": p.get("fieldConfig", {}).get("defaults", {}).get("unit", ""), "series": []}
    for tg in p.get("targets", []):
        by, lines = evaluate(tg["expr"].replace("[$__range]", "[9999s]"), 9999.0 if "$__range" in tg["expr"] else 30.0)
        for key, pts in sorted(lines.items()):
            legend = tg.get("legendFormat", "")
            for b, k in zip(by, key):
                legend = legend.replace("{{%s}}" % b, k)
            out["series"].append({"name": legend, "points": pts})
    panels.append(out)

html = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "preview.html")).read()
page = os.path.join(state, "preview.html")
with open(page, "w") as f:
    f.write(html.replace("/*DATA*/null", json.dumps({"title": dash["title"], "seconds": SECONDS, "panels": panels})))
png = os.path.join(ROOT, "docs", "grafana.png")
subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1600,1180", f"--screenshot={png}", "file://" + page],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("wrote", png, "from", len(samples), "scrapes")
