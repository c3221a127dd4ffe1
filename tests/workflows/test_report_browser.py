"""The workflow's report opened in a real browser (Debian's headless Chromium, installed by
``make chromium``): every figure decodes, no console message, every anchor of the table of contents
lands on its section; a screenshot is kept beside the report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

_PROBE = """<script>
window.addEventListener('load', () => {
  const out = {images: [], anchors: []};
  for (const img of Array.from(document.images)) {
    out.images.push({ok: img.complete && img.naturalWidth > 0, width: img.naturalWidth});
  }
  const bottom = document.documentElement.scrollHeight - window.innerHeight;
  for (const a of Array.from(document.querySelectorAll('a[href^="#"]'))) {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    const el = document.getElementById(id);
    if (!el) { out.anchors.push({id: id, ok: false}); continue; }
    window.scrollTo(0, 0);
    a.click();  // same-document navigation scrolls at once
    const top = el.getBoundingClientRect().top;
    out.anchors.push({id: id, top: top, hash: location.hash,
                      ok: location.hash === '#' + id && (Math.abs(top) < 2 || Math.abs(window.scrollY - bottom) < 2)});
  }
  const pre = document.createElement('pre');
  pre.id = 'browser-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def _chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make chromium` installs Debian's package")
        pytest.skip("chromium is not installed (`sudo make chromium`)")
    return exe


def _run(exe: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                           "--v=0", "--window-size=1280,900", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_report_in_headless_chromium(tmp_path: Path) -> None:
    from matterlearn.workflows import WorkflowSettings, phase_diagram_workflow

    exe = _chromium()
    summary = phase_diagram_workflow(tmp_path / "run", WorkflowSettings.preset(quick=True))
    report = Path(summary["report"])
    html = report.read_text()
    n_img = html.count("<img ")
    # the page itself: no console message at all (it has no script; a broken resource would log)
    page = _run(exe, "--virtual-time-budget=5000", "--dump-dom", report.as_uri())
    assert page.returncode == 0, page.stderr[-2000:]
    assert "CONSOLE" not in page.stderr, re.findall(r".*CONSOLE.*", page.stderr)
    # a copy with a probe: figures decoded, anchors followed
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", _PROBE + "</body>"))
    res = _run(exe, "--virtual-time-budget=20000", "--dump-dom", probe.as_uri())
    assert res.returncode == 0, res.stderr[-2000:]
    assert "CONSOLE" not in res.stderr, re.findall(r".*CONSOLE.*", res.stderr)
    m = re.search(r'<pre id="browser-check">(.*?)</pre>', res.stdout, re.S)
    assert m, "the probe did not finish"
    check = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(check["images"]) == n_img >= 5
    assert all(i["ok"] and i["width"] > 100 for i in check["images"]), check["images"]
    assert len(check["anchors"]) >= 5 and all(a["ok"] for a in check["anchors"]), check["anchors"]
    # a screenshot, kept beside the report
    shot = report.with_name("report_screenshot.png")
    res = _run(exe, f"--screenshot={shot}", "--window-size=1280,4000", report.as_uri())
    assert res.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
