"""The HTML reports in a real headless Chromium: rendered at 1280 and 390 px wide, screenshots
that show something, and no sideways scrolling on a phone."""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import List, Tuple

import pytest

from tests.test_html_report import project, run

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
# .ci/run installs chromium and sets MIGRATOR_REQUIRE_CHROMIUM: there a missing browser fails
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("MIGRATOR_REQUIRE_CHROMIUM"),
    reason="no chromium on PATH (apt-get install chromium; .ci/run installs it)",
)


def test_chromium_is_there_when_required():
    assert CHROMIUM, "MIGRATOR_REQUIRE_CHROMIUM is set but no chromium is on PATH"


# Headless Chromium lays a page out at least 500 px wide whatever --window-size says (a 390 px
# screenshot is a crop of that), so the phone width is an iframe 390 px wide: the report's media
# queries see 390 px, and the page around it reads the report's own scroll width.
PHONE = 390
_FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{{margin:0}}iframe{{border:0;display:block}}</style>
</head><body><iframe id="r" width="{width}" height="1600" srcdoc="{doc}"></iframe><script>
window.onload = function () {{
  var d = document.getElementById("r").contentDocument.documentElement;
  document.title = "layout " + d.scrollWidth + " " + d.clientWidth;
}};
</script></body></html>"""


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=60)


def decode_png(data: bytes) -> Tuple[int, int, List[bytes], int]:
    """(width, height, rows of pixel bytes, bytes per pixel) of an 8-bit RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    assert depth == 8 and color in (2, 6), (depth, color)
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride) if kind else ():
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def assert_not_blank(png: Path, width: int) -> None:
    w, h, rows, bpp = decode_png(png.read_bytes())
    assert w == width, (w, width)
    lum = [sum(row[x : x + 3]) / 3 for row in rows[::4] for x in range(0, w * bpp, bpp * 3)]
    mean = sum(lum) / len(lum)
    variance = sum((v - mean) ** 2 for v in lum) / len(lum)
    inked = sum(v < 160 for v in lum) / len(lum)
    assert variance > 200 and inked > 0.01, f"{png.name} looks blank: variance {variance:.0f}, {inked:.1%} dark"


def screenshot(tmp_path: Path, page: Path, width: int, name: str) -> Path:
    out = tmp_path / name
    proc = chromium(tmp_path, f"--window-size={width},1000", f"--screenshot={out}", page.as_uri())
    assert out.exists(), proc.stderr.decode(errors="replace")[-2000:]
    return out


def phone_layout(tmp_path: Path, report: Path) -> Tuple[Path, int, int]:
    """The report in a phone-wide frame: the frame page and the report's (scrollWidth, clientWidth)."""
    frame = tmp_path / (report.stem + "-phone.html")
    frame.write_text(
        _FRAME.format(width=PHONE, doc=html.escape(report.read_text(encoding="utf-8"), quote=True)), encoding="utf-8"
    )
    proc = chromium(tmp_path, "--window-size=800,1000", "--dump-dom", frame.as_uri())
    title = re.search(r"<title>layout (\d+) (\d+)</title>", proc.stdout.decode("utf-8", "replace"))
    assert title, proc.stderr.decode(errors="replace")[-2000:]
    return frame, int(title.group(1)), int(title.group(2))


def reports(tmp_path: Path) -> List[Path]:
    root = project(tmp_path / "repo")
    # a long unbroken line in a diff and a long path: what pushes a page sideways on a phone
    (root / "app" / "chat.py").write_text(
        "import openai\n"
        "r = openai.ChatCompletion.create(model='gpt-4o', messages=[{'role': 'user', 'content': '" + "x" * 300 + "'}])\n",
        encoding="utf-8",
    )
    deep = root / "a_rather_long_package_name" / "with_a_deeply_nested_module_folder"
    deep.mkdir(parents=True)
    (deep / "and_an_even_longer_module_name_for_good_measure.py").write_text(
        "from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n", encoding="utf-8"
    )
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", "long"], check=True)
    scan, apply = tmp_path / "scan.html", tmp_path / "apply.html"
    assert run("scan", root, "--format", "html", "-o", scan, "--no-cache").returncode == 0
    assert run("apply", root, "-p", "dashscope", "--dry-run", "--report", apply, "--no-cache").returncode == 1
    return [scan, apply]


def test_reports_render_on_desktop_and_phone(tmp_path):
    for report in reports(tmp_path):
        assert_not_blank(screenshot(tmp_path, report, 1280, report.stem + "-1280.png"), 1280)
        frame, scroll_width, client_width = phone_layout(tmp_path, report)
        assert client_width == PHONE, client_width
        assert scroll_width <= client_width, f"{report.name} scrolls sideways at {PHONE} px: {scroll_width} px wide"
        assert_not_blank(screenshot(tmp_path, frame, PHONE, report.stem + "-390.png"), PHONE)


def test_the_width_check_sees_an_overflowing_page(tmp_path):
    """The layout probe is not vacuous: a page wider than the phone is caught."""
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><meta charset="utf-8"><pre>' + "y" * 400 + "</pre>", encoding="utf-8")
    _, scroll_width, client_width = phone_layout(tmp_path, page)
    assert client_width == PHONE and scroll_width > PHONE
