"""static/js/app.js: the small pure helpers, run with Node when it is installed."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import in_ci

APP_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "app.js"


def js_function(name: str) -> str:
    """The source of a top-level helper function of app.js (up to its closing brace at the same indent)."""
    match = re.search(rf"^( *)function {name}\(.*?^\1\}}", APP_JS.read_text(encoding="utf-8"), re.M | re.S)
    assert match, name
    return match.group(0)


def test_the_refresh_time_is_on_the_24_hour_clock_in_english_and_french():
    if shutil.which("node") is None:  # make test installs Node (.ci/system-packages); CI must run this
        message = "Node is not installed (apt-get install nodejs)"
        if in_ci():
            pytest.fail(message + " (CI=true: this test must run)")
        pytest.skip(message)
    script = js_function("clockTime") + """
    var at = new Date(Date.UTC(2027, 5, 25, 13, 5, 9));
    var early = new Date(Date.UTC(2027, 5, 25, 0, 7));
    console.log(JSON.stringify([clockTime(at, "en"), clockTime(at, "fr"), clockTime(at, ""), clockTime(early, "en")]));
    """
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True,
                            env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    assert json.loads(result.stdout) == ["13:05", "13:05", "13:05", "00:07"]


def test_no_time_is_written_with_the_browsers_12_hour_default():
    source = APP_JS.read_text(encoding="utf-8")
    assert "toLocaleTimeString(document" not in source and '"en-GB"' in source
